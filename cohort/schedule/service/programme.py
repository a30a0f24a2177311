"""The standard programme on a cohort's timetable: planning it, the warnings before applying it,
and applying it with the facilitators taking turns (docs/rules.md §2.5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from cohort.core import audit
from cohort.domain import bank_holidays
from cohort.domain.formatting import plural
from cohort.domain.schedule import PlannedSession, standard_programme
from cohort.domain.times import london_to_utc, long_day
from cohort.extensions import db
from cohort.models import Cohort, Session, User

from .sessions import (
    NeedsConfirmation,
    ScheduleWarning,
    _check_open,
    clashes,
    cohort_last_day,
    facilitator_choices,
    snapshot,
)


def plan_for(cohort: Cohort) -> list[PlannedSession]:
    return standard_programme(
        cohort.start_date,
        cohort.length_weeks,
        bank_holidays.holidays(cohort.bank_holiday_division.value),
    )


def session_count(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count(Session.id)).where(
                Session.cohort_id == cohort.id, Session.cancelled_at.is_(None)
            )
        )
        or 0
    )


def programme_warnings(cohort: Cohort, plan: list[PlannedSession]) -> list[ScheduleWarning]:
    warnings = []
    existing = session_count(cohort)
    if existing:
        warnings.append(
            ScheduleWarning(
                "existing-sessions",
                f"This cohort already has {plural(existing, 'session')}. "
                f"Applying the standard programme adds {len(plan)} more beside them",
            )
        )
    last_day = cohort_last_day(cohort)
    for p in plan:
        if p.day > last_day:
            warnings.append(
                ScheduleWarning(
                    "outside-weeks",
                    f"“{p.title}” moves off {p.moved_because} to {long_day(p.day)}, "
                    "after the cohort’s last week",
                )
            )
    return warnings


def _free_facilitator(people: list[User], turn: int, starts_at: datetime, ends_at: datetime) -> int | None:
    """The next facilitator in turn who is free then (None when nobody is)."""
    for i in range(len(people)):
        person = people[(turn + i) % len(people)]
        if not clashes(person.id, starts_at, ends_at):
            return person.id
    return None


def apply_standard_programme(
    actor: User | None,
    cohort: Cohort,
    confirmed: bool = False,
    commit: bool = True,
    beside: int | None = None,
) -> list[Session]:
    """Add the standard programme's sessions, the facilitators taking turns. Raises
    NeedsConfirmation when a session would move past the last week, unless `confirmed`; and when
    the cohort already has sessions, unless `beside` is that number of sessions: the second,
    explicit confirmation that the person saw them and wants the programme added beside them
    (docs/rules.md §2.3). Raises ScheduleError when the cohort is finished or archived.

    The cohort's row is locked first (docs/architecture.md §7.3), so two people applying at once
    are served one after the other: the second sees the first one's sessions and is asked again."""
    # The row lock only: nothing of the cohort is re-read, so unsaved changes to it are kept.
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    _check_open(cohort)
    plan = plan_for(cohort)
    warnings = programme_warnings(cohort, plan)
    existing = session_count(cohort)
    others = [w for w in warnings if w.code != "existing-sessions"]
    if (existing and beside != existing) or (others and not confirmed):
        raise NeedsConfirmation(warnings)
    people = facilitator_choices(cohort)
    created = []
    for n, planned in enumerate(plan):
        starts_at = london_to_utc(planned.day, planned.start)
        ends_at = london_to_utc(planned.day, planned.end)
        session = Session(
            cohort=cohort,
            kind=planned.kind,
            title=planned.title,
            description=planned.description,
            starts_at=starts_at,
            ends_at=ends_at,
            mandatory=planned.mandatory,
            facilitator_id=_free_facilitator(people, n, starts_at, ends_at) if people else None,
            sequence=0,
        )
        db.session.add(session)
        db.session.flush()  # so the next session's clash check sees this one
        created.append(session)
        audit.record(
            actor,
            "create",
            session,
            f"Added {planned.kind.label.lower()} “{session.title}” to {cohort.name} (standard programme)",
            after=snapshot(session),
        )
    audit.record(
        actor,
        "standard-programme",
        cohort,
        f"Applied the standard programme to {cohort.name}: {len(created)} sessions",
        after={"sessions": len(created), "weeks": cohort.length_weeks},
    )
    if commit:
        db.session.commit()
    return created
