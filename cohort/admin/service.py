"""Adding and changing departments and their other names (aliases), audited.

Spreadsheets name a department by its code, its name or one of its aliases,
matched case-insensitively (docs/rules.md §2.1, §8.4). So one rule keeps every name
unambiguous: no code, name or alias of a department may equal, ignoring
letter case, any code, name or alias of another department.

The database backs part of this (codes, names and alias keys are unique);
the rest is checked here, against every department at once (a short list),
in Python so that letter case is folded the same way on SQLite and
PostgreSQL. Changes to departments are serialised so that the check cannot
race: SQLite write transactions already take the write lock when they begin
(cohort.database); on PostgreSQL a transaction-scoped advisory lock does it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from cohort.core import audit
from cohort.core.errors import ServiceError
from cohort.extensions import db
from cohort.models import Department, DepartmentAlias, User

# Any fixed number: the advisory lock that serialises department changes on PostgreSQL.
_ADVISORY_LOCK_KEY = 7_310_042

_KINDS = {"code": "code", "name": "name", "aliases": "other name"}


class DepartmentError(ServiceError):
    """A department change that cannot be made; `field` names the form field at fault."""


@dataclass
class DepartmentDetails:
    code: str
    name: str
    aliases: list[str] = field(default_factory=list)


def tidy(text: str) -> str:
    """Trim, and collapse runs of spaces inside, so 'Min  of Justice' is 'Min of Justice'."""
    return " ".join(text.split())


def key(text: str) -> str:
    return tidy(text).lower()


def clean_aliases(lines: list[str] | str) -> list[str]:
    """One alias per line: blank lines dropped, repeats (in any letter case) collapsed."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    seen: set[str] = set()
    aliases = []
    for line in lines:
        alias = tidy(line)
        if alias and key(alias) not in seen:
            seen.add(key(alias))
            aliases.append(alias)
    return aliases


def _describe(department: Department) -> str:
    return f"{department.name} ({department.code})"


def _names_of(department: Department) -> list[tuple[str, str]]:
    """(what, text) for every name a department answers to."""
    return [("code", department.code), ("name", department.name)] + [
        ("other name", a.alias) for a in department.aliases
    ]


def find_clash(details: DepartmentDetails, department: Department | None) -> DepartmentError | None:
    """The first name of `details` that another department already answers to.

    A department's own code or name may be repeated among its aliases ("MoJ" for MOJ).
    """
    others = db.session.scalars(
        select(Department)
        .options(selectinload(Department.aliases))
        .where(Department.id != (department.id if department is not None else -1))
    ).all()
    taken: dict[str, tuple[Department, str]] = {}
    for other in others:
        for what, other_name in _names_of(other):
            taken.setdefault(key(other_name), (other, what))

    candidates = [("code", details.code), ("name", details.name)] + [
        ("aliases", alias) for alias in details.aliases
    ]
    for form_field, candidate in candidates:
        if key(candidate) in taken:
            other, what = taken[key(candidate)]
            return DepartmentError(
                f"{_KINDS[form_field].capitalize()} “{candidate}” is already used by "
                f"{_describe(other)} as its {what}",
                form_field,
            )
    return None


def _snapshot(department: Department) -> dict:
    return {
        "code": department.code,
        "name": department.name,
        "aliases": sorted((a.alias for a in department.aliases), key=str.lower),
    }


def _apply(department: Department, details: DepartmentDetails) -> None:
    department.code = tidy(details.code)
    department.name = tidy(details.name)
    # Keep the alias rows whose key stays (only their spelling may change), drop the
    # rest and add the new ones: replacing them all would insert a key before the old
    # row holding it is deleted, which the unique index refuses.
    wanted = {key(a): tidy(a) for a in details.aliases}
    for existing in list(department.aliases):
        if existing.alias_key in wanted:
            existing.alias = wanted.pop(existing.alias_key)
        else:
            department.aliases.remove(existing)
    for alias_key, alias in wanted.items():
        department.aliases.append(DepartmentAlias(alias=alias, alias_key=alias_key))


def _serialise() -> None:
    """Wait for any other department change to finish (lock held until commit or rollback)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def _lost_race(details: DepartmentDetails, department: Department | None) -> DepartmentError:
    """After another request saved a clashing name first: roll back and name the clash."""
    db.session.rollback()
    return find_clash(details, department) or DepartmentError(
        "Another department with the same code, name or other name was saved at the same "
        "time. Check the list of departments and try again",
        "code",
    )


def _details(details: DepartmentDetails) -> DepartmentDetails:
    return DepartmentDetails(
        code=tidy(details.code), name=tidy(details.name), aliases=clean_aliases(details.aliases)
    )


def create_department(actor: User | None, details: DepartmentDetails) -> Department:
    """Add a department; raises DepartmentError (nothing written) when a name clashes. Commits."""
    details = _details(details)
    _serialise()
    if clash := find_clash(details, None):
        raise clash
    try:
        department = Department(code=details.code, name=details.name)
        _apply(department, details)
        db.session.add(department)
        db.session.flush()
        audit.record(
            actor,
            "create",
            department,
            f"Added department {_describe(department)}",
            after=_snapshot(department),
        )
        db.session.commit()
    except IntegrityError:
        raise _lost_race(details, None) from None
    return department


def update_department(actor: User, department: Department, details: DepartmentDetails) -> None:
    """Change a department; raises DepartmentError (nothing written) when a name clashes. Commits."""
    details = _details(details)
    _serialise()
    if clash := find_clash(details, department):
        raise clash
    try:
        before = _snapshot(department)
        _apply(department, details)
        db.session.flush()
        audit.record(
            actor,
            "update",
            department,
            f"Updated department {_describe(department)}",
            before=before,
            after=_snapshot(department),
        )
        db.session.commit()
    except IntegrityError:
        raise _lost_race(details, department) from None
