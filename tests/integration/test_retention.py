"""Retention applied at chosen instants (docs/personal-data.md §3): just before each rule's
boundary nothing goes; just after, what is due goes and nothing else. A run is audited with
its counts; the admin page's dry-run figures equal what a run then removes; eight runs at once
remove each row once; `flask personal-data retention [--dry-run]`."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import (
    AuditEvent,
    CheckInAttempt,
    CohortStatus,
    LearningLogComment,
    LearningLogEntry,
    Message,
    MessageStatus,
    Role,
    SignInAttempt,
    User,
    UserSession,
)
from cohort.models.retention_runs import RetentionRun
from cohort.privacy.retention.service import CLEARED_ACTIVITY, apply, due_now, months_before
from tests import factories as f

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
OLD_START = date(2024, 1, 1)  # a Monday; 12 weeks: its last day is Friday 22 March 2024
LATER_START = date(2024, 4, 1)  # last day Friday 21 June 2024


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _due(now) -> dict[str, int | None]:
    return {item.rule.key: item.count for item in due_now(now)}


def test_months_before_keeps_the_day_or_the_months_last():
    assert months_before(date(2025, 3, 23), 12) == date(2024, 3, 23)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2026, 1, 31), 1) == date(2025, 12, 31)


def _sign_in_rows(at: datetime) -> None:
    user = f.make_user()
    db.session.add_all(
        [
            SignInAttempt(email="someone@example.gov.uk", succeeded=False, ip_address="192.0.2.1", at=at),
            CheckInAttempt(user_id=user.id, succeeded=True, at=at),
            UserSession(
                user_id=user.id,
                token_digest=f"digest-{at.isoformat()}",
                method="password",
                device="Firefox on Linux",
                created_at=at,
                last_seen_at=at,
            ),
        ]
    )
    db.session.commit()


def test_sign_in_records_go_90_days_after_and_not_before(app):
    _sign_in_rows(T0)
    _sign_in_rows(T0 + timedelta(days=1))
    with time_machine.travel(T0 + timedelta(days=90, minutes=-1), tick=False):
        assert _due(None)["sign_in_records"] == 0
        run = apply()
        assert run.counts["sign_in_records"] == {
            "sign_in_attempts": 0,
            "check_in_attempts": 0,
            "user_sessions": 0,
        }
    assert (_count(SignInAttempt), _count(CheckInAttempt), _count(UserSession)) == (2, 2, 2)
    with time_machine.travel(T0 + timedelta(days=90, minutes=1), tick=False):
        assert _due(None)["sign_in_records"] == 3
        run = apply()
        assert run.counts["sign_in_records"] == {
            "sign_in_attempts": 1,
            "check_in_attempts": 1,
            "user_sessions": 1,
        }
    assert (_count(SignInAttempt), _count(CheckInAttempt), _count(UserSession)) == (1, 1, 1)
    assert db.session.scalar(select(SignInAttempt.at)) == T0 + timedelta(days=1)


def _message(n: int, at: datetime, status: MessageStatus = MessageStatus.SENT) -> Message:
    message = Message(
        key=f"test:{n}",
        kind="test",
        to_address=f"person{n}@example.gov.uk",
        subject=f"Subject {n}",
        body_text=f"Hello person {n}",
        body_html=f"<p>Hello person {n}</p>",
        personalisation={"name": f"Person {n}"},
        status=status,
        created_at=at,
    )
    db.session.add(message)
    return message


def test_the_email_log_is_cleared_90_days_after_but_the_row_and_key_stay(app):
    _message(1, T0)
    _message(2, T0, MessageStatus.FAILED)
    _message(3, T0, MessageStatus.QUEUED)  # not yet delivered: left for delivery
    _message(4, T0 + timedelta(days=1))
    db.session.commit()
    with time_machine.travel(T0 + timedelta(days=90, minutes=-1), tick=False):
        assert apply().counts["email_log"] == {"messages": 0}
    with time_machine.travel(T0 + timedelta(days=90, minutes=1), tick=False):
        assert apply().counts["email_log"] == {"messages": 2}
    db.session.expire_all()
    rows = {m.key: m for m in db.session.scalars(select(Message))}
    assert len(rows) == 4
    for key in ("test:1", "test:2"):
        assert (rows[key].to_address, rows[key].subject, rows[key].body_text, rows[key].personalisation) == (
            "",
            "",
            "",
            {},
        )
    assert rows["test:3"].to_address == "person3@example.gov.uk"
    assert rows["test:4"].body_text == "Hello person 4"


def _log_world():
    facilitator = f.make_user(Role.FACILITATOR)
    old = f.make_cohort(start=OLD_START)
    later = f.make_cohort(start=LATER_START)
    ada = f.make_user(full_name="Ada Oldcohort")
    bob = f.make_user(full_name="Bob Latercohort")
    entry = f.make_log_entry(f.enrol(old, ada), hours=2.5, on=date(2024, 2, 1))
    entry.reflection = "I learnt that my manager dislikes pandas"
    entry.link = "https://example.org/ada-notes"
    kept = f.make_log_entry(f.enrol(later, bob), hours=1.0)
    kept.reflection = "Bob's own thoughts"
    db.session.add(
        LearningLogComment(entry_id=entry.id, author_id=facilitator.id, body="Good reflection, Ada")
    )
    db.session.add(LearningLogComment(entry_id=kept.id, author_id=facilitator.id, body="Good, Bob"))
    db.session.commit()
    return entry.id, kept.id


def test_learning_log_text_is_cleared_12_months_after_the_cohort_ends_hours_and_date_stay(app):
    entry_id, kept_id = _log_world()
    with time_machine.travel(
        datetime(2025, 3, 22, 12, tzinfo=UTC), tick=False
    ):  # the cohort ended a year ago
        assert _due(None)["learning_log_text"] == 0
        assert apply().counts["learning_log_text"] == {"learning_log_entries": 0, "learning_log_comments": 0}
    with time_machine.travel(datetime(2025, 3, 23, 12, tzinfo=UTC), tick=False):
        assert _due(None)["learning_log_text"] == 2  # one entry, one comment
        assert apply().counts["learning_log_text"] == {"learning_log_entries": 1, "learning_log_comments": 1}
        assert _due(None)["learning_log_text"] == 0  # a second run finds nothing
    db.session.expire_all()
    entry = db.session.get(LearningLogEntry, entry_id)
    assert (entry.activity, entry.reflection, entry.link) == (CLEARED_ACTIVITY, None, None)
    assert (entry.hours, entry.entry_date) == (2.5, date(2024, 2, 1))
    kept = db.session.get(LearningLogEntry, kept_id)
    assert kept.reflection == "Bob's own thoughts"
    assert [c.body for c in db.session.scalars(select(LearningLogComment))] == ["Good, Bob"]


def _people_world():
    old = f.make_cohort(start=OLD_START, status=CohortStatus.FINISHED)
    later = f.make_cohort(start=LATER_START, status=CohortStatus.FINISHED)
    never_finished = f.make_cohort(start=OLD_START, status=CohortStatus.RUNNING)
    f.enrol(never_finished, f.make_user(full_name="Carl Unfinished"))
    ada = f.make_user(full_name="Ada Oldcohort")
    f.enrol(old, ada)
    bob = f.make_user(full_name="Bob Bothcohorts")
    f.enrol(old, bob)
    f.enrol(later, bob)
    f.make_user(Role.FACILITATOR, full_name="Fran Noenrolment")
    db.session.commit()
    return ada.id, bob.id


def test_participants_are_erased_2_years_after_their_last_cohort_ends(app):
    from cohort.privacy.erasure.service import is_erased

    ada_id, bob_id = _people_world()
    with time_machine.travel(datetime(2026, 3, 22, 12, tzinfo=UTC), tick=False):
        due = {item.rule.key: item for item in due_now()}
        assert due["personal_details"].count == 0
        assert apply().counts["personal_details"]["people"] == 0
    with time_machine.travel(datetime(2026, 3, 23, 12, tzinfo=UTC), tick=False):
        due = {item.rule.key: item for item in due_now()}
        assert due["personal_details"].count == 1
        assert "Ada Oldcohort" in due["personal_details"].description
        assert "Bob" not in due["personal_details"].description
        assert "Carl" not in due["personal_details"].description
        assert "(1 person waits until their cohort is finished)" in due["personal_details"].description
        assert apply().counts["personal_details"] == {"people": 1, "people_refused": 0}
    db.session.expire_all()
    assert is_erased(db.session.get(User, ada_id))
    assert not is_erased(db.session.get(User, bob_id))
    assert db.session.scalar(select(func.count()).where(User.full_name == "Ada Oldcohort")) == 0


def test_a_run_is_audited_once_with_its_counts(app):
    _sign_in_rows(T0)
    with time_machine.travel(T0 + timedelta(days=100), tick=False):
        run = apply(started_by="command")
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention")))
    assert len(events) == 1
    assert events[0].entity_type == "RetentionRun" and events[0].entity_id == run.id
    assert events[0].actor_id is None
    assert events[0].after["counts"]["sign_in_records"] == {
        "sign_in_attempts": 1,
        "check_in_attempts": 1,
        "user_sessions": 1,
    }
    assert "sign-in records 3" in events[0].summary
    assert db.session.scalar(select(RetentionRun.started_by)) == "command"


def _everything_due():
    _sign_in_rows(T0 - timedelta(days=400))
    for n in range(5):
        _message(n, T0 - timedelta(days=400))
    _log_world()
    db.session.commit()


def test_the_pages_dry_run_figures_equal_what_a_run_removes(app, client):
    _everything_due()
    admin = f.make_user(Role.ADMIN)
    with time_machine.travel(T0, tick=False):
        f.sign_in_as(client, admin)
        page = client.get("/admin/personal-data/retention")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Would remove now" in text
        assert "RETAIN_LEARNING_LOG_MONTHS" in text
        assert "1 sign-in attempt, 1 check-in attempt, 1 signed-in session to delete" in text
        assert "5 e-mails to clear" in text
        assert "2 entries to clear, 2 comments to delete" in text
        assert "The retention job has not run yet." in text
        due = {item.rule.key: item.parts for item in due_now()}
        run = apply()
        for key in ("sign_in_records", "email_log", "learning_log_text"):
            assert run.counts[key] == due[key], key
        assert all(item.count in (0, None) for item in due_now())
        after = client.get("/admin/personal-data/retention").get_data(as_text=True)
        assert "Nightly job" in after and "The retention job has not run yet." not in after


@pytest.mark.parametrize("role", [None, Role.PARTICIPANT, Role.FACILITATOR, Role.SPONSOR])
def test_only_the_programme_manager_sees_the_page(app, client, role):
    if role is not None:
        f.sign_in_as(client, f.make_user(role))
    response = client.get("/admin/personal-data/retention")
    assert response.status_code == (302 if role is None else 403)


def test_eight_runs_at_once_remove_each_row_once(app):
    for n in range(30):
        _sign_in_rows(T0 - timedelta(days=200, minutes=n))
    for n in range(40):
        _message(n, T0 - timedelta(days=200))
    _people_world()  # Ada and Bob are due for erasure at T0 + 3 years; Carl's cohort is not finished
    db.session.commit()
    results: list[dict] = []
    problems: list[str] = []
    start = threading.Barrier(8)

    def run():
        with app.app_context():
            try:
                start.wait()
                with time_machine.travel(T0 + timedelta(days=3 * 365), tick=False):
                    results.append(apply().counts)
            except Exception as exc:  # noqa: BLE001 - reported below
                problems.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert len(results) == 8
    removed = {"sign_in_attempts": 0, "check_in_attempts": 0, "user_sessions": 0}
    cleared = 0
    for counts in results:
        for name, n in counts["sign_in_records"].items():
            removed[name] += n
        cleared += counts["email_log"]["messages"]
    assert removed == {"sign_in_attempts": 30, "check_in_attempts": 30, "user_sessions": 30}
    assert cleared == 40
    assert sum(counts["personal_details"]["people"] for counts in results) == 2  # Ada and Bob, once each
    from cohort.models.erasures import Erasure

    assert _count(Erasure) == 2
    assert (_count(SignInAttempt), _count(CheckInAttempt), _count(UserSession)) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "retention")) == 8


def test_the_command_shows_what_is_due_and_applies_unless_dry_run(app):
    _everything_due()
    runner = app.test_cli_runner()
    with time_machine.travel(T0, tick=False):
        dry = runner.invoke(args=["personal-data", "retention", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "Sign-in records (90 days after the attempt or session): 1 sign-in attempt" in dry.output
        assert "Dry run: nothing was changed." in dry.output
        assert _count(SignInAttempt) == 1
        done = runner.invoke(args=["personal-data", "retention"])
        assert done.exit_code == 0, done.output
        assert (
            "Done, sign_in_records: sign_in_attempts 1, check_in_attempts 1, user_sessions 1" in done.output
        )
    assert _count(SignInAttempt) == 0
    assert db.session.scalar(select(RetentionRun.started_by)) == "command"
