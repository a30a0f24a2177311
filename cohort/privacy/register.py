"""The register of personal data (docs/personal-data.md §1).

Each models module declares, beside its models, a module-level ``PERSONAL_DATA`` tuple
of ``PersonalData`` entries (one per table holding personal data) and, where a column
looks personal but is not (a cohort's name), ``NOT_PERSONAL`` entries with the reason.
This module collects them; the privacy notice page, the subject access export, erasure
and the retention job all read the same register, so none can drift from the models.

How a row is about a person (``subject``): each entry is one of
- ``"user:<column>"``: the column holds the person's ``users.id``;
- ``"enrolment:<column>"``: the column holds the id of one of the person's enrolments;
- ``"email:<column>"``: the column holds the person's e-mail address (sign-in attempts);
- ``"via:<name>"``: a path the export and erasure compute in code (for example a
  submission is about each member of its team), named here and resolved in
  ``cohort/privacy/subject.py``.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import MetaData


@dataclass(frozen=True)
class PersonalData:
    table: str
    columns: tuple[str, ...]  # columns holding personal data
    purpose: str  # why Cohort holds it, plain English, shown on the privacy notice
    retention: str  # key of a rule in cohort.privacy.rules.RETENTION_RULES
    subject: tuple[str, ...]  # how a row is about a person (see the module docstring)
    description: str = ""  # what a row is, for the export's README: "One row per session you attended"


@dataclass(frozen=True)
class NotPersonal:
    table: str
    column: str
    reason: str


# The models modules that declare, in the order the register lists them.
MODEL_MODULES = (
    "user",
    "enrolment",
    "attendance",
    "skills",
    "hackathons",
    "certificate",
    "cohort",
    "schedule",
    "messages",
    "security",
    "api_tokens",
    "audit",
    "department",
    "reports",
)
_EXTRA_MODULES = ("privacy_exports", "erasures", "retention_runs")  # new privacy tables, when present


def _modules() -> list[ModuleType]:
    import cohort.models  # noqa: F401 - every table is defined

    names = [*MODEL_MODULES, *_EXTRA_MODULES]
    found = []
    for name in names:
        module = sys.modules.get(f"cohort.models.{name}")
        if module is None and name in MODEL_MODULES:
            module = importlib.import_module(f"cohort.models.{name}")
        if module is not None:
            found.append(module)
    return found


def personal_data_register() -> tuple[PersonalData, ...]:
    """Every declaration from every models module (docs/personal-data.md §1); the privacy
    notice, the export, erasure and the retention job all read it."""
    entries: list[PersonalData] = []
    for module in _modules():
        entries.extend(getattr(module, "PERSONAL_DATA", ()))
    return tuple(entries)


def not_personal() -> tuple[NotPersonal, ...]:
    """Columns that look personal but are not, each with the reason."""
    entries: list[NotPersonal] = []
    for module in _modules():
        entries.extend(getattr(module, "NOT_PERSONAL", ()))
    return tuple(entries)


# Column names that look like they hold personal data (docs/personal-data.md §1): a column
# whose name contains one of these must be declared, as personal or as not personal.
PERSONAL_LOOKING = (
    "name",
    "email",
    "address",
    "title",
    "text",
    "note",
    "comment",
    "reflection",
    "evidence",
    "body",
    "summary",
    "reason",
    "why",
    "ip",
    "agent",
    "device",
    "contact",
    "phone",
    "link",
    "subject",
    "description",
    "statement",
    "about",
    "error",
    "content",
    "secret",
    "token",
    "digest",
    "before",
    "after",
    "what_was_done",
    "data_",
    "harmed",
    "bias",
    "decides",
    "grade",
    "alias",
)
PEOPLE_TABLES = ("users", "enrolments")


def looks_personal(column: str) -> bool:
    return any(word in column.lower() for word in PERSONAL_LOOKING)


def check_register(
    metadata: MetaData,
    register: tuple[PersonalData, ...],
    undeclared_ok: tuple[NotPersonal, ...],
    rule_keys: set[str],
) -> list[str]:
    """What is wrong with the register against the schema, one sentence each; empty when
    it is complete (docs/personal-data.md §1). Pure: the unit test feeds it fake metadata."""
    problems: list[str] = []
    declared: dict[str, set[str]] = {}
    for entry in register:
        table = metadata.tables.get(entry.table)
        if table is None:
            problems.append(f"{entry.table}: declared but there is no such table")
            continue
        declared.setdefault(entry.table, set()).update(entry.columns)
        for column in entry.columns:
            if column not in table.c:
                problems.append(f"{entry.table}.{column}: declared but there is no such column")
        if entry.retention not in rule_keys:
            problems.append(f"{entry.table}: retention rule {entry.retention!r} does not exist")
        if not entry.subject:
            problems.append(f"{entry.table}: says nothing about whose data a row is")
        for link in entry.subject:
            kind, _, column = link.partition(":")
            if kind not in {"user", "enrolment", "email", "via"}:
                problems.append(f"{entry.table}: subject {link!r} is not user:, enrolment:, email: or via:")
            elif kind != "via" and column not in table.c:
                problems.append(f"{entry.table}: subject column {column!r} does not exist")
        if not entry.purpose.strip():
            problems.append(f"{entry.table}: no purpose")
    excused = {(item.table, item.column) for item in undeclared_ok}
    for item in undeclared_ok:
        table = metadata.tables.get(item.table)
        if table is None or item.column not in table.c:
            problems.append(f"{item.table}.{item.column}: declared not personal but there is no such column")
        elif not item.reason.strip():
            problems.append(f"{item.table}.{item.column}: declared not personal without a reason")
    for table in metadata.sorted_tables:
        for col in table.c:
            if col.primary_key and not col.foreign_keys:
                continue
            if col.name in declared.get(table.name, set()) or (table.name, col.name) in excused:
                continue
            if looks_personal(col.name):
                problems.append(f"{table.name}.{col.name}: looks personal but is not in the register")
        points_at_people = any(fk.column.table.name in PEOPLE_TABLES for fk in table.foreign_keys)
        if points_at_people and table.name not in declared:
            problems.append(
                f"{table.name}: refers to a person (users or enrolments) but is not in the register"
            )
    return problems


def register_size() -> tuple[int, int]:
    """(tables, columns) the register declares."""
    entries = personal_data_register()
    tables = {entry.table for entry in entries}
    columns = {(entry.table, column) for entry in entries for column in entry.columns}
    return len(tables), len(columns)
