"""Erasure's page (Users → a person → Erase this person's personal data), `flask personal-data
erase`, and eight erasures of one person sent at once (docs/personal-data.md §4)."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import AuditEvent, Enrolment, EnrolmentStatus, User
from cohort.models.erasures import Erasure
from cohort.privacy.erasure.service import ErasureRefused, erase_person

THREADS = 8


def _erase_url(user: User) -> str:
    return f"/admin/users/{user.id}/erase"


def _erasures() -> int:
    return db.session.scalar(select(func.count()).select_from(Erasure)) or 0


def _withdraw(world) -> None:
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.participant.id))
    with db.session.no_autoflush:
        enrolment.withdrawn_on = world.cohort.start_date
        enrolment.withdrawal_reason = "Moved to another team at Siân's request"
        enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()


def test_the_page_says_what_goes_and_what_stays_then_erases(world, sign_in):
    client = sign_in(world.admin)
    _withdraw(world)
    page = client.get(_erase_url(world.participant)).get_data(as_text=True)
    assert "What will be removed" in page and "What is kept, without their name" in page
    # Counts take the singular only for one (the page once said "1 enrolments").
    assert "their 1 enrolment: status" in page and "1 enrolments" not in page
    assert "their 0 certificates: revoked" in page and "their 0 learning-log entries and" in page

    response = client.post(
        _erase_url(world.participant),
        data={"reason": "Erasure request ER-7", "confirmation": world.participant.email},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{world.participant.id}")
    person = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Personal data erased on" in person and "Siân" not in person
    assert f"Erased person #E-{world.participant.id}" in person
    # A second visit says it is done, and a second post changes nothing.
    again = client.post(_erase_url(world.participant), data={"reason": "Again", "confirmation": "anything"})
    assert again.status_code == 409 and "There is nothing more to erase" in again.get_data(as_text=True)
    assert _erasures() == 1


def test_the_user_page_offers_erasure(world, sign_in):
    page = sign_in(world.admin).get(f"/admin/users/{world.sponsor.id}").get_data(as_text=True)
    assert "Erase this person&#39;s personal data" in page or "Erase this person's personal data" in page


def test_bad_input_is_explained_and_nothing_is_written(world, sign_in):
    client = sign_in(world.admin)
    url = _erase_url(world.sponsor)
    cases = [
        ({"reason": "", "confirmation": world.sponsor.email}, "Enter the reason"),
        ({"reason": "x" * 501, "confirmation": world.sponsor.email}, "500 characters or fewer"),
        ({"reason": "Request", "confirmation": ""}, "Type their email address to confirm"),
        ({"reason": "Request", "confirmation": world.sponsor.email.upper()}, "does not match theirs"),
        ({"reason": "Request", "confirmation": "someone@example.gov.uk"}, "does not match theirs"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert _erasures() == 0
    assert db.session.get(User, world.sponsor.id).full_name == "Helen Sponsor"


def test_refusals_are_explained(world, sign_in):
    client = sign_in(world.admin)
    page = client.get(_erase_url(world.participant)).get_data(as_text=True)
    assert "Withdraw them from AI Accelerator — Cohort 1 first" in page
    assert f"/cohorts/{world.cohort.slug}" in page
    posted = client.post(
        _erase_url(world.participant), data={"reason": "Request", "confirmation": world.participant.email}
    )
    assert posted.status_code == 409
    own = client.get(_erase_url(world.admin)).get_data(as_text=True)
    assert "You cannot erase your own personal data" in own
    assert client.get("/admin/users/2147483647/erase").status_code == 404
    assert _erasures() == 0


def test_command_erases_and_refuses(app, world):
    runner = app.test_cli_runner()
    unknown = runner.invoke(
        args=["personal-data", "erase", "--email", "nobody@example.gov.uk", "--reason", "R"]
    )
    assert unknown.exit_code == 1 and "No one has the e-mail address" in unknown.output
    refused = runner.invoke(
        args=["personal-data", "erase", "--email", world.participant.email, "--reason", "R", "--yes"]
    )
    assert refused.exit_code == 1 and "Withdraw them from" in refused.output
    declined = runner.invoke(
        args=["personal-data", "erase", "--email", world.sponsor.email, "--reason", "R"], input="n\n"
    )
    assert declined.exit_code == 1 and _erasures() == 0
    done = runner.invoke(
        args=["personal-data", "erase", "--email", world.sponsor.email, "--reason", "Request ER-9"],
        input="y\n",
    )
    assert done.exit_code == 0, done.output
    assert f"Erased user {world.sponsor.id}" in done.output
    assert _erasures() == 1


def test_eight_erasures_at_once_end_as_one(app, world):
    _withdraw(world)
    user_id, admin_id = world.participant.id, world.admin.id
    db.session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(THREADS)

    def erase() -> None:
        with app.app_context():
            try:
                barrier.wait()  # before any query: on SQLite a transaction holds the write lock
                user, admin = db.session.get(User, user_id), db.session.get(User, admin_id)
                erase_person(user, reason="Erasure request ER-8", actor=admin)
                outcomes.append("erased")
            except ErasureRefused as error:
                outcomes.append(str(error))
            except Exception as error:  # noqa: BLE001 - reported below
                outcomes.append(f"error: {error!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=erase) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {
        "erased": 1,
        "This person's personal data has already been erased": THREADS - 1,
    }
    db.session.expire_all()
    assert _erasures() == 1
    erase_events = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "erase")
    assert db.session.scalar(erase_events) == 1


def test_every_register_declaration_is_handled_by_erasure():
    """docs/personal-data.md §1 and §4: each table the register declares is scrubbed, removed, or
    kept with a reason by erasure (cohort/privacy/erasure/scrub.py HANDLED)."""
    from cohort.privacy.erasure.scrub import HANDLED
    from cohort.privacy.register import personal_data_register

    missing = sorted({d.table for d in personal_data_register()} - HANDLED.keys())
    assert missing == [], f"tables the register declares that erasure does not handle: {missing}"
    for table, (what, why) in HANDLED.items():
        assert what in {"scrubbed", "removed", "kept"} and why, table
