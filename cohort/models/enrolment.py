"""A participant's place in a cohort (docs/rules.md §2.4)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.cohort import Cohort
from cohort.models.user import User


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class FinalOutcome(enum.StrEnum):
    """What the end of a cohort records, and what an override may give (docs/rules.md §5.5, §5.6)."""

    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Enrolment(Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        # One enrolment per person per cohort, enforced by the database so two
        # simultaneous requests cannot both succeed.
        UniqueConstraint("cohort_id", "user_id", name="uq_enrolments_cohort_user"),
        CheckConstraint(
            "status <> 'withdrawn' OR (withdrawn_on IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name="withdrawal_recorded",
        ),
        CheckConstraint("status <> 'transferred' OR transferred_to_id IS NOT NULL", name="transfer_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ACTIVE
    )
    enrolled_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="SET NULL"))
    job_title: Mapped[str | None] = mapped_column(String(120))
    grade: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What finishing the cohort recorded (docs/rules.md §5.6): the outcome is then the status.
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rule checks as they stood when the outcome was recorded: [{rule, title, state, reason}].
    outcome_reasons: Mapped[list | None] = mapped_column(JSON)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()
    transferred_to: Mapped[Enrolment | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Enrolment cohort={self.cohort_id} user={self.user_id} {self.status}>"


class OutcomeOverride(Model):
    """A programme manager's override of the outcome the rules give one enrolment (docs/rules.md §5.5),
    with its written reason and author; the current one per enrolment (earlier ones are in the
    audit log)."""

    __tablename__ = "outcome_overrides"
    __table_args__ = (CheckConstraint("reason <> ''", name="reason_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[FinalOutcome] = mapped_column(str_enum(FinalOutcome, "override_outcome"))
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    by: Mapped[User | None] = relationship()


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="enrolments",
        columns=(
            "user_id",
            "cohort_id",
            "status",
            "enrolled_on",
            "withdrawn_on",
            "withdrawal_reason",
            "job_title",
            "grade",
            "outcome_reasons",
        ),
        purpose="Your place on a cohort, your job title and grade when nominated, and your outcome, for your department's reports and your certificate.",
        retention="personal_details",
        subject=("user:user_id",),
        description="One row per cohort you were enrolled on.",
    ),
    PersonalData(
        table="outcome_overrides",
        columns=("enrolment_id", "outcome", "reason", "by_id"),
        purpose="An outcome the programme manager set by hand, with the reason, so the decision can be explained.",
        retention="personal_details",
        subject=("enrolment:enrolment_id", "user:by_id"),
        description="One row per outcome set by hand on one of your enrolments.",
    ),
)
NOT_PERSONAL: tuple[NotPersonal, ...] = ()
