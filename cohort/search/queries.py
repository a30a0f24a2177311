"""What a staff search finds, in the searcher's scope (docs/rules.md §1.2).

One query per group, whatever the amount of data (docs/architecture.md §8): each reads at most
`LIMIT` rows and, through a window count, how many matched in all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select

from cohort.extensions import db
from cohort.models import Challenge, Cohort, Department, Role, Session, User
from cohort.models.cohort import CohortStatus
from cohort.models.hackathons import ChallengeStatus
from cohort.policy import (
    department_scope,
    is_programme_manager,
    may_see_challenges,
    visible_cohorts,
    visible_participants,
)

LIMIT = 20  # rows shown per group; the rest are counted
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class Person:
    id: int
    full_name: str
    email: str
    role: Role
    department: str | None
    active: bool


@dataclass(frozen=True)
class CohortHit:
    name: str
    slug: str
    start_date: date
    status: CohortStatus


@dataclass(frozen=True)
class SessionHit:
    id: int
    title: str
    starts_at: datetime
    cancelled: bool
    cohort_name: str
    cohort_slug: str


@dataclass(frozen=True)
class ChallengeHit:
    id: int
    title: str
    department: str
    status: ChallengeStatus


@dataclass
class Group:
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Results:
    people: Group
    cohorts: Group
    sessions: Group
    challenges: Group | None  # None: the searcher may not see challenges (facilitators)

    @property
    def total(self) -> int:
        groups = (self.people, self.cohorts, self.sessions, self.challenges)
        return sum(g.total for g in groups if g is not None)


def _rows(query: Select) -> tuple[list, int]:
    """At most LIMIT rows of the query, and how many rows it has in all (the last column)."""
    rows = db.session.execute(query.add_columns(func.count().over()).limit(LIMIT)).all()
    return [row[:-1] for row in rows], (rows[0][-1] if rows else 0)


def _people(viewer: User, text: str) -> Group:
    scope = select(User) if is_programme_manager(viewer) else visible_participants(viewer)
    ids = scope.with_only_columns(User.id)
    query = (
        select(User.id, User.full_name, User.email, User.role, Department.name, User.is_active_account)
        .outerjoin(Department, Department.id == User.department_id)
        .where(
            User.id.in_(ids),
            or_(User.full_name.icontains(text, autoescape=True), User.email.icontains(text, autoescape=True)),
        )
        .order_by(User.full_name, User.id)
    )
    rows, total = _rows(query)
    return Group([Person(*row) for row in rows], total)


def _cohort_ids(viewer: User) -> Select:
    return visible_cohorts(viewer).with_only_columns(Cohort.id)


def _cohorts(viewer: User, text: str) -> Group:
    query = (
        select(Cohort.name, Cohort.slug, Cohort.start_date, Cohort.status)
        .where(Cohort.id.in_(_cohort_ids(viewer)), Cohort.name.icontains(text, autoescape=True))
        .order_by(Cohort.start_date.desc(), Cohort.name)
    )
    rows, total = _rows(query)
    return Group([CohortHit(*row) for row in rows], total)


def _sessions(viewer: User, text: str) -> Group:
    query = (
        select(
            Session.id,
            Session.title,
            Session.starts_at,
            Session.cancelled_at.is_not(None),
            Cohort.name,
            Cohort.slug,
        )
        .join(Cohort, Cohort.id == Session.cohort_id)
        .where(Session.cohort_id.in_(_cohort_ids(viewer)), Session.title.icontains(text, autoescape=True))
        .order_by(Session.starts_at.desc(), Session.id)
    )
    rows, total = _rows(query)
    return Group([SessionHit(*row) for row in rows], total)


def _challenges(viewer: User, text: str) -> Group | None:
    if not may_see_challenges(viewer):
        return None
    query = (
        select(Challenge.id, Challenge.title, Department.name, Challenge.status)
        .join(Department, Department.id == Challenge.department_id)
        .where(Challenge.title.icontains(text, autoescape=True))
        .order_by(Challenge.title)
    )
    if (department := department_scope(viewer)) is not None:
        query = query.where(Challenge.department_id == department)
    rows, total = _rows(query)
    return Group([ChallengeHit(*row) for row in rows], total)


def search(viewer: User, text: str) -> Results:
    """Everything in the viewer's scope whose name, e-mail address or title holds `text`,
    case aside. `text` is already cleaned (cohort.paging.clean_search) and not empty.

    SQLAlchemy's icontains with autoescape takes the text's own %, _ and escape character
    literally, and matches alike on SQLite (lower() LIKE) and PostgreSQL (ILIKE)."""
    return Results(
        people=_people(viewer, text),
        cohorts=_cohorts(viewer, text),
        sessions=_sessions(viewer, text),
        challenges=_challenges(viewer, text),
    )
