"""Two withdrawals of one enrolment sent at once with the same ETag (docs/architecture.md §7,
docs/api.md ETags): one is saved, the other is refused with 412, and the enrolment is withdrawn
once, with one audit event and the first reason. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.models import AuditEvent, Enrolment, EnrolmentStatus


def test_two_withdrawals_with_one_etag_one_is_refused(app, world):
    secret = api_tokens.create(
        world.admin,
        "Race",
        ["enrolments:read", "enrolments:write"],
        datetime.now(UTC).date() + timedelta(days=9),
    ).secret
    enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == world.participant.id))
    url = f"/api/v1/enrolments/{enrolment_id}"
    auth = {"Authorization": f"Bearer {secret}"}
    etag = app.test_client().get(url, headers=auth).headers["ETag"]
    db.session.commit()
    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def patch(reason: str) -> None:
        start.wait()
        response = app.test_client().patch(
            url, json={"status": "withdrawn", "reason": reason}, headers={**auth, "If-Match": etag}
        )
        answers[reason] = response.status_code

    threads = [
        threading.Thread(target=patch, args=(reason,)) for reason in ("Moved post", "Left the service")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers.values()) == [200, 412], answers
    saved = next(reason for reason, status in answers.items() if status == 200)
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment_id)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN and enrolment.withdrawal_reason == saved
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "withdraw")).all()
    assert len(events) == 1 and saved in events[0].summary
