"""Audit events: who did what to which record, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, utcnow
from cohort.models.user import User


class AuditEvent(Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for changes made by the system (seed data, command line without a user).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # create, update, delete, or a verb
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="audit_events",
        columns=("actor_id", "summary", "before", "after"),
        purpose="Who changed what and when, so changes to records can be checked and explained.",
        retention="audit_trail",
        subject=("user:actor_id",),
        description="One row per change you made, or made to your records.",
    ),
)
NOT_PERSONAL = (
    NotPersonal("audit_events", "action", "A verb such as update or withdraw; it names no one."),
    NotPersonal("audit_events", "entity_type", "The kind of record changed, such as enrolment."),
)
