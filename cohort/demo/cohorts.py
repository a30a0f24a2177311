"""The demo's cohorts: the running cohort 1 with its standard timetable, part-way through (see
cohort/demo/__init__.py), and the planned cohort 2 with one withdrawal and one transfer made
through the same services (and audit trail) as the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from cohort.cohorts.service import CohortDetails, create_cohort
from cohort.core import audit
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus, Role, User

from .attendance import CANCEL_REASON, CANCELLED, drop_in, record_catch_ups, session_key, take_registers
from .people import add_user, department_domains, participant_email

DEMO_COHORT_NAME = "AI Accelerator — Cohort 1"
DEMO_WEEK = 9  # the demo cohort is in this week of its 12 on the day it is seeded
DEMO_COHORT_START = date(2026, 9, 28)  # its start when seeded on 23 November 2026; base of the scale cohorts


def demo_cohort_start(today: date) -> date:
    """The Monday that puts `today` in week DEMO_WEEK: 28 September 2026 for 23 November 2026."""
    return today - timedelta(days=today.weekday(), weeks=DEMO_WEEK - 1)


@dataclass(frozen=True)
class DemoSeed:
    """What `seed_demo` made that a person needs to know to try it."""

    cohort_start: date
    week: int
    sessions: int  # of the demo cohort, the drop-in included
    registers: int  # ended sessions whose register was taken
    unmarked: str | None  # title of the ended session left without a register
    cancelled: str | None  # title of the cancelled session
    at_risk: list[str]  # names
    check_in_code: str | None
    check_in_session: str | None
    check_in_closes_at: datetime | None
    messages: int = 0  # in Admin → Outbox


def create_running_cohort(start: date, facilitators: list[User]) -> Cohort:
    """Cohort 1, running from `start`, with the demo facilitators (the system creates it)."""
    return create_cohort(
        None,
        CohortDetails(
            name=DEMO_COHORT_NAME,
            slug="cohort-1",
            description="The first run of the 12-week AI Accelerator Programme, turning data "
            "scientists into machine learning engineers.",
            start_date=start,
            status=CohortStatus.RUNNING,
            facilitator_ids=[f.id for f in facilitators],
        ),
        commit=False,
    )


SECOND_COHORT_NAME = "AI Accelerator — Cohort 2"
SECOND_COHORT_WEEKS_AFTER = 15  # planned, with free places: 11 January 2027 for the demo of 28 September 2026


def seed_movements(
    cohort: Cohort, people: list[User], admin: User, departments, password_hash: str
) -> tuple[Cohort, dict[int, date]]:
    """A planned second cohort, one withdrawal and one transfer, made through the same
    services (and audit trail) as the pages use. Returns the second cohort and, for the
    two who left the first, enrolment id → the day they left."""
    from cohort.enrolments.service import transfer, withdraw

    start = cohort.start_date
    second = create_cohort(
        admin,
        CohortDetails(
            name=SECOND_COHORT_NAME,
            slug="cohort-2",
            description="The second run of the programme, open for nominations.",
            start_date=start + timedelta(weeks=SECOND_COHORT_WEEKS_AFTER),
            status=CohortStatus.PLANNED,
        ),
        commit=False,
    )
    by_name = {person.full_name: person for person in people}
    enrolment_of = {
        e.user_id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    }
    withdrawn = enrolment_of[by_name["James Thornton"].id]
    withdrawn_on = start + timedelta(weeks=3)
    withdraw(
        admin,
        withdrawn,
        "Moved to a new role in the department and cannot attend the sessions",
        withdrawn_on,
    )
    transferred = enrolment_of[by_name["Callum Reid"].id]
    transferred_on = start + timedelta(weeks=5)
    transfer(admin, transferred, second, transferred_on)
    newcomers = [("Ffion Roberts", "WG"), ("Ewan Stewart", "SG")]
    domains = department_domains()
    for name, code in newcomers:
        person = add_user(
            participant_email(name, domains[code]), name, Role.PARTICIPANT, departments[code], password_hash
        )
        db.session.flush()
        enrolment = Enrolment(
            cohort=second,
            user=person,
            status=EnrolmentStatus.ACTIVE,
            enrolled_on=start + timedelta(weeks=DEMO_WEEK - 2),
        )
        db.session.add(enrolment)
        db.session.flush()
        audit.record(admin, "create", enrolment, f"Enrolled {name} in {second.name}")
    return second, {withdrawn.id: withdrawn_on, transferred.id: transferred_on}


def seed_timetable(
    cohort: Cohort, second: Cohort, admin: User, participant: User, left_on: dict[int, date], now: datetime
) -> DemoSeed:
    """Both cohorts' standard timetables; cohort 1's registers, catch-ups, one cancellation and
    the drop-in with its check-in as at `now`; the participant's calendar feed."""
    from cohort.attendance.queries import cohort_attendance
    from cohort.schedule.service import apply_standard_programme, cancel_session, regenerate_calendar_feed

    sessions = apply_standard_programme(admin, cohort, confirmed=True, commit=False)
    apply_standard_programme(admin, second, confirmed=True, commit=False)
    db.session.commit()
    ended = [s for s in sessions if s.ends_at <= now]
    workshops = [s for s in ended if s.kind == SessionKind.WORKSHOP]
    unmarked = workshops[-1] if workshops else None  # last week's register is still to take
    registers = take_registers(cohort, sessions, unmarked, left_on, now)
    record_catch_ups(cohort, sessions, now)
    cancelled = next((s for s in sessions if session_key(s) == CANCELLED and s.starts_at > now), None)
    if cancelled is not None:
        cancel_session(admin, cancelled, CANCEL_REASON, at=now)
    drop_in_session, check_in = drop_in(cohort, admin, now)
    regenerate_calendar_feed(participant)
    figures = cohort_attendance(cohort, now)
    return DemoSeed(
        cohort_start=cohort.start_date,
        week=DEMO_WEEK,
        sessions=len(sessions) + 1,
        registers=registers,
        unmarked=unmarked.title if unmarked else None,
        cancelled=cancelled.title if cancelled else None,
        at_risk=[row.enrolment.user.full_name for row in figures.at_risk],
        check_in_code=check_in.code if check_in else None,
        check_in_session=drop_in_session.title,
        check_in_closes_at=check_in.closes_at if check_in else None,
    )
