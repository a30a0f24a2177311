"""Every row about a person, found through the register (docs/personal-data.md §1, §2).

``rows_about(user)`` walks ``personal_data_register()`` and resolves each declaration's
subject links ("user:", "enrolment:", "email:", "via:") into one query per table. The export
builds its ZIP from it; erasure may use it to find what to scrub. Audit events are found by
who made them (the register's "user:actor_id") and also by what they are about: the person's
account and enrolments (docs/personal-data.md §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_, select

from cohort.extensions import db
from cohort.models import User
from cohort.privacy.register import PersonalData, personal_data_register


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _enrolment_ids() -> Any:
    return select(_table("enrolments").c.id)


def _links(user: User) -> dict[str, Any]:
    """The person's ids as subqueries, built once per export."""
    enrolments = _table("enrolments")
    members = _table("team_members")
    submissions = _table("submissions")
    entries = _table("learning_log_entries")
    enrolment_ids = select(enrolments.c.id).where(enrolments.c.user_id == user.id).scalar_subquery()
    team_ids = select(members.c.team_id).where(members.c.enrolment_id.in_(enrolment_ids)).scalar_subquery()
    return {
        "enrolments": enrolment_ids,
        "via:team": team_ids,
        "via:submission": select(submissions.c.id)
        .where(submissions.c.team_id.in_(team_ids))
        .scalar_subquery(),
        "via:learning_log_entry": select(entries.c.id)
        .where(entries.c.enrolment_id.in_(enrolment_ids))
        .scalar_subquery(),
    }


VIA_COLUMNS = {"via:team": "team_id", "via:submission": "submission_id", "via:learning_log_entry": "entry_id"}


def condition(table: Table, link: str, user: User, links: dict[str, Any]) -> ColumnElement[bool]:
    """The WHERE clause for one subject link (register.py's docstring lists the forms)."""
    kind, _, column = link.partition(":")
    if kind == "user":
        return table.c[column] == user.id
    if kind == "enrolment":
        return table.c[column].in_(links["enrolments"])
    if kind == "email":
        return table.c[column] == user.email
    if link in VIA_COLUMNS:
        return table.c[VIA_COLUMNS[link]].in_(links[link])
    raise ValueError(f"{table.name}: unknown subject link {link!r}")


def _audit_about(table: Table, user: User, links: dict[str, Any]) -> ColumnElement[bool]:
    return or_(
        and_(table.c.entity_type == "User", table.c.entity_id == user.id),
        and_(table.c.entity_type == "Enrolment", table.c.entity_id.in_(links["enrolments"])),
    )


def query_for(entry: PersonalData, user: User, links: dict[str, Any]):
    table = _table(entry.table)
    clauses = [condition(table, link, user, links) for link in entry.subject]
    if entry.table == "audit_events":
        clauses.append(_audit_about(table, user, links))
    order = list(table.primary_key.columns) or list(table.c)[:1]
    return select(table).where(or_(false(), *clauses)).order_by(*order)


def rows_about(user: User, register: Sequence[PersonalData] | None = None) -> dict[str, list[Any]]:
    """Table name → every row about the person (one query per table), for every table in the
    register, including those where nothing is found (an empty list)."""
    links = _links(user)
    found: dict[str, list[Any]] = {}
    by_table: dict[str, list[PersonalData]] = {}
    for entry in register if register is not None else personal_data_register():
        by_table.setdefault(entry.table, []).append(entry)
    for name, entries in by_table.items():
        subject = tuple(link for entry in entries for link in entry.subject)
        merged = PersonalData(name, (), entries[0].purpose, entries[0].retention, subject)
        found[name] = list(db.session.execute(query_for(merged, user, links)).all())
    return found
