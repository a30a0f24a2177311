"""A nominations file against the database: what importing it into a cohort would
do as things are now (the preview), and the import itself, all rows or none.

Shared by the web pages and `flask import-participants`. The preview makes one
query for departments, one for the people named in the file and one for the
cohort's enrolments, whatever the number of rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select

from cohort.enrolments.service import (
    PLACE_HOLDING,
    EnrolmentError,
    EnrolResult,
    NewPerson,
    enrol_many,
)
from cohort.extensions import db
from cohort.imports import (
    DepartmentRecord,
    Field,
    ImportRefused,
    KnownPerson,
    Preview,
    PreviewRow,
    RowStatus,
    match_headers,
    read_table,
    validate_nominations,
)
from cohort.imports.reading import Table
from cohort.models import Cohort, Department, DepartmentAlias, Enrolment, EnrolmentStatus, User
from cohort.text import plural

# The order rows are listed in: what needs fixing first.
STATUS_ORDER = (RowStatus.ERROR, RowStatus.NEW, RowStatus.KNOWN, RowStatus.ALREADY_ENROLLED)

__all__ = [
    "STATUS_ORDER",
    "CohortPreview",
    "EnrolmentError",
    "ImportRefused",
    "ImportResult",
    "NotImported",
    "build_preview",
    "department_records",
    "enrol_checked",
    "import_nominations",
]


@dataclass
class CohortPreview:
    """A file's preview for one cohort, with what stops the whole import, if anything."""

    cohort: Cohort
    table: Table
    preview: Preview
    places_taken: int
    # Lower-cased email → the status of that person's enrolment in this cohort.
    enrolment_status: dict[str, EnrolmentStatus]
    # Problems with the import as a whole (cohort closed, not enough places), not with a row.
    blockers: list[str] = field(default_factory=list)

    @property
    def rows_to_enrol(self) -> list[PreviewRow]:
        return self.preview.rows_to_enrol

    @property
    def counts(self) -> dict[RowStatus, int]:
        return self.preview.counts

    @property
    def free_places(self) -> int:
        return max(self.cohort.capacity - self.places_taken, 0)

    @property
    def can_import(self) -> bool:
        """No row in error, nothing blocking, and someone to enrol."""
        return self.preview.ok and not self.blockers and bool(self.rows_to_enrol)

    def what_it_would_do(self) -> str:
        """ "Importing would enrol 11 people: 8 new accounts, 3 existing participants."."""
        c = self.counts
        n = c[RowStatus.NEW] + c[RowStatus.KNOWN]
        return (
            f"{plural(n, 'person', 'people')}: {plural(c[RowStatus.NEW], 'new account')}, "
            f"{plural(c[RowStatus.KNOWN], 'existing participant')}"
        )

    def problem_lines(self) -> list[str]:
        return [*self.preview.problem_lines(), *self.blockers]


@dataclass
class ImportResult:
    cohort: Cohort
    results: list[EnrolResult]
    skipped: int  # rows already enrolled, left as they were

    @property
    def new_accounts(self) -> list[User]:
        return [r.user for r in self.results if r.new_account]

    @property
    def existing_accounts(self) -> list[User]:
        return [r.user for r in self.results if not r.new_account]

    def summary(self) -> str:
        """ "12 people enrolled in Cohort 2: 8 new accounts, 4 existing"."""
        text = (
            f"{plural(len(self.results), 'person', 'people')} enrolled in {self.cohort.name}: "
            f"{plural(len(self.new_accounts), 'new account')}, {len(self.existing_accounts):,} existing"
        )
        if self.skipped:
            text += f"; {self.skipped:,} already enrolled, skipped"
        return text


class NotImported(Exception):
    """The file was checked again and something stops the import; nothing was written."""

    def __init__(self, message: str, preview: CohortPreview):
        super().__init__(message)
        self.preview = preview


# Reading the database, one query each -----------------------------------------


def department_records() -> list[DepartmentRecord]:
    rows = db.session.execute(
        select(Department.id, Department.code, Department.name, DepartmentAlias.alias)
        .outerjoin(DepartmentAlias, DepartmentAlias.department_id == Department.id)
        .order_by(Department.code, DepartmentAlias.alias)
    ).all()
    found: dict[int, tuple[str, str, list[str]]] = {}
    for department_id, code, name, alias in rows:
        entry = found.setdefault(department_id, (code, name, []))
        if alias:
            entry[2].append(alias)
    return [
        DepartmentRecord(id=i, code=code, name=name, aliases=tuple(aliases))
        for i, (code, name, aliases) in found.items()
    ]


def _emails_in(table: Table) -> set[str]:
    """Every email in the file in the forms it may be looked up under (the row checks
    normalise it further; anything they change beyond case and NFC is found anyway
    when enrolling, by email, in the same transaction)."""
    columns = match_headers(table.header)
    index = columns.columns.get(Field.EMAIL)
    if index is None:
        return set()
    emails = set()
    for row in table.rows:
        raw = row.cell(index).strip()
        if raw and len(raw) <= 254:
            emails.add(raw.lower())
            emails.add(unicodedata.normalize("NFC", raw).lower())
    return emails


def _known_people(emails: set[str]) -> tuple[dict[str, KnownPerson], set[str]]:
    """Accounts with these emails, and which of them are deactivated."""
    if not emails:
        return {}, set()
    rows = db.session.execute(
        select(User.email, User.id, User.full_name, User.role, User.is_active_account).where(
            User.email.in_(sorted(emails))
        )
    ).all()
    known = {email: KnownPerson(user_id=i, full_name=name, role=role) for email, i, name, role, _ in rows}
    inactive = {email for email, _i, _n, _r, active in rows if not active}
    return known, inactive


def _enrolments(cohort: Cohort) -> dict[str, EnrolmentStatus]:
    rows = db.session.execute(
        select(User.email, Enrolment.status)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id)
    ).all()
    return {email: status for email, status in rows}


# Preview ---------------------------------------------------------------------------


def build_preview(cohort: Cohort, filename: str, data: bytes) -> CohortPreview:
    """Read and check every row of the file against the database as it is now.
    Raises ImportRefused when the file as a whole cannot be imported."""
    table = read_table(filename, data)
    known, inactive = _known_people(_emails_in(table))
    enrolled = _enrolments(cohort)
    preview = validate_nominations(table, department_records(), known, enrolled.keys())

    for row in preview.rows:
        # The row checks cannot know this: the account exists but is switched off,
        # and enrolling it would stop the whole import at the last moment.
        if row.status is RowStatus.KNOWN and row.email in inactive:
            row.status = RowStatus.ERROR
            row.errors.append(
                f"{row.email} belongs to {row.account_name}'s account, which is deactivated: "
                "reactivate it from the Users page first, or delete this row"
            )

    taken = sum(1 for status in enrolled.values() if status in PLACE_HOLDING)
    result = CohortPreview(
        cohort=cohort, table=table, preview=preview, places_taken=taken, enrolment_status=enrolled
    )
    needed = len(preview.rows_to_enrol)
    if cohort.status.closed:
        result.blockers.append(
            f"{cohort.name} is {cohort.status.value}: its enrolments can no longer change, "
            "so nobody can be imported into it."
        )
    elif needed > result.free_places:
        free = result.free_places
        result.blockers.append(
            f"{cohort.name} has {plural(free, 'free place')} ({taken} of {cohort.capacity} taken) "
            f"but the file would enrol {plural(needed, 'person', 'people')}. "
            "Raise the cohort's capacity, or take rows out of the file, and try again."
        )
    return result


def sorted_rows(preview: Preview, status: RowStatus | None = None) -> list[PreviewRow]:
    """Rows in error first, then new, known and already enrolled; in file order within each."""
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    rows = preview.rows if status is None else [r for r in preview.rows if r.status is status]
    return sorted(rows, key=lambda r: (order[r.status], r.row_number))


# Import ------------------------------------------------------------------------------


def import_nominations(
    actor: User | None, cohort: Cohort, filename: str, data: bytes, expected: int | None = None
) -> ImportResult:
    """Check the file again, as the database is now, and enrol its people: see `enrol_checked`.
    Raises ImportRefused when the file as a whole cannot be imported."""
    return enrol_checked(actor, build_preview(cohort, filename, data), expected)


def enrol_checked(actor: User | None, checked: CohortPreview, expected: int | None = None) -> ImportResult:
    """If nothing stops it, enrol the preview's new and known people in one transaction:
    everyone or no one. `expected`: how many people the preview the person confirmed
    said would be enrolled; a different number now means the cohort changed in
    between, and they must look again.

    Raises NotImported (rows in error, cohort full or closed, nobody to enrol, preview
    out of date) or EnrolmentError (refused while enrolling); nothing is written then.
    """
    cohort = checked.cohort
    errors = checked.counts[RowStatus.ERROR]
    if errors:
        raise NotImported(
            f"{plural(errors, 'row has', 'rows have')} errors. Fix the rows in error and upload the file again.",
            checked,
        )
    if checked.blockers:
        raise NotImported(" ".join(checked.blockers), checked)
    rows = checked.rows_to_enrol
    if not rows:
        raise NotImported(
            f"Everyone in the file is already enrolled in {cohort.name}: there is nobody to import.", checked
        )
    if expected is not None and expected != len(rows):
        raise NotImported(
            f"{cohort.name}'s enrolments changed after the preview was made: importing would now enrol "
            f"{plural(len(rows), 'person', 'people')}, not {expected:,}. Check the preview again.",
            checked,
        )
    people = [
        NewPerson(
            email=row.email,
            full_name=row.full_name,
            department_id=row.department_id,
            job_title=row.job_title,
            grade=row.grade,
        )
        for row in rows
    ]
    results = enrol_many(actor, cohort, people)
    return ImportResult(cohort=cohort, results=results, skipped=checked.counts[RowStatus.ALREADY_ENROLLED])
