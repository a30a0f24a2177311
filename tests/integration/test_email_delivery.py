"""Messages reach people exactly once, through each transport (docs/messages.md).

SMTP against a real server (aiosmtpd on 127.0.0.1); GOV.UK Notify against a local HTTP server
standing in for its API (the real client, pointed at it with NOTIFY_BASE_URL); the outbox
default. What is checked is what a recipient or the programme manager would see: who got what,
the words and the link, the attachment read back, nothing twice however often delivery runs, a
refused message shown as failed, and no link with a token left in the log or the outbox.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from cohort.extensions import db
from cohort.messages.delivery import SECRET_REMOVED, deliver, deliver_message, send_due_messages
from cohort.messages.outbox import Attachment, queue_message
from cohort.models import JobRun, JobState, Message, MessageStatus, Role
from tests import factories as f
from tests.mail import outbox, run_job

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
NOTIFY_KEY = f"cohort_test-{SERVICE_ID}-3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
LINK = "https://cohort.example/set-password/secret-token-value"

ICS = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Cohort//tests//EN",
        "BEGIN:VEVENT",
        "UID:session-1@cohort",
        "DTSTAMP:20261127T090000Z",
        "DTSTART:20261130T100000Z",
        "DTEND:20261130T120000Z",
        "SUMMARY:Ethics of AI in government",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)


def _invite(user, occasion="first", **extra):
    message = queue_message(
        "invitation",
        user,
        about=f"user:{user.id}",
        occasion=occasion,
        context={"link": LINK, "hours": "72", **extra},
        holds_secret=True,
    )
    db.session.commit()
    return message


@pytest.fixture
def person(app):
    user = f.make_user(Role.PARTICIPANT, full_name="Amara Okafor", email="amara.okafor@justice.gov.uk")
    db.session.commit()
    return user


# The outbox ------------------------------------------------------------------------------------


def test_outbox_keeps_the_message_once_whatever_runs_again(person):
    first = _invite(person)
    assert first is not None
    again = _invite(person)  # the same kind, object, person and occasion
    assert again is None
    messages = outbox("invitation", to=person)
    assert len(messages) == 1
    message = messages[0]
    assert message.status == MessageStatus.SENT and message.transport == "outbox"
    assert message.subject == "Set your password for Cohort"
    assert "Dear Amara Okafor" in message.body_text and LINK in message.body_text
    assert f'href="{LINK}"' in message.body_html
    # Delivery run again, by a retried job or the sweep: nothing happens, nothing counted twice.
    assert deliver(message.id) is None
    run_job(deliver_message, message.id)
    assert send_due_messages(datetime.now(UTC) + timedelta(hours=1)) == 0
    db.session.refresh(message)
    assert message.attempts == 1
    # The outbox keeps the link: the outbox is where the demo's programme manager reads it.
    assert LINK in message.body_text


def test_a_new_occasion_is_a_new_message(person):
    _invite(person, occasion="first")
    _invite(person, occasion="resend-2")
    assert len(outbox("invitation", to=person)) == 2


def test_many_messages_in_one_transaction_are_sent_after_it_commits(person):
    """Each message is inserted in a savepoint of its own; releasing one is not the commit."""
    other = f.make_user(Role.PARTICIPANT, full_name="Zoë Ng")
    db.session.commit()
    for user in (person, other, person):  # the third is a duplicate, skipped in its savepoint
        queue_message("invitation", user, about=f"user:{user.id}", context={"link": LINK, "hours": "72"})
    assert [m.status for m in db.session.scalars(select(Message))] == [MessageStatus.QUEUED] * 2
    db.session.commit()
    assert [m.status for m in outbox()] == [MessageStatus.SENT, MessageStatus.SENT]


def test_no_message_for_a_closed_account(person):
    person.is_active_account = False
    db.session.commit()
    assert _invite(person) is None
    assert outbox(to=person) == []


def test_a_message_rolled_back_with_its_change_is_never_sent(person):
    queue_message("invitation", person, about=f"user:{person.id}", context={"link": LINK, "hours": "72"})
    db.session.rollback()
    assert outbox() == []
    _invite(person)  # the next transaction's message is unaffected
    assert [m.status for m in outbox()] == [MessageStatus.SENT]


def test_a_failed_delivery_is_recorded_with_the_request_that_queued_it(app, person, httpserver, caplog):
    """A delivery that works leaves no job record (the message's own record says it went);
    one that fails is on Admin → Jobs, and in an ERROR log line, with the request id."""
    _invite(person)
    assert db.session.scalars(select(JobRun)).all() == []

    app.config.update(
        EMAIL_TRANSPORT="notify", NOTIFY_API_KEY=NOTIFY_KEY, NOTIFY_BASE_URL=httpserver.url_for("").rstrip("/"),
        NOTIFY_TEMPLATE_IDS={"invitation": TEMPLATE},
    )  # fmt: skip
    httpserver.expect_request("/v2/notifications/email", method="POST").respond_with_json(
        {"errors": [{"error": "BadRequestError", "message": "Template not found"}]}, status=400
    )
    caplog.set_level(logging.ERROR, logger="cohort.jobs")
    with app.test_request_context("/admin/users/1/invitation", method="POST"):
        from flask import g

        g.request_id = "req-1234"
        _invite(person, occasion="resend-1")
    run = db.session.scalar(select(JobRun))
    assert run is not None and run.state == JobState.FAILED and run.name.endswith("deliver_message")
    assert run.request_id == "req-1234" and "answered 400" in run.error
    line = next(r for r in caplog.records if r.name == "cohort.jobs")
    assert line.request_id == "req-1234" and "failed" in line.getMessage()
    assert LINK not in caplog.text


# SMTP -------------------------------------------------------------------------------------------


def test_smtp_delivers_text_html_and_attachment_once(person, smtp_server):
    message = queue_message(
        "invitation",
        person,
        about=f"user:{person.id}",
        context={"link": LINK, "hours": "72", "cohort_name": "AI Accelerator — Cohort 1"},
        attachment=Attachment("session.ics", "text/calendar; method=PUBLISH", ICS),
    )
    db.session.commit()
    assert message is not None
    received = smtp_server.messages
    assert len(received) == 1
    email = received[0]
    assert email["To"] == "amara.okafor@justice.gov.uk"
    assert email["From"] == "Cohort <cohort@localhost>"
    assert email["Subject"] == "Set your password for Cohort"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "AI Accelerator — Cohort 1" in text and "AI Accelerator — Cohort 1" in html
    assert LINK in text and f'href="{LINK}"' in html
    # Not an optional kind: no unsubscribe link.
    assert "/unsubscribe/" not in text and email["List-Unsubscribe"] is None
    attachments = list(email.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["session.ics"]
    calendar = icalendar.Calendar.from_ical(attachments[0].get_content())
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Ethics of AI in government"
    assert event.decoded("DTSTART") == datetime(2026, 11, 30, 10, tzinfo=UTC)

    # Run delivery again, and the sweep: the server still has one message.
    run_job(deliver_message, message.id)
    send_due_messages(datetime.now(UTC) + timedelta(hours=1))
    assert len(smtp_server.messages) == 1


def test_smtp_sent_link_is_not_kept_in_the_database(person, smtp_server):
    message = _invite(person)
    assert LINK in smtp_server.messages[0].get_body(("plain",)).get_content()
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT and message.transport == "smtp"
    assert LINK not in message.body_text and LINK not in message.body_html
    assert message.body_text == SECRET_REMOVED


def test_smtp_server_down_is_retried_then_shown_as_failed(app, person, caplog):
    from tests.mail import free_port

    app.config.update(
        EMAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_SECURITY="none",
        SMTP_USERNAME=None, SMTP_PASSWORD=None, SMTP_TIMEOUT=2, EMAIL_MAX_ATTEMPTS=3,
    )  # fmt: skip
    caplog.set_level(logging.INFO)
    message = _invite(person)
    db.session.refresh(message)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "Could not reach the mail server" in message.last_error
    first_retry = message.next_attempt_at
    assert first_retry is not None

    # Not before its time; then again with the wait doubled; then failed for good.
    assert send_due_messages(first_retry - timedelta(seconds=1)) == 0
    send_due_messages(first_retry)
    db.session.refresh(message)
    assert message.attempts == 2 and message.next_attempt_at - first_retry >= timedelta(seconds=119)
    send_due_messages(message.next_attempt_at)
    db.session.refresh(message)
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    assert "tried 3 times" in message.last_error
    assert LINK not in caplog.text and "secret-token-value" not in caplog.text


# GOV.UK Notify ------------------------------------------------------------------------------------


@pytest.fixture
def notify(app, httpserver):
    app.config.update(
        EMAIL_TRANSPORT="notify",
        NOTIFY_API_KEY=NOTIFY_KEY,
        NOTIFY_BASE_URL=httpserver.url_for("").rstrip("/"),
        NOTIFY_TEMPLATE_IDS={"invitation": TEMPLATE, "session_reminder": TEMPLATE},
    )
    return httpserver


def test_notify_gets_template_personalisation_and_our_key_as_reference(person, notify):
    notify.expect_oneshot_request("/v2/notifications/email", method="POST").respond_with_json(
        {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}, status=201
    )
    message = _invite(person, cohort_name="AI Accelerator — Cohort 1")
    notify.check_assertions()
    request, _ = notify.log[0]
    sent = json.loads(request.data)
    assert sent["email_address"] == "amara.okafor@justice.gov.uk"
    assert sent["template_id"] == TEMPLATE
    assert sent["reference"] == f"invitation:user:{person.id}:{person.id}:first"
    assert sent["personalisation"]["name"] == "Amara Okafor"
    assert sent["personalisation"]["subject"] == "Set your password for Cohort"
    assert LINK in sent["personalisation"]["body"] and sent["personalisation"]["link"] == LINK
    assert request.headers["Authorization"].startswith("Bearer ")
    db.session.refresh(message)
    assert (
        message.status == MessageStatus.SENT and message.provider_id == "740e5834-3a29-46b4-9a6f-16142fde533a"
    )
    # Sent: the link is not kept.
    assert LINK not in message.body_text and message.personalisation == {}
    run_job(deliver_message, message.id)
    assert len(notify.log) == 1


def test_notify_server_error_is_retried_then_failed(app, person, notify):
    app.config["EMAIL_MAX_ATTEMPTS"] = 2
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_json(
        {"errors": [{"error": "Exception", "message": "Internal server error"}], "status_code": 500},
        status=500,
    )
    message = _invite(person)
    db.session.refresh(message)
    assert message.status == MessageStatus.QUEUED and "answered 500" in message.last_error
    send_due_messages(message.next_attempt_at)
    db.session.refresh(message)
    assert message.status == MessageStatus.FAILED and len(notify.log) == 2
    # The sweep found it out of attempts: failed in the outbox, where "Try sending it again" is.


def test_notify_refusing_the_template_fails_at_once(person, notify):
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_json(
        {"errors": [{"error": "BadRequestError", "message": "Template not found"}], "status_code": 400},
        status=400,
    )
    message = _invite(person)
    db.session.refresh(message)
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "answered 400" in message.last_error
    run = db.session.scalar(select(JobRun).where(JobRun.name.like("%deliver_message")))
    assert run is not None and run.state == JobState.FAILED and "answered 400" in run.error
    assert len(notify.log) == 1


# Many at once --------------------------------------------------------------------------------------


def test_eight_threads_queueing_the_same_message_send_it_once(app, database_url, person, smtp_server):
    from cohort import create_app
    from tests.conftest import TEMPLATE_CACHE

    threads_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SERVER_NAME": "localhost",
            "SQLITE_BUSY_TIMEOUT_MS": 30000,
            **smtp_server.settings(),
        }
    )
    threads_app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    person_id = person.id
    db.session.commit()  # the test's own transaction holds SQLite's write lock until it ends
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def queue_it() -> None:
        try:
            with threads_app.app_context():
                from cohort.models import User

                user = db.session.get(User, person_id)
                db.session.commit()  # not holding SQLite's write lock while waiting for the others
                barrier.wait(timeout=60)
                queue_message(
                    "invitation", user, about=f"user:{person_id}", context={"link": LINK, "hours": "72"}
                )
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=queue_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with threads_app.app_context():
        db.engine.dispose()
    assert errors == []
    assert len(outbox("invitation", to=person)) == 1
    assert len(smtp_server.messages) == 1
