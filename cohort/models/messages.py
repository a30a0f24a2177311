"""E-mail messages, people's e-mail preferences, and background job runs (docs/messages.md).

A message row is both the outbox and the delivery log: it is written in the same transaction as
the change that causes it, under a unique key (kind, object, recipient, occasion) so it exists
once however often that change or the job that finds it runs; delivery then claims it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.user import User


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the delivery job
    SENDING = "sending"  # claimed by one delivery job
    SENT = "sent"  # handed to the transport (or kept in the outbox)
    FAILED = "failed"  # refused for good, or out of attempts

    @property
    def label(self) -> str:
        return {"queued": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed"}[self.value]


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_status_created_at", "status", "created_at"),
        Index("ix_messages_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # kind:object:recipient:occasion — the same key is never queued twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # What GOV.UK Notify's template for this kind is filled with.
    personalisation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_text: Mapped[str | None] = mapped_column(Text)
    # A message with a single-use link: once a real transport has sent it, the copy kept here
    # loses its body, so nobody reading the log later can use the link.
    holds_secret: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, "message_status"), default=MessageStatus.QUEUED
    )
    transport: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After a temporary failure: not tried again before this (the wait doubles each time).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User | None] = relationship()


class EmailPreference(Model):
    """A person's choice about one optional kind of message; no row means the default (on)."""

    __tablename__ = "email_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subscribed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting",
            "running": "Running",
            "retrying": "Will retry",
            "done": "Done",
            "failed": "Failed",
        }[self.value]


class JobRun(Model):
    """One background job as the programme manager sees it under Admin → Jobs."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_enqueued_at", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # A readable description of the arguments (record ids; never a token or an address).
    about: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[JobState] = mapped_column(str_enum(JobState, "job_state"), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(64))
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="messages",
        columns=(
            "recipient_id",
            "to_address",
            "subject",
            "body_text",
            "body_html",
            "personalisation",
            "attachment_name",
            "attachment_text",
            "sent_at",
        ),
        purpose="E-mails Cohort sent you, kept briefly to show they were sent and to look into failed deliveries.",
        retention="email_log",
        subject=("user:recipient_id",),
        description="One row per e-mail sent to you.",
    ),
    PersonalData(
        table="email_preferences",
        columns=("user_id", "kind", "subscribed"),
        purpose="Which optional e-mails you asked not to receive.",
        retention="personal_details",
        subject=("user:user_id",),
        description="One row per kind of optional e-mail you turned on or off.",
    ),
)
NOT_PERSONAL = (
    NotPersonal(
        "messages",
        "key",
        "Kind, record ids and occasion, so the same e-mail is never sent twice; names no one.",
    ),
    NotPersonal("messages", "last_error", "The mail service's error text, with addresses left out."),
    NotPersonal(
        "messages", "holds_secret", "Whether the body holds a sign-in link, so it is never shown; a flag."
    ),
    NotPersonal("messages", "attachment_type", "A file type such as application/pdf."),
    NotPersonal("job_runs", "name", "The job's name in code, such as send_message."),
    NotPersonal("job_runs", "about", "Record ids only, never a name or an address; forgotten after 14 days."),
    NotPersonal("job_runs", "error", "The error's type and message from code; no personal values."),
)
