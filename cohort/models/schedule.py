"""Sessions on a cohort's timetable (docs/rules.md §2.5) and the secret calendar feed links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_date, week_of
from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.cohort import Cohort
from cohort.models.user import User


class Session(Model):
    """Something on a cohort's timetable. Times are stored in UTC and entered and shown
    in Europe/London. A cancelled session keeps its record and drops out of rates."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint(
            "(cancelled_at IS NULL AND cancellation_reason IS NULL)"
            " OR (cancelled_at IS NOT NULL AND cancellation_reason IS NOT NULL)",
            name="cancellation_recorded",
        ),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("ix_sessions_cohort_starts_at", "cohort_id", "starts_at"),
        Index("ix_sessions_facilitator_starts_at", "facilitator_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    online_link: Mapped[str | None] = mapped_column(String(500))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Calendar programs apply a changed event only when its SEQUENCE goes up.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def day(self):
        return london_date(self.starts_at)

    @property
    def week(self) -> int:
        return week_of(self.cohort.start_date, self.starts_at)

    def has_ended(self, at: datetime) -> bool:
        return self.ends_at <= at

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.kind} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class CalendarFeed(Model):
    """A person's secret calendar link. The token in the address is the only key:
    replacing it (regenerate) or deleting the row (revoke) stops the old link."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="sessions",
        columns=("facilitator_id", "cancelled_by_id", "cancellation_reason"),
        purpose="Who leads each session and who cancelled one and why, shown on the schedule.",
        retention="personal_details",
        subject=("user:facilitator_id", "user:cancelled_by_id"),
        description="One row per session you lead or cancelled.",
    ),
    PersonalData(
        table="calendar_feeds",
        columns=("user_id", "token"),
        purpose="Your private calendar link, so your calendar shows your sessions.",
        retention="personal_details",
        subject=("user:user_id",),
        description="Your calendar link (one row).",
    ),
)
NOT_PERSONAL = (
    NotPersonal("sessions", "title", "A session's title, such as 'Week 3: Regression'."),
    NotPersonal("sessions", "description", "What a session covers, written by the programme team."),
    NotPersonal("sessions", "location", "A room or building."),
    NotPersonal("sessions", "online_link", "The meeting link for everyone in the cohort."),
)
