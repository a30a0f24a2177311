"""Read-side queries for attendance: a fixed number of queries per page, whatever the
number of participants or sessions (one per table), then docs/rules.md §3 and §4.1 in
plain Python (cohort.domain.attendance)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.domain import bank_holidays
from cohort.domain.attendance import (
    AttendanceFigures,
    Mark,
    RiskFlag,
    SessionFacts,
    attendance_figures,
    counts_for,
    missed_mandatory,
    risk_flags,
    tally,
    waiting_for_register,
)
from cohort.domain.times import week_of
from cohort.domain.working_time import register_closes
from cohort.enrolments.service import PLACE_HOLDING
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    CatchUp,
    Cohort,
    Department,
    Enrolment,
    EnrolmentStatus,
    Session,
    User,
)


def cohort_sessions(cohort: Cohort) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .options(joinedload(Session.facilitator))
            .where(Session.cohort_id == cohort.id)
            .order_by(Session.starts_at, Session.id)
        )
    )


class SessionLike(Protocol):
    """What `facts` reads of a session: a Session, or a lighter row with the same names
    (the reports' SessionLine)."""

    @property
    def id(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def mandatory(self) -> bool: ...
    @property
    def title(self) -> str: ...


def facts(cohort: Cohort, sessions: Iterable[SessionLike]) -> list[SessionFacts]:
    """The sessions as the rules see them, each with the end of its register deadline
    (docs/rules.md §3.2: REGISTER_DEADLINE_WORKING_DAYS working days of the cohort's division)."""
    days = current_app.config.get("REGISTER_DEADLINE_WORKING_DAYS", 2)
    holidays = bank_holidays.holidays(cohort.bank_holiday_division.value)
    return [
        SessionFacts(
            id=s.id,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            cancelled=s.cancelled,
            mandatory=s.mandatory,
            title=s.title,
            week=week_of(cohort.start_date, s.starts_at),
            register_closes=register_closes(s.ends_at, days, holidays),
        )
        for s in sessions
    ]


def enrolments_of(
    cohort: Cohort, statuses=PLACE_HOLDING, department_id: int | None = None
) -> list[Enrolment]:
    """The cohort's enrolments with these statuses, with their people and departments, by name."""
    query = (
        select(Enrolment)
        .options(joinedload(Enrolment.user).joinedload(User.department))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(statuses))
        .order_by(User.full_name, Enrolment.id)
    )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(db.session.scalars(query).unique())


def marks_in(cohort: Cohort) -> dict[int, dict[int, Mark]]:
    """enrolment id → session id → mark, for every session of the cohort (one query)."""
    rows = db.session.connection().execute(  # Core rows: no ORM loading step per row
        select(AttendanceMark.enrolment_id, AttendanceMark.session_id, AttendanceMark.mark)
        .join(Session, Session.id == AttendanceMark.session_id)
        .where(Session.cohort_id == cohort.id)
    )
    marks: dict[int, dict[int, Mark]] = defaultdict(dict)
    for enrolment_id, session_id, mark in rows:
        marks[enrolment_id][session_id] = Mark(mark)
    return marks


def catch_ups_in(cohort: Cohort) -> dict[int, set[int]]:
    """enrolment id → ids of the sessions they have caught up (one query)."""
    rows = db.session.connection().execute(
        select(CatchUp.enrolment_id, CatchUp.session_id)
        .join(Session, Session.id == CatchUp.session_id)
        .where(Session.cohort_id == cohort.id)
    )
    caught: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, session_id in rows:
        caught[enrolment_id].add(session_id)
    return caught


@dataclass
class ParticipantRow:
    enrolment: Enrolment
    figures: AttendanceFigures
    flags: list[RiskFlag]
    missed: list[SessionFacts]

    @property
    def at_risk(self) -> bool:
        return bool(self.flags)


@dataclass
class SessionRow:
    session: Session
    week: int
    figures: AttendanceFigures  # over the people for whom it counts (ended, enrolled by then)
    counts: bool  # ended, not cancelled


@dataclass
class DepartmentRow:
    department: Department | None
    people: int
    figures: AttendanceFigures  # pooled: every person's counts added up
    at_risk: int


@dataclass
class CohortAttendance:
    cohort: Cohort
    at: datetime
    sessions: list[Session]
    participants: list[ParticipantRow]
    by_session: list[SessionRow]
    by_department: list[DepartmentRow]
    total: AttendanceFigures = field(default_factory=AttendanceFigures)
    # Every mark and catch-up of the cohort, as read for these figures (so callers need not read them again).
    marks: dict[int, dict[int, Mark]] = field(default_factory=dict)
    caught_up: dict[int, set[int]] = field(default_factory=dict)

    @property
    def at_risk(self) -> list[ParticipantRow]:
        return [p for p in self.participants if p.at_risk]

    @property
    def ended_sessions(self) -> int:
        return sum(1 for row in self.by_session if row.counts)


def participant_row(
    cohort: Cohort,
    enrolment: Enrolment,
    session_facts: list[SessionFacts],
    marks: dict[int, Mark],
    caught_up: set[int],
    at: datetime,
) -> ParticipantRow:
    figures = attendance_figures(session_facts, marks, enrolment.enrolled_on, at)
    missed = missed_mandatory(session_facts, marks, caught_up, enrolment.enrolled_on, at)
    flags = risk_flags(figures, cohort.min_attendance, missed if cohort.require_mandatory else [])
    if enrolment.status != EnrolmentStatus.ACTIVE:
        flags = []  # at risk is for people still on the programme
    return ParticipantRow(enrolment, figures, flags, missed)


def cohort_attendance(cohort: Cohort, at: datetime, department_id: int | None = None) -> CohortAttendance:
    """Figures per participant, per session and per department: four queries in all."""
    sessions = cohort_sessions(cohort)
    session_facts = facts(cohort, sessions)
    enrolments = enrolments_of(cohort, department_id=department_id)
    marks = marks_in(cohort)
    caught = catch_ups_in(cohort)

    participants = [
        participant_row(cohort, e, session_facts, marks.get(e.id, {}), caught.get(e.id, set()), at)
        for e in enrolments
    ]

    by_session = []
    for session, fact in zip(sessions, session_facts, strict=True):
        who = [e for e in enrolments if counts_for(fact, e.enrolled_on, at)]
        held = [marks.get(e.id, {}).get(fact.id) for e in who]
        waiting = sum(1 for mark in held if waiting_for_register(fact, mark, at))
        by_session.append(
            SessionRow(
                session=session,
                week=fact.week or 0,
                figures=tally((m for m in held if not waiting_for_register(fact, m, at)), waiting),
                counts=not fact.cancelled and fact.ends_at <= at,
            )
        )

    departments: dict[int | None, DepartmentRow] = {}
    for row in participants:
        department = row.enrolment.user.department
        key = department.id if department else None
        entry = departments.setdefault(key, DepartmentRow(department, 0, AttendanceFigures(), 0))
        entry.people += 1
        entry.figures = entry.figures + row.figures
        entry.at_risk += 1 if row.at_risk else 0
    by_department = sorted(
        departments.values(), key=lambda d: (d.department is None, d.department.name if d.department else "")
    )
    total = AttendanceFigures()
    for row in participants:
        total = total + row.figures
    return CohortAttendance(
        cohort, at, sessions, participants, by_session, by_department, total, marks, caught
    )


@dataclass
class SessionLine:
    """One session as one participant sees it."""

    session: Session
    week: int
    mark: AttendanceMark | None
    catch_up: CatchUp | None
    counts: bool  # counts towards their rate
    missed_mandatory: bool
    waiting: bool = False  # ended, no mark yet, before the register deadline (docs/rules.md §3.2)


@dataclass
class ParticipantDetail:
    enrolment: Enrolment
    row: ParticipantRow
    lines: list[SessionLine]

    def by_week(self) -> list[tuple[int, list[SessionLine]]]:
        weeks: dict[int, list[SessionLine]] = defaultdict(list)
        for line in self.lines:
            weeks[line.week].append(line)
        return sorted(weeks.items())


def participant_detail(enrolment: Enrolment, at: datetime) -> ParticipantDetail:
    """One enrolment's sessions with its own marks and catch-ups (three queries)."""
    cohort = enrolment.cohort
    sessions = cohort_sessions(cohort)
    session_facts = facts(cohort, sessions)
    marks = {
        m.session_id: m
        for m in db.session.scalars(
            select(AttendanceMark)
            .options(joinedload(AttendanceMark.recorded_by))
            .where(AttendanceMark.enrolment_id == enrolment.id)
        )
    }
    catch_ups = {
        c.session_id: c
        for c in db.session.scalars(
            select(CatchUp)
            .options(joinedload(CatchUp.recorded_by))
            .where(CatchUp.enrolment_id == enrolment.id)
        )
    }
    plain_marks = {sid: m.mark for sid, m in marks.items()}
    row = participant_row(cohort, enrolment, session_facts, plain_marks, set(catch_ups), at)
    missed_ids = {s.id for s in row.missed}
    lines = [
        SessionLine(
            session=s,
            week=f.week or 0,
            mark=marks.get(s.id),
            catch_up=catch_ups.get(s.id),
            counts=counts_for(f, enrolment.enrolled_on, at),
            missed_mandatory=s.id in missed_ids,
            waiting=counts_for(f, enrolment.enrolled_on, at)
            and waiting_for_register(f, plain_marks.get(s.id), at),
        )
        for s, f in zip(sessions, session_facts, strict=True)
    ]
    return ParticipantDetail(enrolment, row, lines)


def register_marks(session: Session) -> dict[int, AttendanceMark]:
    """enrolment id → mark, for one session (one query)."""
    return {
        m.enrolment_id: m
        for m in db.session.scalars(select(AttendanceMark).where(AttendanceMark.session_id == session.id))
    }


def enrolment_rows(enrolments: Iterable[Enrolment], at: datetime) -> dict[int, ParticipantRow]:
    """enrolment id → figures and flags, for enrolments of any cohorts (a person's profile):
    three queries whatever their number. Each enrolment's cohort should already be loaded."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ids = [e.id for e in enrolments]
    sessions_by_cohort: dict[int, list[Session]] = defaultdict(list)
    for s in db.session.scalars(
        select(Session)
        .where(Session.cohort_id.in_({e.cohort_id for e in enrolments}))
        .order_by(Session.starts_at, Session.id)
    ):
        sessions_by_cohort[s.cohort_id].append(s)
    marks: dict[int, dict[int, Mark]] = defaultdict(dict)
    for enrolment_id, session_id, mark in db.session.execute(
        select(AttendanceMark.enrolment_id, AttendanceMark.session_id, AttendanceMark.mark).where(
            AttendanceMark.enrolment_id.in_(ids)
        )
    ):
        marks[enrolment_id][session_id] = Mark(mark)
    caught: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, session_id in db.session.execute(
        select(CatchUp.enrolment_id, CatchUp.session_id).where(CatchUp.enrolment_id.in_(ids))
    ):
        caught[enrolment_id].add(session_id)
    return {
        e.id: participant_row(
            e.cohort,
            e,
            facts(e.cohort, sessions_by_cohort[e.cohort_id]),
            marks.get(e.id, {}),
            caught.get(e.id, set()),
            at,
        )
        for e in enrolments
    }


def mark_and_catch_up(session: Session, enrolment: Enrolment) -> tuple[AttendanceMark | None, CatchUp | None]:
    """This person's mark for the session and their catch-up for it, if any (the catch-up page)."""
    mark = db.session.scalar(
        select(AttendanceMark).where(
            AttendanceMark.session_id == session.id, AttendanceMark.enrolment_id == enrolment.id
        )
    )
    catch_up = db.session.scalar(
        select(CatchUp).where(CatchUp.session_id == session.id, CatchUp.enrolment_id == enrolment.id)
    )
    return mark, catch_up
