"""Attendance marks, catch-ups for missed mandatory sessions, and self check-in windows."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.domain.attendance import Mark
from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.enrolment import Enrolment
from cohort.models.schedule import Session
from cohort.models.user import User


class MarkSource(enum.StrEnum):
    REGISTER = "register"
    CHECK_IN = "check-in"


class AttendanceMark(Model):
    """One mark per (session, enrolment) (docs/rules.md §2.6), with who recorded it and when."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("session_id", "enrolment_id", name="uq_attendance_marks_session_enrolment"),
        Index("ix_attendance_marks_enrolment_id", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"))
    mark: Mapped[Mark] = mapped_column(str_enum(Mark, "attendance_mark"))
    note: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[MarkSource] = mapped_column(
        str_enum(MarkSource, "attendance_source"), default=MarkSource.REGISTER
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class CatchUp(Model):
    """What someone did to make up a mandatory session they missed (docs/rules.md §2.7)."""

    __tablename__ = "catch_ups"
    __table_args__ = (
        UniqueConstraint("session_id", "enrolment_id", name="uq_catch_ups_session_enrolment"),
        CheckConstraint("what_was_done <> ''", name="what_was_done_not_empty"),
        Index("ix_catch_ups_enrolment_id", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="RESTRICT"))
    what_was_done: Mapped[str] = mapped_column(Text)
    completed_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class CheckIn(Model):
    """A self check-in window for a session: participants who enter its code while it is
    open are marked present, or late once `late_after_minutes` have passed since the start."""

    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("late_after_minutes BETWEEN 0 AND 480", name="late_after_range"),
        CheckConstraint("code <> ''", name="code_not_empty"),
        Index("ix_check_ins_session_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    # Unique for ever, so a code names one window (and an old code never reopens).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late_after_minutes: Mapped[int] = mapped_column(default=10)
    closed_early: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[Session] = relationship()
    opened_by: Mapped[User | None] = relationship()

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at


class CheckInAttempt(Model):
    """A code typed at check-in, kept so every server worker sees the same wrong-code count."""

    __tablename__ = "check_in_attempts"
    __table_args__ = (Index("ix_check_in_attempts_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="attendance_marks",
        columns=("enrolment_id", "mark", "note", "recorded_by_id"),
        purpose="Whether you attended each session, which decides completion and feeds attendance figures.",
        retention="personal_details",
        subject=("enrolment:enrolment_id", "user:recorded_by_id"),
        description="One row per session you were marked for.",
    ),
    PersonalData(
        table="catch_ups",
        columns=("enrolment_id", "what_was_done", "recorded_by_id"),
        purpose="Work you did to catch up on a session you missed, which counts towards completion.",
        retention="personal_details",
        subject=("enrolment:enrolment_id", "user:recorded_by_id"),
        description="One row per missed session you caught up on.",
    ),
    PersonalData(
        table="check_ins",
        columns=("opened_by_id",),
        purpose="Which facilitator opened a session's check-in code.",
        retention="personal_details",
        subject=("user:opened_by_id",),
        description="One row per check-in you opened as a facilitator.",
    ),
    PersonalData(
        table="check_in_attempts",
        columns=("user_id", "succeeded", "at"),
        purpose="Attempts to check in with a code, counted to stop codes being guessed.",
        retention="sign_in_records",
        subject=("user:user_id",),
        description="One row per time you entered a check-in code.",
    ),
)
NOT_PERSONAL = (
    NotPersonal("check_ins", "code", "A short code shown in the room; it names no one."),
    NotPersonal("check_ins", "late_after_minutes", "Minutes after the start when a check-in counts as late."),
)
