"""Delivering queued messages, exactly once per key (docs/messages.md, Delivery).

`deliver_message` is queued after the commit that added the message. It claims the row with
one conditional UPDATE (queued → sending), which only one of any number of workers can win, so
a message queued twice, or found by the sweep at the same moment, is sent once. After a
temporary failure the message goes back to waiting, with the wait doubling each time, until
EMAIL_MAX_ATTEMPTS; then, or at once after a permanent failure, it is shown as failed. The
sweep, every minute, sends what is due: messages whose retry time has come, and any whose
delivery job never ran (the queue was down at the commit), and frees a claim a worker that
died mid-send left behind (that one message may then go twice: the only case, see the doc).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, or_, select, update

from cohort.extensions import db
from cohort.jobs import crontab, job, periodic_job
from cohort.messages import transports
from cohort.models import Message, MessageStatus

log = logging.getLogger("cohort.messages")

SECRET_REMOVED = "Not kept: this message held a single-use link, and was sent."  # noqa: S105 - words, not a secret
STALE_CLAIM = timedelta(minutes=10)
# A message queued this long ago with no delivery yet had its job lost.
LOST_AFTER = timedelta(minutes=2)


def _changed(statement) -> int:
    """How many rows an UPDATE changed."""
    result = db.session.execute(statement)
    return cast("CursorResult[Any]", result).rowcount


def _claim(message_id: int, now: datetime) -> bool:
    claimed = _changed(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.QUEUED)
        .where(or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now))
        .values(status=MessageStatus.SENDING, claimed_at=now, attempts=Message.attempts + 1)
    )
    db.session.commit()
    return claimed == 1


def deliver(message_id: int, now: datetime | None = None) -> MessageStatus | None:
    """Send one message if it is still waiting; its status afterwards (None: not ours to send)."""
    now = now or datetime.now(UTC)
    if not _claim(message_id, now):
        return None
    message = db.session.get(Message, message_id)
    assert message is not None
    transport = current_app.config["EMAIL_TRANSPORT"]
    try:
        provider_id = transports.send(message)
    except transports.PermanentFailure as exc:
        _failed(message, str(exc), now)
    except transports.TemporaryFailure as exc:
        if message.attempts >= current_app.config["EMAIL_MAX_ATTEMPTS"]:
            _failed(message, f"{exc} (tried {message.attempts} times)", now)
        else:
            wait = current_app.config["EMAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1)
            message.status = MessageStatus.QUEUED
            message.last_error = str(exc)[:500]
            message.next_attempt_at = now + timedelta(seconds=wait)
            log.warning(
                "message %s (%s) not sent, attempt %s: %s; next try in %ss",
                message.id, message.kind, message.attempts, exc, wait,
                extra={"request_id": message.request_id},
            )  # fmt: skip
    else:
        message.status = MessageStatus.SENT
        message.sent_at = now
        message.transport = transport
        message.provider_id = provider_id
        message.last_error = None
        if message.holds_secret and transport != "outbox":
            message.body_text = message.body_html = SECRET_REMOVED
            message.personalisation = {}
        log.info(
            "message %s (%s) sent by %s to user %s",
            message.id, message.kind, transport, message.recipient_id,
            extra={"request_id": message.request_id},
        )  # fmt: skip
    db.session.commit()
    return message.status


def _failed(message: Message, reason: str, now: datetime) -> None:
    message.status = MessageStatus.FAILED
    message.last_error = reason[:500]
    message.transport = current_app.config["EMAIL_TRANSPORT"]
    log.error(
        "message %s (%s) to user %s failed: %s",
        message.id, message.kind, message.recipient_id, reason,
        extra={"request_id": message.request_id},
    )  # fmt: skip


def due_message_ids(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Message.id)
            .where(Message.status == MessageStatus.QUEUED)
            .where(
                or_(
                    Message.next_attempt_at <= now,
                    Message.next_attempt_at.is_(None) & (Message.created_at <= now - LOST_AFTER),
                )
            )
            .order_by(Message.id)
            .limit(500)
        )
    )


def free_stale_claims(now: datetime) -> int:
    freed = _changed(
        update(Message)
        .where(Message.status == MessageStatus.SENDING, Message.claimed_at < now - STALE_CLAIM)
        .values(status=MessageStatus.QUEUED, next_attempt_at=None)
    )
    db.session.commit()
    return freed


def send_due_messages(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    free_stale_claims(now)
    sent = 0
    for message_id in due_message_ids(now):
        if deliver(message_id, now) is not None:
            sent += 1
    return sent


class DeliveryFailed(Exception):
    """Raised after the failure is recorded, so Admin → Jobs shows the job as failed too."""


@job()
def deliver_message(message_id: int) -> None:
    status = deliver(message_id)
    if status == MessageStatus.FAILED:
        message = db.session.get(Message, message_id)
        raise DeliveryFailed(f"message {message_id}: {message.last_error if message else 'failed'}")


@periodic_job(crontab(minute="*"))
def sweep_messages() -> None:
    send_due_messages()


def retry(actor, message: Message) -> bool:
    """A programme manager's "Try again" on a failed message: back to waiting, attempts reset.
    Commits; the delivery job is queued after the commit."""
    from cohort.core import audit
    from cohort.jobs import after_commit

    reset = _changed(
        update(Message)
        .where(Message.id == message.id, Message.status == MessageStatus.FAILED)
        .values(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=None)
    )
    if not reset:
        db.session.rollback()
        return False
    audit.record(
        actor,
        "retry",
        message,
        f"Tried again the failed message {message.kind} to user {message.recipient_id}",
    )
    after_commit(deliver_message, message.id)
    db.session.commit()
    return True
