"""E-mails about sessions: the reminder the working day before (at chosen instants, across the
clock change and bank holidays), and the note that a session changed, was cancelled or is back on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

import icalendar
import pytest
import time_machine

from cohort.domain.times import london_to_utc
from cohort.extensions import db
from cohort.models import EmailPreference, EnrolmentStatus, Role
from cohort.schedule.messages import queue_due_session_messages
from tests import factories
from tests.mail import link_in, outbox
from tests.sessions import make_session

REMINDER = "session_reminder"
CHANGED = "session_changed"


def london(day: date, hh: int, mm: int = 0) -> datetime:
    return london_to_utc(day, time(hh, mm))


def recipients(kind: str) -> list[str]:
    return sorted(m.to_address for m in outbox(kind))


def people(world) -> list[str]:
    """Who hears about the world cohort's sessions: its two participants and its facilitator."""
    return sorted(u.email for u in (world.participant, world.other_participant, world.facilitator))


def workshop(world, day: date, start=time(9, 30), end=time(12, 30), **kw):
    session = make_session(
        world.cohort, day, start, end, title="Serving models", facilitator=world.facilitator, **kw
    )
    session.location = "102 Petty France, room 4.12"
    db.session.commit()
    return session


# Reminders ---------------------------------------------------------------------------------


def test_reminder_goes_from_nine_the_working_day_before_to_the_cohorts_people_once(world, client, sign_in):
    session = workshop(world, date(2026, 9, 8))  # Tuesday
    monday = date(2026, 9, 7)

    assert queue_due_session_messages(london(monday, 8, 59)) == 0
    assert outbox(REMINDER) == []

    assert queue_due_session_messages(london(monday, 9, 0)) == 3
    assert recipients(REMINDER) == people(world)  # not the other cohort's, the admin or sponsors
    message = outbox(REMINDER, to=world.participant)[0]
    assert message.subject == "Reminder: Serving models on Tuesday 8 September 2026"
    assert "Dear Siân O'Neill" in message.body_text
    assert "Time: 9:30am to 12:30pm (UK time)" in message.body_text
    assert "Place: 102 Petty France, room 4.12" in message.body_text
    assert "Facilitator: Fran Facilitator" in message.body_text
    assert message.attachment_name == "session.ics"
    assert message.status.value == "sent"

    # The job runs every quarter of an hour: the later runs that day send nothing more.
    assert queue_due_session_messages(london(monday, 9, 15)) == 0
    assert queue_due_session_messages(london(monday, 16, 0)) == 0
    assert len(outbox(REMINDER)) == 3

    # The one link opens the session's page for the participant.
    link = link_in(message, f"/sessions/{session.id}")
    sign_in(world.participant)
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Serving models" in page.text


def test_a_monday_session_is_reminded_on_friday(world):
    workshop(world, date(2026, 9, 14))
    friday = date(2026, 9, 11)
    assert queue_due_session_messages(london(date(2026, 9, 10), 12, 0)) == 0  # Thursday
    assert queue_due_session_messages(london(friday, 8, 59)) == 0
    assert queue_due_session_messages(london(friday, 9, 0)) == 3
    assert queue_due_session_messages(london(date(2026, 9, 13), 9, 0)) == 0  # Sunday: already sent


def test_after_the_clocks_go_forward(world):
    # Clocks go forward on Sunday 29 March 2026: Friday 27 March is still GMT.
    workshop(world, date(2026, 3, 30), time(10, 0), time(13, 0))
    assert queue_due_session_messages(datetime(2026, 3, 27, 8, 59, tzinfo=UTC)) == 0
    assert queue_due_session_messages(datetime(2026, 3, 27, 9, 0, tzinfo=UTC)) == 3
    [message] = outbox(REMINDER, to=world.participant)
    assert message.subject == "Reminder: Serving models on Monday 30 March 2026"
    assert "Time: 10am to 1pm (UK time)" in message.body_text  # BST on the day


def test_after_the_clocks_go_back(world):
    # Clocks go back on Sunday 25 October 2026: Friday 23 October is BST, 09:00 there is 08:00 UTC.
    workshop(world, date(2026, 10, 26), time(10, 0), time(13, 0))
    assert queue_due_session_messages(datetime(2026, 10, 23, 7, 59, tzinfo=UTC)) == 0
    assert queue_due_session_messages(datetime(2026, 10, 23, 8, 0, tzinfo=UTC)) == 3
    [message] = outbox(REMINDER, to=world.participant)
    assert "Time: 10am to 1pm (UK time)" in message.body_text


def test_over_a_bank_holiday_the_reminder_goes_the_working_day_before_it(world):
    # Monday 25 May 2026 is the Spring bank holiday in England and Wales.
    workshop(world, date(2026, 5, 26))
    assert queue_due_session_messages(london(date(2026, 5, 21), 9, 0)) == 0  # Thursday
    assert queue_due_session_messages(london(date(2026, 5, 22), 8, 59)) == 0
    assert queue_due_session_messages(london(date(2026, 5, 22), 9, 0)) == 3
    assert queue_due_session_messages(london(date(2026, 5, 25), 9, 0)) == 0  # the bank holiday itself


def test_no_reminder_for_people_who_turned_them_off_left_or_were_deactivated(world):
    db.session.add(EmailPreference(user_id=world.participant.id, kind=REMINDER, subscribed=False))
    world.other_participant.is_active_account = False
    withdrawn = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Wendy Withdrawn")
    factories.enrol(world.cohort, withdrawn, EnrolmentStatus.WITHDRAWN)
    workshop(world, date(2026, 9, 8))

    assert queue_due_session_messages(london(date(2026, 9, 7), 9, 0)) == 1
    assert recipients(REMINDER) == [world.facilitator.email]


def test_cancelled_sessions_and_sessions_already_started_get_no_reminder(world):
    cancelled = workshop(world, date(2026, 9, 8))
    cancelled.cancelled_at = london(date(2026, 9, 1), 12)
    cancelled.cancellation_reason = "Trainer ill"
    workshop(world, date(2026, 9, 7))  # Monday: its reminder was due on Friday
    db.session.commit()
    assert queue_due_session_messages(london(date(2026, 9, 7), 10, 0)) == 0
    assert outbox(REMINDER) == []


def test_a_session_added_after_its_reminder_time_is_reminded_at_the_next_run(world):
    workshop(world, date(2026, 9, 8), time(14, 0), time(16, 0))
    assert queue_due_session_messages(london(date(2026, 9, 8), 10, 0)) == 3  # the same morning


def test_a_moved_session_is_reminded_again_for_its_new_date(world, sign_in, client):
    session = workshop(world, date(2026, 9, 8))
    assert queue_due_session_messages(london(date(2026, 9, 7), 9, 0)) == 3
    with time_machine.travel(london(date(2026, 9, 7), 11, 0), tick=False):
        sign_in(world.admin)
        response = client.post(
            f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit", data=form(day="10")
        )
        assert response.status_code == 302
    assert len(outbox(CHANGED)) == 3
    assert queue_due_session_messages(london(date(2026, 9, 8), 9, 0)) == 0  # Tuesday: not yet
    assert queue_due_session_messages(london(date(2026, 9, 9), 9, 0)) == 3  # Wednesday, for Thursday
    subjects = [m.subject for m in outbox(REMINDER, to=world.participant)]
    assert subjects == [
        "Reminder: Serving models on Tuesday 8 September 2026",
        "Reminder: Serving models on Thursday 10 September 2026",
    ]


def test_reminder_through_smtp_with_a_calendar_file(world, smtp_server):
    session = workshop(world, date(2026, 9, 8))
    session.online_link = "https://teams.example/meet/123"
    db.session.commit()
    queue_due_session_messages(london(date(2026, 9, 7), 9, 0))

    received = smtp_server.messages
    assert sorted(m["To"] for m in received) == people(world)
    [mail] = [m for m in received if m["To"] == world.participant.email]
    assert mail["Subject"] == "Reminder: Serving models on Tuesday 8 September 2026"
    text = mail.get_body(("plain",)).get_content()
    assert "Join online: https://teams.example/meet/123" in text
    assert f"/cohorts/{world.cohort.slug}/sessions/{session.id}" in text
    assert "To stop e-mails about “reminders of sessions the working day before”" in text
    [attachment] = [part for part in mail.iter_attachments() if part.get_filename() == "session.ics"]
    assert attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Serving models"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 9, 8, 9, 30)
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 9, 8, 8, 30, tzinfo=UTC)
    assert str(event["UID"]) == f"session-{session.id}@cohort.ai-accelerator"


# Changes -------------------------------------------------------------------------------------


def form(**changes) -> dict:
    """The edit form for the workshop (Tuesday 8 September 2026, 9:30am to 12:30pm), then changes."""
    data = {
        "kind": "workshop",
        "title": "Serving models",
        "description": "",
        "day": ["8", "9", "2026"],
        "start": "9:30",
        "end": "12:30",
        "location": "102 Petty France, room 4.12",
        "online_link": "",
        "facilitator": "",
        "mandatory": "",
        "confirm": "y",
    }
    if "day" in changes:
        changes["day"] = [changes["day"], "9", "2026"]
    data.update(changes)
    return data


@pytest.fixture
def before_it(world):
    """A week before the workshop, signed in as the programme manager."""
    with time_machine.travel(datetime(2026, 9, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


def edit(client, world, session, **changes):
    response = client.post(f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit", data=form(**changes))
    assert response.status_code == 302, response.text
    return response


def test_each_change_is_told_once_to_each_person_and_a_no_op_save_tells_nobody(
    world, client, sign_in, before_it
):
    session = workshop(world, date(2026, 9, 8))
    sign_in(world.admin)

    edit(client, world, session, facilitator=str(world.facilitator.id))  # nothing people must hear about
    edit(client, world, session, facilitator=str(world.facilitator.id), description="Bring a laptop.")
    edit(client, world, session, facilitator=str(world.facilitator.id), title="Serving models well")
    assert outbox(CHANGED) == []

    edit(client, world, session, facilitator=str(world.facilitator.id), start="10:00", end="13:00")
    assert recipients(CHANGED) == people(world)
    [message] = outbox(CHANGED, to=world.participant)
    assert message.subject == "Changed: Serving models on Tuesday 8 September 2026"
    assert "Time: was 9:30am to 12:30pm, now 10am to 1pm" in message.body_text
    assert "Date:" not in message.body_text.split("The session is now")[0]
    calendar = icalendar.Calendar.from_ical(message.attachment_text)
    [event] = calendar.walk("VEVENT")
    db.session.refresh(session)
    assert event["SEQUENCE"] == session.sequence  # so calendar programs apply the change
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 9, 8, 10)

    # The same form again changes nothing and tells nobody.
    client.post(
        f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit",
        data=form(facilitator=str(world.facilitator.id), start="10:00", end="13:00"),
    )
    assert len(outbox(CHANGED)) == 3

    edit(client, world, session, start="10:00", end="13:00", day="9", location="Online only")
    assert len(outbox(CHANGED)) == 6
    latest = outbox(CHANGED, to=world.participant)[-1]
    assert "Date: was Tuesday 8 September 2026, now Wednesday 9 September 2026" in latest.body_text
    assert "Place: was 102 Petty France, room 4.12, now Online only" in latest.body_text


def test_a_cancellation_says_cancelled_and_removes_the_event(world, client, sign_in, before_it):
    session = workshop(world, date(2026, 9, 8))
    factories.make_user(Role.ADMIN, full_name="Second Admin")  # not the cohort's: not told
    db.session.commit()
    sign_in(world.admin)
    base = f"/cohorts/{world.cohort.slug}/sessions/{session.id}"
    assert client.post(base + "/cancel", data={"reason": ""}).status_code == 400
    assert outbox(CHANGED) == []

    assert client.post(base + "/cancel", data={"reason": "Trainer ill"}).status_code == 302
    assert recipients(CHANGED) == people(world)
    [message] = outbox(CHANGED, to=world.other_participant)
    assert message.subject == "Cancelled: Serving models on Tuesday 8 September 2026"
    assert "is cancelled. You do not need to attend" in message.body_text
    assert "The reason given: Trainer ill" in message.body_text
    assert message.attachment_type == "text/calendar; method=CANCEL"
    calendar = icalendar.Calendar.from_ical(message.attachment_text)
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"

    assert client.post(base + "/reinstate", data={}).status_code == 302
    back = outbox(CHANGED, to=world.other_participant)[-1]
    assert back.subject == "Back on: Serving models on Tuesday 8 September 2026"
    assert len(outbox(CHANGED)) == 6


def test_a_session_already_over_is_not_told_about(world, client, sign_in):
    session = workshop(world, date(2026, 9, 8))
    sign_in(world.admin)
    with time_machine.travel(datetime(2026, 9, 9, 12, 0, tzinfo=UTC), tick=False):
        edit(client, world, session, location="Room 2")
        assert (
            client.post(
                f"/cohorts/{world.cohort.slug}/sessions/{session.id}/cancel",
                data={"reason": "Recorded by mistake"},
            ).status_code
            == 302
        )
    assert outbox(CHANGED) == []
