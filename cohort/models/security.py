"""Sign-in attempts, kept in the database so every server worker sees the same count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, utcnow


class SignInAttempt(Model):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The address as typed (lower-cased), whether or not an account has it.
    email: Mapped[str] = mapped_column(String(254))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
