"""A cohort: one run of the programme (docs/rules.md §2.2), with its completion rules (§5.1)."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, CheckConstraint, Column, Date, Float, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model, db
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.user import User


class CohortStatus(enum.StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    RUNNING = "running"
    FINISHED = "finished"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def closed(self) -> bool:
        """Finished or archived: outcomes are recorded and the cohort's records are read-only
        (docs/rules.md §2.3, §5.7), but for audited outcome corrections."""
        return self in CLOSED_STATUSES


CLOSED_STATUSES = (CohortStatus.FINISHED, CohortStatus.ARCHIVED)


class BankHolidayDivision(enum.StrEnum):
    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"

    @property
    def label(self) -> str:
        return {
            "england-and-wales": "England and Wales",
            "scotland": "Scotland",
            "northern-ireland": "Northern Ireland",
        }[self.value]


DEFAULT_LENGTH_WEEKS = 12
DEFAULT_CAPACITY = 25
DEFAULT_MIN_ATTENDANCE = 0.80
DEFAULT_SKILLS_AT_TARGET = 1.0

cohort_facilitators = Table(
    "cohort_facilitators",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("length_weeks BETWEEN 1 AND 52", name="length_weeks_range"),
        CheckConstraint("capacity BETWEEN 1 AND 200", name="capacity_range"),
        CheckConstraint("min_attendance >= 0 AND min_attendance <= 1", name="min_attendance_range"),
        CheckConstraint("skills_at_target >= 0 AND skills_at_target <= 1", name="skills_at_target_range"),
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)  # a Monday; checked by the form and service
    length_weeks: Mapped[int] = mapped_column(default=DEFAULT_LENGTH_WEEKS)
    capacity: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY)
    bank_holiday_division: Mapped[BankHolidayDivision] = mapped_column(
        str_enum(BankHolidayDivision, "bank_holiday_division"),
        default=BankHolidayDivision.ENGLAND_AND_WALES,
    )
    status: Mapped[CohortStatus] = mapped_column(
        str_enum(CohortStatus, "cohort_status"), default=CohortStatus.PLANNED
    )
    # Completion rules (docs/rules.md §5.1), with the programme's defaults.
    min_attendance: Mapped[float] = mapped_column(Float, default=DEFAULT_MIN_ATTENDANCE)
    require_mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    require_hackathon: Mapped[bool] = mapped_column(Boolean, default=True)
    skills_at_target: Mapped[float] = mapped_column(Float, default=DEFAULT_SKILLS_AT_TARGET)
    # The weekly at-risk e-mails to participants and sponsors (docs/messages.md); off for a
    # cohort whose programme team tells people in person.
    at_risk_emails: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facilitators: Mapped[list[User]] = relationship(secondary=cohort_facilitators, order_by="User.full_name")

    @property
    def end_date(self) -> date:
        """The Friday of the last week."""
        return self.start_date + timedelta(weeks=self.length_weeks, days=-3)

    def __repr__(self) -> str:
        return f"<Cohort {self.slug}>"


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="cohort_facilitators",
        columns=("user_id",),
        purpose="Which facilitators run each cohort, so they can see and mark its participants.",
        retention="personal_details",
        subject=("user:user_id",),
        description="One row per cohort you facilitate.",
    ),
)
NOT_PERSONAL = (
    NotPersonal("cohorts", "name", "A cohort's name, such as 'Data Science Spring 2026'."),
    NotPersonal(
        "cohorts", "at_risk_emails", "Whether the cohort sends at-risk e-mails; a switch, not an address."
    ),
    NotPersonal("cohorts", "description", "What the cohort covers, written by the programme team."),
)
