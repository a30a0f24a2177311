"""Read-side queries for cohorts: one query per list, whatever its length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, case, func, select

from cohort.domain.cohort_stage import NextStep, Setup, Stage, cohort_stage, next_step
from cohort.domain.times import london_date
from cohort.enrolments.service import PLACE_HOLDING
from cohort.extensions import db
from cohort.models import AuditEvent, Cohort, Department, Enrolment, EnrolmentStatus, Session, User
from cohort.models.base import utcnow


@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    enrolled: int  # holding a place
    withdrawn: int
    last_session_ends: datetime | None = None  # of its sessions that are not cancelled
    at: datetime | None = None  # when the list was read

    @property
    def stage(self) -> Stage:
        """docs/rules.md §2.3: the stage by the calendar, as the cohort's page shows it."""
        c = self.cohort
        ends = [self.last_session_ends] if self.last_session_ends is not None else []
        return cohort_stage(c.status.value, c.start_date, c.end_date, ends, self.at or utcnow())


def cohort_rows(cohorts: Select, department_id: int | None = None) -> list[CohortRow]:
    """Each cohort of the query with its enrolment counts (optionally one department's)."""
    per_cohort = select(
        Enrolment.cohort_id.label("cohort_id"),
        func.sum(case((Enrolment.status.in_(PLACE_HOLDING), 1), else_=0)).label("enrolled"),
        func.sum(case((Enrolment.status == EnrolmentStatus.WITHDRAWN, 1), else_=0)).label("withdrawn"),
    ).group_by(Enrolment.cohort_id)
    if department_id is not None:
        per_cohort = per_cohort.join(User, User.id == Enrolment.user_id).where(
            User.department_id == department_id
        )
    counts = per_cohort.subquery()
    last = (
        select(Session.cohort_id.label("cohort_id"), func.max(Session.ends_at).label("ends_at"))
        .where(Session.cancelled_at.is_(None))
        .group_by(Session.cohort_id)
        .subquery()
    )
    query = (
        cohorts.add_columns(
            func.coalesce(counts.c.enrolled, 0), func.coalesce(counts.c.withdrawn, 0), last.c.ends_at
        )
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .outerjoin(last, last.c.cohort_id == Cohort.id)
        .order_by(Cohort.start_date.desc(), Cohort.name)
    )
    now = utcnow()
    return [CohortRow(c, int(e), int(w), _aware(ends), now) for c, e, w, ends in db.session.execute(query)]


def _aware(value: datetime | None) -> datetime | None:
    """A max() over a UTC column comes back without its zone on SQLite: it is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def department_counts(
    cohort: Cohort, department_id: int | None = None
) -> list[tuple[Department | None, int]]:
    """Participants holding a place, per department, largest first."""
    query = (
        select(Department, func.count(Enrolment.id))
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(PLACE_HOLDING))
        .group_by(Department.id)
        .order_by(func.count(Enrolment.id).desc(), Department.name)
    )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return [(d, n) for d, n in db.session.execute(query)]


@dataclass(frozen=True)
class StageView:
    """The stage a cohort's page shows and the programme manager's next step (docs/rules.md §2.3)."""

    stage: Stage
    step: NextStep | None
    sessions: int
    finished_on: date | None  # the day it was finished in the service, when finished or archived


def stage_view(cohort: Cohort, at: datetime) -> StageView:
    """Two queries whatever the cohort's size: its sessions' end times, and when it was finished."""
    ends = list(
        db.session.scalars(
            select(Session.ends_at).where(Session.cohort_id == cohort.id, Session.cancelled_at.is_(None))
        )
    )
    stage = cohort_stage(cohort.status.value, cohort.start_date, cohort.end_date, ends, at)
    participants = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status.in_(PLACE_HOLDING)
        )
    )
    step = next_step(stage, Setup(len(ends), participants or 0, len(cohort.facilitators)))
    finished_on = None
    if stage.closed:
        finished_at = db.session.scalar(
            select(func.max(AuditEvent.at)).where(
                AuditEvent.entity_type == "Cohort",
                AuditEvent.entity_id == cohort.id,
                AuditEvent.action == "finish",
            )
        )
        finished_on = london_date(finished_at) if finished_at is not None else None
    return StageView(stage, step, len(ends), finished_on)
