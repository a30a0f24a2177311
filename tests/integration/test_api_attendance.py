"""Setting a session's marks through the API (docs/api.md, Attendance): the register's rules,
If-Match required, one 412 of two PUTs made from the same ETag, every change audited naming the
token."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.models import AttendanceMark, AuditEvent, CohortStatus
from tests.factories import enrolment_of
from tests.sessions import make_session, session_id_in


def _secret(user, scopes=None) -> str:
    scopes = scopes or api_tokens.scopes_for(user.role)
    return api_tokens.create(
        user, "Registers", list(scopes), datetime.now(UTC).date() + timedelta(days=30)
    ).secret


def _url(world, session_id=None) -> str:
    return (
        f"/api/v1/cohorts/{world.cohort.slug}/sessions/{session_id or session_id_in(world.cohort)}/attendance"
    )


def _read(client, url, secret):
    response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    return response


def _put(client, url, secret, marks, etag=None):
    headers = {"Authorization": f"Bearer {secret}"}
    if etag is not None:
        headers["If-Match"] = etag
    return client.put(url, json={"marks": marks}, headers=headers)


def test_a_facilitator_sets_marks_with_the_etag_they_read(world, client):
    secret = _secret(world.facilitator)
    url = _url(world)
    etag = _read(client, url, secret).headers["ETag"]
    siân = enrolment_of(world.cohort, world.participant).id
    saved = _put(client, url, secret, [{"enrolment_id": siân, "mark": "present", "note": "On time"}], etag)
    assert saved.status_code == 200, saved.text
    assert {r["enrolment_id"]: r["mark"] for r in saved.json}[siân] == "present"
    assert saved.headers["ETag"] != etag
    mark = db.session.scalar(select(AttendanceMark))
    assert (
        mark.mark.value == "present"
        and mark.note == "On time"
        and mark.recorded_by_id == world.facilitator.id
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "AttendanceMark"))
    assert event.actor_id == world.facilitator.id
    prefix = db.session.scalar(select(AuditEvent.summary).where(AuditEvent.id == event.id))
    assert "through API token cohort_pat_" in prefix and "Registers" in prefix
    assert secret not in prefix
    # The old ETag is now stale.
    again = _put(client, url, secret, [{"enrolment_id": siân, "mark": "late"}], etag)
    assert again.status_code == 412 and again.mimetype == "application/problem+json"
    assert again.json["type"] == "/api/v1/problems/precondition-failed"


def test_if_match_is_required(world, client):
    secret = _secret(world.admin)
    siân = enrolment_of(world.cohort, world.participant).id
    response = _put(client, _url(world), secret, [{"enrolment_id": siân, "mark": "present"}])
    assert response.status_code == 428 and response.mimetype == "application/problem+json"
    assert db.session.scalar(select(AttendanceMark)) is None


def test_bad_input_is_a_422_with_row_numbered_problems_and_nothing_written(world, client):
    secret = _secret(world.admin)
    url = _url(world)
    etag = _read(client, url, secret).headers["ETag"]
    siân = enrolment_of(world.cohort, world.participant).id
    for marks in (
        [{"enrolment_id": siân, "mark": "sleeping"}],
        [{"enrolment_id": "x", "mark": "present"}],
        [{"enrolment_id": siân}],
        [],
        [{"enrolment_id": siân, "mark": "present", "note": "x" * 501}],
    ):
        response = _put(client, url, secret, marks, etag)
        assert response.status_code == 422, marks
        assert response.json["errors"]
    unknown = _put(
        client,
        url,
        secret,
        [{"enrolment_id": siân, "mark": "present"}, {"enrolment_id": 99999, "mark": "absent"}],
        etag,
    )
    assert unknown.status_code == 422
    assert unknown.json["errors"]["json"]["marks"] == {
        "1": {"enrolment_id": ["Not an active enrolment in this cohort"]}
    }
    twice = _put(
        client,
        url,
        secret,
        [{"enrolment_id": siân, "mark": "present"}, {"enrolment_id": siân, "mark": "absent"}],
        etag,
    )
    assert twice.status_code == 422
    not_json = client.put(url, data="marks", headers={"Authorization": f"Bearer {secret}", "If-Match": etag})
    assert not_json.status_code in {415, 422}
    assert db.session.scalar(select(AttendanceMark)) is None


def test_the_registers_rules_apply(world, client):
    secret = _secret(world.admin)
    siân = enrolment_of(world.cohort, world.participant).id
    future = make_session(world.cohort, day=datetime.now(UTC).date() + timedelta(days=7))
    db.session.commit()
    url = _url(world, future.id)
    etag = _read(client, url, secret).headers["ETag"]
    early = _put(client, url, secret, [{"enrolment_id": siân, "mark": "present"}], etag)
    assert early.status_code == 422
    assert "before the session starts" in str(early.json["errors"])
    # Excused ahead of time is fine, as on the register.
    assert _put(client, url, secret, [{"enrolment_id": siân, "mark": "excused"}], etag).status_code == 200
    # A finished cohort's register no longer changes.
    world.cohort.status = CohortStatus.FINISHED
    db.session.commit()
    url = _url(world)
    etag = _read(client, url, secret).headers["ETag"]
    closed = _put(client, url, secret, [{"enrolment_id": siân, "mark": "present"}], etag)
    assert closed.status_code == 409 and "finished" in closed.json["detail"]


def test_who_may_set_marks(world, client):
    siân = enrolment_of(world.cohort, world.participant).id
    url = _url(world)
    # A facilitator of another cohort: not found, as the register page.
    other = _secret(world.other_facilitator)
    assert _put(client, url, other, [{"enrolment_id": siân, "mark": "present"}], '"x"').status_code == 404
    # A sponsor cannot hold attendance:write; their read-only token is refused the write.
    sponsor = _secret(world.sponsor)
    assert _put(client, url, sponsor, [{"enrolment_id": siân, "mark": "present"}], '"x"').status_code == 403
    # A facilitator's token without the write scope.
    reader = _secret(world.facilitator, ["attendance:read"])
    assert _put(client, url, reader, [{"enrolment_id": siân, "mark": "present"}], '"x"').status_code == 403
    assert db.session.scalar(select(AttendanceMark)) is None


def test_two_puts_with_one_etag_one_is_refused(app, world):
    secret = _secret(world.admin)
    url = _url(world)
    siân = enrolment_of(world.cohort, world.participant).id
    client = app.test_client()
    etag = _read(client, url, secret).headers["ETag"]
    db.session.commit()
    statuses: list[int] = []
    start = threading.Barrier(2)

    def put(mark):
        start.wait()
        response = _put(app.test_client(), url, secret, [{"enrolment_id": siân, "mark": mark}], etag)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=put, args=(mark,)) for mark in ("present", "absent")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 412]
    db.session.expire_all()
    assert len(db.session.scalars(select(AttendanceMark)).all()) == 1
    assert (
        len(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "AttendanceMark")).all())
        == 1
    )
