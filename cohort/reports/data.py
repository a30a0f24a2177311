"""The facts behind every report, for any set of cohorts and optionally one department, loaded with
one query per table (cohorts' sessions, skills, enrolments, marks, catch-ups, assessments,
overrides, hackathon entries) however many participants and cohorts there are; then each
enrolment's outcome by the completion engine (cohort.domain.completion), the one implementation
of docs/rules.md §5.

Rows are read as plain tuples rather than ORM objects: a programme-wide report reads tens of
thousands of marks, and building an object per mark would cost more than the query.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, String, select, type_coerce
from sqlalchemy.orm import joinedload

from cohort.attendance.queries import facts as session_facts
from cohort.completion.facts import hackathons_recorded, override_of, recorded_checks, rules_of
from cohort.domain.attendance import Mark
from cohort.domain.completion import (
    CohortFacts,
    EnrolmentFacts,
    HackathonEntry,
    Override,
    Standing,
    outcome_for,
    programme_over,
)
from cohort.domain.progress import Checkpoint, Source, latest_level
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import (
    Assessment,
    AttendanceMark,
    CatchUp,
    Challenge,
    Cohort,
    CohortSkill,
    Department,
    Enrolment,
    OutcomeOverride,
    Session,
    Submission,
    Team,
    TeamMember,
    User,
)

MARKS = {mark.value: mark for mark in Mark}
CHECKPOINTS = {checkpoint.value: checkpoint for checkpoint in Checkpoint}


KINDS = {kind.value: kind for kind in SessionKind}


@dataclass(frozen=True)
class SessionLine:
    """What reports need of a session (read as a plain row: a programme has thousands)."""

    id: int
    cohort_id: int
    kind: SessionKind
    title: str
    starts_at: datetime
    ends_at: datetime
    mandatory: bool
    cancelled: bool


@dataclass(frozen=True)
class Person:
    """One enrolment with the person and department behind it."""

    enrolment_id: int
    cohort_id: int
    status: str
    enrolled_on: date
    name: str
    email: str
    department_id: int | None
    department_code: str
    department_name: str
    job_title: str | None = None
    grade: str | None = None


@dataclass(frozen=True)
class HackathonWork:
    """One person's part in one hackathon: their team and what it handed in."""

    enrolment_id: int
    session_id: int
    team: str
    challenge: str | None
    challenge_department_code: str | None
    submission: str | None
    submitted_at: datetime | None
    late: bool

    @property
    def entry(self) -> HackathonEntry:
        return HackathonEntry.of_team(self.submission is not None, self.late)


@dataclass(frozen=True)
class ChallengeProject:
    """A submission made on a department's challenge (for that department's report)."""

    cohort_id: int
    hackathon: str
    team: str
    challenge: str
    department_code: str
    submission: str
    late: bool
    members: int


@dataclass
class CohortInReport:
    cohort: Cohort
    sessions: list[SessionLine]
    facts: CohortFacts
    skills: list[CohortSkill]
    over: bool  # its last session has ended
    ethics: list = field(default_factory=list)  # SessionFacts of its ethics modules

    @property
    def finished(self) -> bool:
        """Outcomes recorded (finished or archived)."""
        return self.cohort.status.closed


@dataclass
class ReportData:
    at: datetime
    cohorts: list[CohortInReport]
    department: Department | None
    people: list[Person]
    marks: dict[int, dict[int, Mark]]  # enrolment id → session id → mark
    caught_up: dict[int, set[int]]  # enrolment id → session ids caught up
    levels: dict[int, dict[int, dict[Checkpoint, int]]]  # enrolment → skill → checkpoint → level
    hackathon_work: dict[int, dict[int, HackathonWork]]  # enrolment → hackathon session → work
    projects: list[ChallengeProject]  # submissions on the department's challenges (department scope)
    standings: dict[int, Standing] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # enrolment id → tables.PersonFigures, once worked out
    overrides: dict[int, Override] = field(default_factory=dict)  # enrolment id → its override, if any
    kept_checks: dict[int, list] = field(default_factory=dict)  # enrolment id → checks kept when recorded
    # Tables worked out from this data, by the report that asked (shared by every cut of kept data,
    # cohort/reports/programme.py: each is worked out once per stamp and time window).
    memo: dict = field(default_factory=dict)

    def cohort(self, cohort_id: int) -> CohortInReport:
        return self._by_id[cohort_id]

    def __post_init__(self):
        self._by_id = {c.cohort.id: c for c in self.cohorts}


def _people_query(cohort_ids: Sequence[int] | None, department_id: int | None) -> Select:
    query = (
        select(
            Enrolment.id,
            Enrolment.cohort_id,
            Enrolment.status,
            Enrolment.enrolled_on,
            User.full_name,
            User.email,
            Department.id,
            Department.code,
            Department.name,
            Enrolment.job_title,
            Enrolment.grade,
            Enrolment.outcome_reasons,
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .order_by(Enrolment.cohort_id, User.full_name, Enrolment.id)
    )
    if cohort_ids is not None:
        query = query.where(Enrolment.cohort_id.in_(cohort_ids))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return query


def _enrolment_ids(cohort_ids: Sequence[int] | None, department_id: int | None) -> Select:
    """The enrolments in scope, as a sub-query (never a list of thousands of ids). `cohort_ids`
    None: every cohort — and no list of cohort ids, which would make SQLite look up each
    (cohort, person) pair (0.15 s a query for 400 cohorts, against 5 ms without)."""
    query = select(Enrolment.id)
    if cohort_ids is not None:
        query = query.where(Enrolment.cohort_id.in_(cohort_ids))
    if department_id is not None:
        query = query.join(User, User.id == Enrolment.user_id).where(User.department_id == department_id)
    return query


def _rows(statement: Select):
    """A select of plain columns run on the session's connection (its transaction) as Core: the
    ORM's handling of each row costs more than the query for 100,000 marks. The session is
    flushed first, as its own execute would."""
    db.session.flush()
    return db.session.connection().execute(statement).all()


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while tens of thousands of small objects are made
    and kept: otherwise it walks them all again and again (a third of the time, measured with
    benchmarks/reports.py). Nothing made here has cycles to collect."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def load(
    cohorts: Sequence[Cohort],
    at: datetime,
    department: Department | None = None,
    every_cohort: bool = False,
    earlier: ReportData | None = None,
) -> ReportData:
    """Everything a report needs about these cohorts (and only this department's people, if given).

    `every_cohort`: the caller promises `cohorts` holds every cohort the people in scope are in
    (every cohort there is, or every one the department has people in), so enrolments need no
    cohort filter.

    `earlier`: the same report loaded before, for a moment with no change in time between it and
    `at` (cohort/reports/programme.py says when): an enrolment whose facts and cohort's facts are
    the same as then keeps the engine's answer of then, the engine's answer for the same input."""
    with _collector_paused():
        data = _load(cohorts, at, department, every_cohort)
        work_out(data, earlier)
        return data


def _load(
    cohorts: Sequence[Cohort], at: datetime, department: Department | None, every_cohort: bool
) -> ReportData:
    cohort_ids = [c.id for c in cohorts]
    department_id = department.id if department is not None else None
    in_scope = _enrolment_ids(None if every_cohort else cohort_ids, department_id)

    sessions_by_cohort: dict[int, list[SessionLine]] = defaultdict(list)
    for line in _rows(
        select(Session.id, Session.cohort_id, type_coerce(Session.kind, String), Session.title, Session.starts_at,
               Session.ends_at, Session.mandatory, Session.cancelled_at.is_not(None))
        .where(Session.cohort_id.in_(cohort_ids))
        .order_by(Session.starts_at, Session.id)
    ):  # fmt: skip
        sessions_by_cohort[line[1]].append(SessionLine(line[0], line[1], KINDS[line[2]], *line[3:]))
    skills_by_cohort: dict[int, list[CohortSkill]] = defaultdict(list)
    for cs in db.session.scalars(
        select(CohortSkill)
        .options(joinedload(CohortSkill.skill))
        .where(CohortSkill.cohort_id.in_(cohort_ids))
    ):
        skills_by_cohort[cs.cohort_id].append(cs)
    in_report = []
    recorded = hackathons_recorded()
    for cohort in cohorts:
        sessions = sessions_by_cohort[cohort.id]
        skills = sorted(skills_by_cohort[cohort.id], key=lambda cs: (cs.skill.category or "", cs.skill.name))
        every = session_facts(cohort, sessions)  # each session's facts worked out once
        hackathon_ids = {s.id for s in sessions if s.kind == SessionKind.HACKATHON}
        facts = CohortFacts(
            rules=rules_of(cohort),
            last_day=cohort.end_date,
            sessions=every,
            hackathons=[f for f in every if f.id in hackathon_ids],
            targets={cs.skill_id: cs.target_level for cs in skills},
            skill_names={cs.skill_id: cs.skill.name for cs in skills},
            hackathons_recorded=recorded,
        )
        ethics_ids = {s.id for s in sessions if s.kind == SessionKind.ETHICS}
        ethics = [f for f in facts.sessions if f.id in ethics_ids]
        in_report.append(CohortInReport(cohort, sessions, facts, skills, programme_over(facts, at), ethics))

    people, kept = [], {}
    in_report_ids = set(cohort_ids)
    for row in _rows(_people_query(None if every_cohort else cohort_ids, department_id)):
        if row[1] not in in_report_ids:
            continue  # a cohort outside the report (only if a caller broke every_cohort's promise)
        status = row[2].value if hasattr(row[2], "value") else str(row[2])
        people.append(Person(row[0], row[1], status, row[3], row[4], row[5], row[6], row[7] or "",
                             row[8] or "No department", row[9], row[10]))  # fmt: skip
        kept[row[0]] = row[11]

    # Enum columns read as their stored text, then mapped by a dict: converting 100,000 values
    # through the Enum type and Mark(...) one by one costs more than the query.
    marks: dict[int, dict[int, Mark]] = defaultdict(dict)
    for enrolment_id, session_id, mark in _rows(
        select(
            AttendanceMark.enrolment_id, AttendanceMark.session_id, type_coerce(AttendanceMark.mark, String)
        ).where(AttendanceMark.enrolment_id.in_(in_scope))
    ):
        marks[enrolment_id][session_id] = MARKS[mark]
    caught_up: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, session_id in _rows(
        select(CatchUp.enrolment_id, CatchUp.session_id).where(CatchUp.enrolment_id.in_(in_scope))
    ):
        caught_up[enrolment_id].add(session_id)
    levels: dict[int, dict[int, dict[Checkpoint, int]]] = defaultdict(lambda: defaultdict(dict))
    for enrolment_id, skill_id, checkpoint, level in _rows(
        select(
            Assessment.enrolment_id,
            Assessment.skill_id,
            type_coerce(Assessment.checkpoint, String),
            Assessment.level,
        ).where(Assessment.enrolment_id.in_(in_scope), Assessment.source == Source.FACILITATOR)
    ):
        levels[enrolment_id][skill_id][CHECKPOINTS[checkpoint]] = level
    overrides = {
        o.enrolment_id: found
        for o in db.session.scalars(
            select(OutcomeOverride)
            .options(joinedload(OutcomeOverride.by))
            .where(OutcomeOverride.enrolment_id.in_(in_scope))
        )
        if (found := override_of(o)) is not None
    }
    work = _hackathon_work(in_scope)
    projects = _projects(cohort_ids, department) if department is not None else []

    return ReportData(at, in_report, department, people, marks, caught_up, levels, work, projects,
                      overrides=overrides, kept_checks={k: v for k, v in kept.items() if v})  # fmt: skip


def work_out(data: ReportData, earlier: ReportData | None = None) -> None:
    """Each enrolment's standing by the completion engine (docs/rules.md §5), or the one `earlier`
    worked out when everything the engine reads for it is the same (see `load`)."""
    same_cohort = set()
    if earlier is not None:
        for c in data.cohorts:
            before = earlier._by_id.get(c.cohort.id)
            if before is not None and before.facts == c.facts and before.ethics == c.ethics:
                same_cohort.add(c.cohort.id)
        before_people = {p.enrolment_id: p for p in earlier.people}
    for person in data.people:
        e = person.enrolment_id
        if (
            earlier is not None
            and person.cohort_id in same_cohort
            and before_people.get(e) == person
            and e in earlier.standings
            and _same_facts(earlier, data, e)
        ):
            data.standings[e] = earlier.standings[e]
            if e in earlier.extra:
                data.extra[e] = earlier.extra[e]
            continue
        data.standings[e] = _standing(data, person)


def _same_facts(a: ReportData, b: ReportData, e: int) -> bool:
    """Everything the engine and tables.person_figures read of enrolment `e` (the person aside)."""
    return (
        a.marks.get(e) == b.marks.get(e)
        and a.caught_up.get(e) == b.caught_up.get(e)
        and a.levels.get(e) == b.levels.get(e)
        and a.hackathon_work.get(e) == b.hackathon_work.get(e)
        and a.overrides.get(e) == b.overrides.get(e)
        and a.kept_checks.get(e) == b.kept_checks.get(e)
    )


def _standing(data: ReportData, person: Person) -> Standing:
    cohort = data.cohort(person.cohort_id)
    latest = {
        skill_id: latest_level(by_checkpoint)
        for skill_id, by_checkpoint in data.levels.get(person.enrolment_id, {}).items()
    }
    work = data.hackathon_work.get(person.enrolment_id, {})
    facts = EnrolmentFacts(
        id=person.enrolment_id,
        enrolled_on=person.enrolled_on,
        status=person.status,
        marks=data.marks.get(person.enrolment_id, {}),
        caught_up=frozenset(data.caught_up.get(person.enrolment_id, ())),
        hackathons={session_id: w.entry for session_id, w in work.items()},
        levels=latest,
        override=data.overrides.get(person.enrolment_id),
        recorded_checks=recorded_checks(data.kept_checks.get(person.enrolment_id)),
    )
    return outcome_for(cohort.facts, facts, data.at)


def _hackathon_work(in_scope: Select) -> dict[int, dict[int, HackathonWork]]:
    """enrolment → hackathon session → team and submission (one query)."""
    ChallengeDepartment = Department.__table__.alias("challenge_department")
    rows = _rows(
        select(
            TeamMember.enrolment_id,
            TeamMember.session_id,
            Team.name,
            Challenge.title,
            ChallengeDepartment.c.code,
            Submission.title,
            Submission.submitted_at,
            Submission.late,
        )
        .join(Team, Team.id == TeamMember.team_id)
        .outerjoin(Challenge, Challenge.id == Team.challenge_id)
        .outerjoin(ChallengeDepartment, ChallengeDepartment.c.id == Challenge.department_id)
        .outerjoin(Submission, Submission.team_id == Team.id)
        .where(TeamMember.enrolment_id.in_(in_scope))
    )
    found: dict[int, dict[int, HackathonWork]] = defaultdict(dict)
    for e_id, s_id, team, challenge, code, title, at, late in rows:
        found[e_id][s_id] = HackathonWork(e_id, s_id, team, challenge, code, title, at, bool(late))
    return found


def _projects(cohort_ids: Sequence[int], department: Department) -> list[ChallengeProject]:
    """Submissions made on this department's challenges in these cohorts (one query)."""
    members = (
        select(TeamMember.team_id, db.func.count(TeamMember.id).label("members"))
        .group_by(TeamMember.team_id)
        .subquery()
    )
    rows = _rows(
        select(
            Session.cohort_id,
            Session.title,
            Team.name,
            Challenge.title,
            Submission.title,
            Submission.late,
            db.func.coalesce(members.c.members, 0),
        )
        .join(Team, Team.challenge_id == Challenge.id)
        .join(Session, Session.id == Team.session_id)
        .join(Submission, Submission.team_id == Team.id)
        .outerjoin(members, members.c.team_id == Team.id)
        .where(Challenge.department_id == department.id, Session.cohort_id.in_(cohort_ids))
        .order_by(Session.starts_at, Team.name)
    )
    return [
        ChallengeProject(cohort_id, hackathon, team, challenge, department.code, title, bool(late), n)
        for cohort_id, hackathon, team, challenge, title, late, n in rows
    ]
