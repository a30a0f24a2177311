"""Reading what the service sent: the outbox rows, and a real SMTP server on 127.0.0.1.

`outbox(kind=..., to=...)` lists the messages the service queued (the default transport keeps
them in the database); `SmtpCatcher` runs aiosmtpd's controller on a free local port and
collects every message it receives, parsed, so a test can read recipients, subject, body and
attachments back as a mail program would.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Message, User


def outbox(kind: str | None = None, to: User | str | None = None) -> list[Message]:
    db.session.expire_all()
    query = select(Message).order_by(Message.id)
    if kind is not None:
        query = query.where(Message.kind == kind)
    if to is not None:
        query = query.where(Message.to_address == (to.email if isinstance(to, User) else to))
    return list(db.session.scalars(query))


def outbox_message_id(world) -> int:
    """A message in the outbox: an invitation to the world's other participant."""
    from cohort.messages.outbox import queue_message

    existing = outbox("invitation", to=world.other_participant)
    if existing:
        return existing[0].id
    message = queue_message(
        "invitation",
        world.other_participant,
        about=f"user:{world.other_participant.id}",
        context={"link": "https://cohort.example/set-password/not-a-real-token", "hours": "72"},
    )
    assert message is not None
    db.session.commit()
    return message.id


def link_in(message: Message, path_fragment: str) -> str:
    """The first link in the message's text that contains path_fragment."""
    for word in message.body_text.split():
        if word.startswith("http") and path_fragment in word:
            return word
    raise AssertionError(f"no link with {path_fragment!r} in message {message.id}: {message.body_text}")


def run_job(task, *args):
    """Run a job here and now, as the worker would. The test's own transaction is committed
    first: on SQLite it holds the write lock, which the job's own session needs."""
    db.session.commit()
    return task.call_local(*args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpCatcher:
    """A real SMTP server (no TLS, no auth) on 127.0.0.1 for the length of a test."""

    def __init__(self) -> None:
        self.collector = _Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpCatcher:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.collector.lock:
            return list(self.collector.messages)

    def settings(self) -> dict:
        """App config that sends through this server."""
        return {
            "EMAIL_TRANSPORT": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
            "SMTP_USERNAME": None,
            "SMTP_PASSWORD": None,
            "SMTP_TIMEOUT": 5,
        }
