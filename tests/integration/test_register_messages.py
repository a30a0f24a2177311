"""Registers not taken: the cohort's facilitators two working hours after the session ends, the
programme managers a working day later, nobody once the register is taken, each note once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from sqlalchemy import select

from cohort.attendance.reminders import queue_due_register_messages
from cohort.domain.attendance import Mark
from cohort.domain.times import london_to_utc
from cohort.extensions import db
from cohort.models import AttendanceMark, CohortStatus, EmailPreference, Enrolment, Role
from cohort.models.attendance import MarkSource
from tests import factories
from tests.mail import link_in, outbox
from tests.sessions import make_session

KIND = "register_missing"


def london(day: date, hh: int, mm: int = 0) -> datetime:
    return london_to_utc(day, time(hh, mm))


def recipients() -> list[str]:
    return sorted(m.to_address for m in outbox(KIND))


def workshop(world, day: date = date(2026, 9, 8), start=time(9, 30), end=time(12, 30)):
    session = make_session(
        world.cohort, day, start, end, title="Serving models", facilitator=world.facilitator
    )
    db.session.commit()
    return session


def enrolment(world, user) -> Enrolment:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == world.cohort.id, Enrolment.user_id == user.id)
    )


def test_facilitators_two_working_hours_after_then_managers_a_working_day_later_each_once(
    world, client, sign_in
):
    second_admin = factories.make_user(Role.ADMIN, full_name="Second Admin")
    gone = factories.make_user(Role.ADMIN, full_name="Gone Admin")
    gone.is_active_account = False
    session = workshop(world)  # Tuesday 8 September 2026, ends 12:30
    tuesday, wednesday = date(2026, 9, 8), date(2026, 9, 9)

    assert queue_due_register_messages(london(tuesday, 14, 29)) == 0
    assert queue_due_register_messages(london(tuesday, 14, 30)) == 1
    assert recipients() == [world.facilitator.email]
    [message] = outbox(KIND)
    assert message.subject == "Register not taken: Serving models on Tuesday 8 September 2026"
    assert (
        "The register for Serving models on AI Accelerator — Cohort 1 has not been taken" in message.body_text
    )
    assert "Time: 9:30am to 12:30pm (UK time)" in message.body_text
    assert "counts as absent" in message.body_text

    # The job runs every quarter of an hour: nothing more until the managers' turn.
    assert queue_due_register_messages(london(tuesday, 14, 45)) == 0
    assert queue_due_register_messages(london(wednesday, 14, 29)) == 0
    assert queue_due_register_messages(london(wednesday, 14, 30)) == 2
    assert recipients() == sorted([world.facilitator.email, world.admin.email, second_admin.email])
    [to_manager] = outbox(KIND, to=world.admin)
    assert "still not taken, a working day after the facilitators were reminded" in to_manager.body_text
    assert queue_due_register_messages(london(wednesday, 15, 0)) == 0
    assert queue_due_register_messages(london(date(2026, 9, 10), 9, 0)) == 0
    assert len(outbox(KIND)) == 3

    # The link opens the register for the facilitator.
    link = link_in(message, f"/sessions/{session.id}/register")
    page = sign_in(world.facilitator).get(urlsplit(link).path)
    assert page.status_code == 200 and "Serving models" in page.text


def test_a_friday_afternoon_session_is_chased_on_monday_and_tuesday(world):
    workshop(world, date(2026, 9, 11), time(14, 0), time(16, 30))  # Friday
    monday, tuesday = date(2026, 9, 14), date(2026, 9, 15)
    # 16:30 to 17:30 on Friday is one working hour; the second ends at 10:00 on Monday.
    assert queue_due_register_messages(london(date(2026, 9, 11), 17, 30)) == 0
    assert queue_due_register_messages(london(date(2026, 9, 12), 12, 0)) == 0  # Saturday
    assert queue_due_register_messages(london(monday, 9, 59)) == 0
    assert queue_due_register_messages(london(monday, 10, 0)) == 1
    assert queue_due_register_messages(london(tuesday, 9, 59)) == 0
    assert queue_due_register_messages(london(tuesday, 10, 0)) == 1
    assert recipients() == sorted([world.facilitator.email, world.admin.email])


def test_after_a_bank_holiday_monday_it_is_tuesday(world):
    workshop(world, date(2026, 5, 22), time(14, 0), time(16, 30))  # Friday before the Spring bank holiday
    assert queue_due_register_messages(london(date(2026, 5, 25), 12, 0)) == 0
    assert queue_due_register_messages(london(date(2026, 5, 26), 9, 59)) == 0
    assert queue_due_register_messages(london(date(2026, 5, 26), 10, 0)) == 1


def test_across_the_clock_change(world):
    # Friday 23 October 2026 is BST; Monday 26 October is GMT: 10:00 there is 10:00 UTC.
    workshop(world, date(2026, 10, 23), time(14, 0), time(16, 30))
    assert queue_due_register_messages(datetime(2026, 10, 26, 9, 59, tzinfo=UTC)) == 0
    assert queue_due_register_messages(datetime(2026, 10, 26, 10, 0, tzinfo=UTC)) == 1


def test_nobody_is_chased_once_the_register_is_taken(world, sign_in):
    session = workshop(world)
    me = enrolment(world, world.participant)
    response = sign_in(world.facilitator).post(
        f"/cohorts/{world.cohort.slug}/sessions/{session.id}/register",
        data={"save": "y", f"mark-{me.id}": "present"},  # one person marked: the register is saved
    )
    assert response.status_code == 302
    assert queue_due_register_messages(london(date(2026, 9, 8), 14, 30)) == 0
    assert queue_due_register_messages(london(date(2026, 9, 9), 14, 30)) == 0
    assert outbox(KIND) == []


def test_a_register_taken_after_the_facilitators_note_stops_the_managers_one(world, sign_in):
    session = workshop(world)
    assert queue_due_register_messages(london(date(2026, 9, 8), 14, 30)) == 1
    me = enrolment(world, world.participant)
    response = sign_in(world.facilitator).post(
        f"/cohorts/{world.cohort.slug}/sessions/{session.id}/register",
        data={"save": "y", f"mark-{me.id}": "absent"},
    )
    assert response.status_code == 302
    assert queue_due_register_messages(london(date(2026, 9, 9), 14, 30)) == 0
    assert recipients() == [world.facilitator.email]


def test_a_check_in_that_marked_everyone_needs_no_register_but_a_partial_one_does(world):
    everyone = workshop(world)
    partial = workshop(world, date(2026, 9, 10))
    for person in (world.participant, world.other_participant):
        db.session.add(
            AttendanceMark(
                session=everyone,
                enrolment=enrolment(world, person),
                mark=Mark.PRESENT,
                source=MarkSource.CHECK_IN,
            )
        )
    db.session.add(
        AttendanceMark(
            session=partial,
            enrolment=enrolment(world, world.participant),
            mark=Mark.PRESENT,
            source=MarkSource.CHECK_IN,
        )
    )
    db.session.commit()
    assert queue_due_register_messages(london(date(2026, 9, 10), 14, 30)) == 1
    [message] = outbox(KIND)
    assert message.subject == "Register not taken: Serving models on Thursday 10 September 2026"


def test_no_note_for_cancelled_sessions_finished_cohorts_opted_out_people_or_long_ago(world):
    cancelled = workshop(world)
    cancelled.cancelled_at = london(date(2026, 9, 8), 8)
    cancelled.cancellation_reason = "Trainer ill"
    make_session(world.other_cohort, date(2026, 9, 8), title="Finished cohort's")
    world.other_cohort.status = CohortStatus.FINISHED
    db.session.commit()
    assert queue_due_register_messages(london(date(2026, 9, 10), 14, 30)) == 0

    db.session.add(EmailPreference(user_id=world.facilitator.id, kind=KIND, subscribed=False))
    workshop(world, date(2026, 9, 15))
    assert queue_due_register_messages(london(date(2026, 9, 15), 14, 30)) == 0  # the facilitator opted out
    assert queue_due_register_messages(london(date(2026, 9, 16), 14, 30)) == 1  # the manager did not
    assert recipients() == [world.admin.email]

    # A session that ended more than two weeks before the job first runs is not chased.
    workshop(world, date(2026, 8, 25))
    assert queue_due_register_messages(london(date(2026, 9, 16), 15, 0)) == 0
