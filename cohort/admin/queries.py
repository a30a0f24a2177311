"""Read-side queries for the admin pages: one query per list, whatever its length,
and paging that never fails on a strange page number."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from cohort.extensions import db
from cohort.filters import LONDON
from cohort.models import AuditEvent, Department, Enrolment, Role, User
from cohort.paging import Page, clean_search, paginate  # noqa: F401 - used by the admin routes

SYSTEM_ACTOR = "system"


# Departments ---------------------------------------------------------------


def department_rows() -> list[tuple[Department, int]]:
    """Every department, by name, with how many users belong to it."""
    counts = (
        select(User.department_id, func.count(User.id).label("n")).group_by(User.department_id).subquery()
    )
    query = (
        select(Department, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.department_id == Department.id)
        .options(selectinload(Department.aliases))
        .order_by(Department.name)
    )
    return [(d, int(n)) for d, n in db.session.execute(query)]


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def department_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(d.id), f"{d.name} ({d.code})") for d in all_departments()]


# Users ---------------------------------------------------------------------


def users_query(search: str = "", role: Role | None = None, department_id: int | None = None) -> Select:
    query = select(User).options(joinedload(User.department)).order_by(User.full_name, User.id)
    if search:
        query = query.where(
            User.full_name.icontains(search, autoescape=True)
            | User.email.icontains(search.lower(), autoescape=True)
        )
    if role is not None:
        query = query.where(User.role == role)
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return query


def enrolments_of(user: User) -> list[Enrolment]:
    return list(
        db.session.scalars(
            select(Enrolment)
            .options(joinedload(Enrolment.cohort))
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.enrolled_on.desc())
        )
    )


def events_about(entity_type: str, entity_id: int, limit: int = 10) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


# Audit log -----------------------------------------------------------------


@dataclass
class AuditFilters:
    entity_type: str = ""
    actor: str = ""  # a user id, SYSTEM_ACTOR, or empty for everyone
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""


def entity_types() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type))
    )


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def actors() -> list[User]:
    """Everyone who has done something recorded in the audit log."""
    has_events = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(has_events)).order_by(User.full_name)))


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def audit_query(filters: AuditFilters) -> Select:
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.actor == SYSTEM_ACTOR:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor:
        query = query.where(AuditEvent.actor_id == int(filters.actor))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _london_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _london_midnight(filters.date_to + timedelta(days=1)))
    if filters.search:
        query = query.where(AuditEvent.summary.icontains(filters.search, autoescape=True))
    return query


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field had no earlier value recorded (a new record)
    after: str | None  # None: no later value recorded (a deleted record)


def as_text(value: Any) -> str:
    """A JSON value from an audit event, as a person would read it."""
    if value is None or value == "" or value == []:
        return "(none)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


FIELD_LABELS = {
    "department_id": "department",
    "is_active_account": "active",
}


def changes(event: AuditEvent, department_codes: dict[int, str] | None = None) -> list[Change]:
    """What changed, as 'field: before → after' with values as text (department ids as codes).

    Fields whose value is the same before and after are left out.
    """
    department_codes = department_codes or {}

    def text(name: str, value: Any) -> str:
        if name == "department_id" and isinstance(value, int):
            return department_codes.get(value, str(value))
        return as_text(value)

    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    fields = list(dict.fromkeys([*before, *after]))
    if event.before is not None and event.after is not None:
        fields = [name for name in fields if before.get(name) != after.get(name)]
    return [
        Change(
            field=FIELD_LABELS.get(name, name.replace("_", " ")),
            before=text(name, before.get(name)) if event.before is not None else None,
            after=text(name, after.get(name)) if event.after is not None else None,
        )
        for name in fields
    ]


def department_codes() -> dict[int, str]:
    return {
        department_id: code
        for department_id, code in db.session.execute(select(Department.id, Department.code))
    }
