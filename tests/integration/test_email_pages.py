"""The e-mail pages: Admin → Outbox and Jobs, Your account → E-mail, and the one-click
unsubscribe link (docs/messages.md). What a programme manager and a participant see and do."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cohort.extensions import db
from cohort.messages.links import unsubscribe_token
from cohort.messages.outbox import Attachment, queue_message
from cohort.models import AuditEvent, EmailPreference, JobRun, JobState, Message, MessageStatus
from tests.mail import link_in, outbox

REMINDER = {
    "title": "Ethics of AI in government",
    "day": "Monday 30 November 2026",
    "times": "10am to 12pm",
    "cohort_name": "AI Accelerator — Cohort 1",
    "place": "Room 4, 102 Petty France",
    "link": "https://cohort.example/my-schedule",
}


def _reminder(user, occasion="2026-11-30"):
    message = queue_message(
        "session_reminder",
        user,
        about="session:1",
        occasion=occasion,
        context=REMINDER,
        attachment=Attachment("session.ics", "text/calendar", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
    )
    db.session.commit()
    return message


def _invitation(user):
    message = queue_message(
        "invitation",
        user,
        about=f"user:{user.id}",
        context={"link": "https://cohort.example/set-password/abc", "hours": "72"},
        holds_secret=True,
    )
    db.session.commit()
    return message


def test_outbox_lists_messages_newest_first_and_filters(world, sign_in):
    _invitation(world.participant)
    _reminder(world.participant)
    client = sign_in(world.admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "2 messages, newest first" in page
    assert page.index("Reminder: Ethics of AI in government") < page.index("Set your password for Cohort")
    assert "E-mail is not being sent" in page  # the outbox transport says so
    only = client.get("/admin/outbox?kind=invitation").get_data(as_text=True)
    assert "1 matching message" in only and "Reminder:" not in only
    odd = client.get("/admin/outbox?kind=<script>&status=nonsense&page=x")
    assert odd.status_code == 200 and "2 messages" in odd.get_data(as_text=True)


def test_message_page_shows_the_message_as_sent_and_its_attachment(world, sign_in):
    message = _reminder(world.participant)
    client = sign_in(world.admin)
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Reminder: Ethics of AI in government on Monday 30 November 2026" in page
    assert world.participant.email in page and "Kept in the outbox (not sent)" in page
    body = page[page.index('id="message-body"') :]
    assert '<a class="govuk-link" href="https://cohort.example/my-schedule">' in body
    attachment = client.get(f"/admin/outbox/{message.id}/attachment")
    assert attachment.status_code == 200 and attachment.mimetype == "text/calendar"
    assert 'filename="session.ics"' in attachment.headers["Content-Disposition"]
    assert client.get("/admin/outbox/999999").status_code == 404
    assert client.get("/admin/outbox/99999999999").status_code == 404
    invitation = _invitation(world.other_participant)
    assert client.get(f"/admin/outbox/{invitation.id}/attachment").status_code == 404


def test_a_failed_message_can_be_tried_again(app, world, sign_in, smtp_server):
    app.config["EMAIL_TRANSPORT"] = "outbox"  # as if the mail server had refused it
    message = _invitation(world.participant)
    app.config["EMAIL_TRANSPORT"] = "smtp"
    message.status, message.last_error = MessageStatus.FAILED, "The mail server answered 550"
    db.session.commit()
    client = sign_in(world.admin)
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "The mail server answered 550" in page and "Try sending it again" in page
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "will be tried again" in response.get_data(as_text=True)
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT and len(smtp_server.messages) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retry")) is not None
    # Not failed any more: nothing to try again, nothing sent again.
    again = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "nothing to try again" in again.get_data(as_text=True) and len(smtp_server.messages) == 1


def test_jobs_page_shows_a_failed_job_with_its_problem(world, sign_in):
    db.session.add(
        JobRun(task_id="t-1", name="cohort.reports.jobs.build_report_pdf", about="7", state=JobState.FAILED,
               attempts=3, error="OSError: disk full", request_id="abc123")
    )  # fmt: skip
    db.session.add(
        JobRun(task_id="t-2", name="cohort.messages.delivery.deliver_message", state=JobState.DONE)
    )
    db.session.commit()
    client = sign_in(world.admin)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Build report pdf (7)" in page and "OSError: disk full" in page and "Request abc123" in page
    failed = client.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert "Build report pdf" in failed and "Deliver message" not in failed
    outbox_page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Background jobs</a> (1 failed)" in outbox_page


def test_turning_an_e_mail_off_stops_it_and_is_audited(world, sign_in):
    client = sign_in(world.participant)
    page = client.get("/account/email").get_data(as_text=True)
    assert 'value="session_reminder" checked' in page
    assert "Invitation to set a password" in page  # listed as always sent
    kept = [
        k
        for k in re.findall(r'name="kinds" type="checkbox" value="([a-z_]+)"', page)
        if k != "session_reminder"
    ]
    response = client.post("/account/email", data={"kinds": kept}, follow_redirects=True)
    assert "Your e-mail choices have been saved" in response.get_data(as_text=True)
    assert 'value="session_reminder" checked' not in client.get("/account/email").get_data(as_text=True)
    assert _reminder(world.participant) is None  # not queued at all
    assert _reminder(world.other_participant) is not None  # others still get it
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == world.participant.id))
    assert event.before == {"session_reminder": True} and event.after == {"session_reminder": False}
    # Saving the same again changes nothing and records nothing more.
    client.post("/account/email", data={"kinds": kept})
    assert len(db.session.scalars(select(EmailPreference)).all()) == 1


def test_each_person_is_offered_only_their_own_e_mails(world, sign_in):
    participant = sign_in(world.participant).get("/account/email").get_data(as_text=True)
    assert "Weekly note when your completion is at risk" in participant
    assert "Registers not taken" not in participant and "Weekly summary of your department" not in participant
    sponsor = sign_in(world.sponsor).get("/account/email").get_data(as_text=True)
    assert "Weekly summary of your department" in sponsor
    assert "Reminders of sessions" not in sponsor and "Your certificate" not in sponsor
    # A kind that is not theirs cannot be posted either.
    response = sign_in(world.sponsor).post("/account/email", data={"kinds": ["register_missing"]})
    assert response.status_code == 400


def test_unknown_choices_are_refused_without_a_500(world, sign_in):
    client = sign_in(world.participant)
    response = client.post("/account/email", data={"kinds": ["invitation", "nonsense"]})
    assert response.status_code == 400
    assert "Select only e-mails from the list" in response.get_data(as_text=True)
    assert db.session.scalars(select(EmailPreference)).all() == []


def test_one_click_unsubscribe_works_once_without_signing_in(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True  # mail programs post with no form token: still works
    message = _reminder(world.participant)
    link = link_in(message, "/unsubscribe/")
    path = link.split("localhost", 1)[-1].split("127.0.0.1:5000", 1)[-1]
    page = client.get(path).get_data(as_text=True)
    assert "Stop e-mails about “reminders of sessions the working day before”?" in page
    assert db.session.scalars(select(EmailPreference)).all() == []  # looking is not unsubscribing
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "You have stopped these e-mails" in done.get_data(as_text=True)
    again = client.post(path).get_data(as_text=True)
    assert "You have already stopped these e-mails" in again
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unsubscribe")).all()
    assert len(events) == 1 and events[0].entity_id == world.participant.id
    assert _reminder(world.participant, occasion="2026-12-07") is None


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "invitation", None],  # None: a real signature for a kind that cannot be turned off
)
def test_a_bad_unsubscribe_link_is_not_found(app, client, world, token):
    if token is None:
        token = unsubscribe_token(world.participant.id, "invitation")
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 404 and "This link does not work" in response.get_data(as_text=True)
    assert db.session.scalars(select(EmailPreference)).all() == []


def test_optional_messages_carry_their_unsubscribe_link(world):
    message = _reminder(world.participant)
    assert "/unsubscribe/" in message.body_text
    assert message.personalisation["unsubscribe_url"] == link_in(message, "/unsubscribe/")
    invitation = _invitation(world.other_participant)
    assert "/unsubscribe/" not in invitation.body_text
    assert all(m.status == MessageStatus.SENT for m in outbox())
    assert db.session.scalar(select(Message.transport).where(Message.id == invitation.id)) == "outbox"
