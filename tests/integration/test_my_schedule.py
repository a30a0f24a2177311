"""A participant's own schedule: what is next, their sessions by week, and their own
attendance rate with the counts behind it (docs/rules.md §3), nobody else's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.domain.times import LONDON, week_of
from cohort.extensions import db
from cohort.models import AttendanceMark, CatchUp, Enrolment, EnrolmentStatus, MarkSource, Role
from tests import factories
from tests.sessions import make_session


def mark(session, enrolment, value: Mark, by) -> None:
    db.session.add(
        AttendanceMark(
            session_id=session.id,
            enrolment_id=enrolment.id,
            mark=value,
            source=MarkSource.REGISTER,
            recorded_by_id=by.id,
        )
    )


def enrolment_of(world, user) -> Enrolment:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == world.cohort.id)
    )


@pytest.fixture
def timetable(world):
    """Five ended sessions in September with Siân's marks, one cancelled, and one coming up."""
    siân, zoë = enrolment_of(world, world.participant), enrolment_of(world, world.other_participant)
    by = world.facilitator
    marks = [Mark.PRESENT, Mark.LATE, Mark.EXCUSED, Mark.ABSENT, None]
    sessions = []
    for n, value in enumerate(marks):
        kind = SessionKind.ETHICS if value == Mark.ABSENT else SessionKind.WORKSHOP
        title = "Ethics: Bias and fairness" if kind == SessionKind.ETHICS else f"Workshop {n + 1}"
        session = make_session(world.cohort, date(2026, 9, 8) + timedelta(weeks=n), kind=kind, title=title)
        sessions.append(session)
        if value is not None:
            mark(session, siân, value, by)
        mark(session, zoë, Mark.PRESENT, by)  # someone else's marks change nothing of Siân's
    cancelled = make_session(world.cohort, date(2026, 9, 9), title="Cancelled talk")
    cancelled.cancelled_at, cancelled.cancellation_reason = datetime.now(UTC), "Speaker ill"
    soon = (datetime.now(LONDON) + timedelta(days=2)).date()
    upcoming = make_session(world.cohort, soon, time(9, 30), time(12, 30), title="Coming soon")
    upcoming.location = "102 Petty France"
    db.session.commit()
    return sessions, cancelled, upcoming


def test_my_schedule_shows_what_is_next_and_my_own_attendance(client, world, sign_in, timetable):
    sessions, cancelled, upcoming = timetable
    sign_in(world.participant)
    page = client.get("/my-schedule")
    assert page.status_code == 200
    text = page.text
    assert "My schedule" in text and "AI Accelerator — Cohort 1" in text
    # What is next: the upcoming session, not the cancelled one.
    next_part = text[text.index(">Next<") : text.index("Your attendance")]
    assert "Coming soon" in next_part and "102 Petty France" in next_part
    assert "9:30am to 12:30pm" in next_part
    # Present + late over (5 ended − 1 excused): 2 of 4 = 50%; the cancelled one does not count.
    assert "50%" in text
    assert "2 of 4 sessions that count (1 late)" in text
    assert "Not marked – counted as absent" in text
    assert "2 (1 not marked, counted as absent)" in text
    assert "Cancelled – does not count" in text
    # At risk, with the reasons.
    assert "You may not complete the programme unless this changes" in text
    assert "Attendance 50% (2 of 4 sessions) — needs 80%" in text
    assert "Ethics: Bias and fairness (week 4) missed, no catch-up" in text
    assert "Catch-up needed" in text
    # Sessions by week, each with its kind as a word.
    for n in range(1, 6):
        assert f"Week {n}" in text
    assert "Ethics" in text and "Workshop" in text and "Mandatory" in text
    assert "Zoë" not in text


def test_a_catch_up_clears_the_missed_mandatory_session(client, world, sign_in, timetable):
    sessions, _, _ = timetable
    db.session.add(
        CatchUp(
            session_id=sessions[3].id,
            enrolment_id=enrolment_of(world, world.participant).id,
            what_was_done="Watched the recording and wrote a reflection",
            completed_on=date(2026, 10, 9),
            recorded_by_id=world.facilitator.id,
        )
    )
    db.session.commit()
    sign_in(world.participant)
    text = client.get("/my-schedule").text
    assert "Caught up on 9 October 2026" in text
    assert "missed, no catch-up" not in text
    assert "Catch-up needed" not in text
    assert "Attendance 50% (2 of 4 sessions) — needs 80%" in text
    # The warning is a real banner heading, not its markup shown as text.
    assert '<p class="govuk-notification-banner__heading">You may not complete' in text
    assert "&lt;p class=" not in text


def test_other_participant_sees_their_own_figures(client, world, sign_in, timetable):
    sign_in(world.other_participant)
    text = client.get("/my-schedule").text
    assert "100%" in text
    assert "5 of 5 sessions that count" in text
    assert "You may not complete" not in text


def test_no_sessions_yet_and_no_cohort(client, world, sign_in):
    sign_in(world.participant)
    text = client.get("/my-schedule").text
    assert "No data" in text
    assert "There are no sessions on this cohort’s timetable yet." in text
    assert "Nothing else is planned for this cohort." in text

    loner = factories.make_user(Role.PARTICIPANT, world.moj)
    left = factories.make_user(Role.PARTICIPANT, world.moj)
    factories.enrol(world.cohort, left, EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    for person in (loner, left):
        sign_in(person)
        text = client.get("/my-schedule").text
        assert "You are not in a cohort at the moment." in text
        assert "AI Accelerator — Cohort 1" not in text


def test_a_late_joiner_is_not_counted_for_what_came_before(client, world, sign_in, timetable):
    late = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Late Joiner")
    enrolment = factories.enrol(world.cohort, late)
    enrolment.enrolled_on = date(2026, 9, 30)
    db.session.commit()
    sign_in(late)
    text = client.get("/my-schedule").text
    # Weeks 5 (6 October) counts, unmarked; the first four came before they joined.
    assert "Before you joined – does not count" in text
    assert "0%" in text and "0 of 1 sessions that count" in text


def test_my_schedule_is_for_participants(client, world, sign_in):
    for role in ("facilitator", "sponsor", "admin"):
        sign_in(world.by_role(role))
        assert client.get("/my-schedule").status_code == 403
    client.post("/sign-out")
    assert client.get("/my-schedule").status_code == 302


def test_my_schedule_links_to_the_calendar_page(client, world, sign_in):
    sign_in(world.participant)
    assert "Get your schedule in your calendar" in client.get("/my-schedule").text
    client.post("/account/calendar/new")
    assert "Your calendar links" in client.get("/my-schedule").text


def test_dashboard_shows_the_week_what_is_next_attendance_and_why_at_risk(client, world, sign_in, timetable):
    sign_in(world.participant)
    text = client.get("/dashboard").text
    week = week_of(world.cohort.start_date, datetime.now(UTC))
    if week > world.cohort.length_weeks:
        assert f"All {world.cohort.length_weeks} weeks are over." in text
    else:
        assert f"Week {week} of {world.cohort.length_weeks}, ending" in text
    next_part = text[text.index(">Next<") :]
    assert "Coming soon" in next_part and "Cancelled talk" not in next_part
    assert "Attendance: <strong>50%</strong> (2 of 4 sessions that count)" in text
    # Absent from a mandatory ethics module without catch-up, and below 80 %: both reasons shown.
    assert '<p class="govuk-notification-banner__heading">You may not complete' in text
    assert "Attendance 50% (2 of 4 sessions) — needs 80%" in text
    for link in ("/my-schedule", "/my-progress", "/my-learning-log"):
        assert f'href="{link}"' in text


def test_dashboard_of_a_withdrawn_participant_shows_only_their_place(client, world, sign_in):
    enrolment = enrolment_of(world, world.participant)
    enrolment.status, enrolment.withdrawn_on, enrolment.withdrawal_reason = (
        "withdrawn",
        date(2026, 10, 1),
        "Moved post",
    )
    db.session.commit()
    sign_in(world.participant)
    text = client.get("/dashboard").text
    assert "Withdrawn" in text and "Attendance:" not in text and "You may not complete" not in text
