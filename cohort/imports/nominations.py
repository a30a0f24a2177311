"""Nomination rows → a preview of what an import would do (docs/rules.md §8.2–§8.5).

Plain functions over plain values: no Flask, no database. The caller passes
the departments, the people who already have accounts and the emails already
enrolled in the target cohort; `validate_nominations` classifies every row as
new / known / already enrolled / error, with plain-English reasons naming the
row number the spreadsheet shows (header = row 1).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from cohort.imports.reading import ImportRefused, Table, column_letter, read_table
from cohort.text import describe_character, first_invisible_character, plural, shown

MAX_NAME = 120
MAX_JOB_TITLE = 120
MAX_GRADE = 40


class Field(enum.StrEnum):
    EMAIL = "email"
    FULL_NAME = "full_name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    DEPARTMENT = "department"
    JOB_TITLE = "job_title"
    GRADE = "grade"

    @property
    def label(self) -> str:
        return _FIELD_LABELS[self]


_FIELD_LABELS = {
    Field.EMAIL: "email address",
    Field.FULL_NAME: "full name",
    Field.FIRST_NAME: "first name",
    Field.LAST_NAME: "last name",
    Field.DEPARTMENT: "department",
    Field.JOB_TITLE: "job title",
    Field.GRADE: "grade",
}

# Header variants, compared after `_header_key` (lower case, letters and digits only).
HEADER_VARIANTS: dict[Field, tuple[str, ...]] = {
    Field.EMAIL: ("Email", "Email address", "E-mail", "E-mail address", "Work email", "Work email address"),
    Field.FIRST_NAME: ("First name", "Given name", "Forename", "First names", "Given names", "Forenames"),
    Field.LAST_NAME: ("Last name", "Surname", "Family name"),
    Field.FULL_NAME: ("Full name", "Name"),
    Field.DEPARTMENT: ("Department", "Organisation", "Organization", "Dept"),
    Field.JOB_TITLE: ("Job title",),
    Field.GRADE: ("Grade",),
}


def _header_key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


_HEADER_LOOKUP = {_header_key(v): f for f, variants in HEADER_VARIANTS.items() for v in variants}


# Records passed in by the caller ------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepartmentRecord:
    id: int
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KnownPerson:
    user_id: int
    full_name: str
    role: str  # "admin", "facilitator", "participant", "sponsor" (Role is a StrEnum, so Role values work)


_ROLE_NAMES = {
    "admin": "a programme manager",
    "facilitator": "a facilitator",
    "sponsor": "a department sponsor",
}


# Header matching ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    header: tuple[str, ...]
    columns: dict[Field, int]  # field → index into each row's cells
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def column_name(self, f: Field) -> str:
        """The heading of `f`'s column as typed, safe to quote in a message."""
        return shown(self.header[self.columns[f]].strip(), 40)


def match_headers(header: Sequence[str]) -> HeaderMatch:
    """Find the nominations columns in a header row. Matching ignores case, spaces and
    punctuation ("E-mail address" = "email address"). Problems: a required column
    missing, or two columns for the same thing."""
    header = tuple(header)
    found: dict[Field, list[int]] = {}
    for index, text in enumerate(header):
        f = _HEADER_LOOKUP.get(_header_key(text))
        if f is not None:
            found.setdefault(f, []).append(index)

    problems = []
    for f, indexes in found.items():
        if len(indexes) > 1:
            listed = " and ".join(
                f"'{shown(header[i].strip())}' (column {column_letter(i)})" for i in indexes
            )
            problems.append(
                f"There is more than one {f.label} column: {listed}. "
                "Keep one of them and delete or rename the others."
            )

    missing = []
    if Field.EMAIL not in found:
        missing.append("an email address")
    has_full = Field.FULL_NAME in found
    if not has_full and not (Field.FIRST_NAME in found and Field.LAST_NAME in found):
        if Field.FIRST_NAME in found:
            missing.append("a last name (or one 'Full name' column)")
        elif Field.LAST_NAME in found:
            missing.append("a first name (or one 'Full name' column)")
        else:
            missing.append("a name ('Full name', or 'First name' and 'Last name')")
    if Field.DEPARTMENT not in found:
        missing.append("a department")
    if missing:
        headings = [f"'{shown(h.strip(), 40)}'" for h in header if h.strip()]
        if len(headings) > 20:
            headings = [*headings[:20], "…"]
        seen = ", ".join(headings) if headings else "no headings at all"
        what = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
        problems.insert(
            0,
            f"The header row has no column for {what}. The headings found were: {seen}. "
            "Use headings such as Email, First name, Last name (or Full name), Department, "
            "and optionally Job title and Grade.",
        )
    return HeaderMatch(
        header=header,
        columns={f: indexes[0] for f, indexes in found.items()},
        problems=tuple(problems),
    )


# Rows ---------------------------------------------------------------------------


class RowStatus(enum.StrEnum):
    NEW = "new"  # no account yet: one will be created
    KNOWN = "known"  # a participant account exists, not yet in this cohort
    ALREADY_ENROLLED = "already_enrolled"  # in this cohort already: left as it is
    ERROR = "error"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    RowStatus.NEW: "New person",
    RowStatus.KNOWN: "Already known",
    RowStatus.ALREADY_ENROLLED: "Already enrolled",
    RowStatus.ERROR: "Error",
}


@dataclass(slots=True)
class PreviewRow:
    row_number: int
    status: RowStatus
    email: str  # normalised and lower-cased when valid; otherwise as typed (trimmed)
    full_name: str
    department: DepartmentRecord | None
    job_title: str | None
    grade: str | None
    user_id: int | None = None  # the existing account, for known / already enrolled
    account_name: str | None = None  # that account's name, which may differ from the file's
    errors: list[str] = field(default_factory=list)  # reasons, without the "Row n: " prefix

    @property
    def department_id(self) -> int | None:
        return self.department.id if self.department else None

    def problem_lines(self) -> list[str]:
        return [f"Row {self.row_number}: {reason}" for reason in self.errors]


@dataclass(slots=True)
class Preview:
    rows: list[PreviewRow]
    columns: HeaderMatch

    @property
    def counts(self) -> dict[RowStatus, int]:
        counts = dict.fromkeys(RowStatus, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return all(row.status is not RowStatus.ERROR for row in self.rows)

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.status is RowStatus.ERROR]

    @property
    def rows_to_enrol(self) -> list[PreviewRow]:
        """New and known people: what a confirmed import enrols."""
        return [row for row in self.rows if row.status in (RowStatus.NEW, RowStatus.KNOWN)]

    def problem_lines(self) -> list[str]:
        """One line per problem, "Row 7: …", in row order: what the CLI prints."""
        return [line for row in self.rows for line in row.problem_lines()]

    def summary(self) -> str:
        """ "12 rows: 8 new, 2 already known, 1 already enrolled, 1 with errors"."""
        c = self.counts
        return (
            f"{plural(len(self.rows), 'row')}: {c[RowStatus.NEW]:,} new, {c[RowStatus.KNOWN]:,} already known, "
            f"{c[RowStatus.ALREADY_ENROLLED]:,} already enrolled, {c[RowStatus.ERROR]:,} with errors"
        )


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def department_index(departments: Iterable[DepartmentRecord]) -> dict[str, DepartmentRecord]:
    """Lookup by code, name or alias, ignoring case and extra spaces. Codes win over
    names, and names over aliases, should one department's alias be another's code."""
    departments = list(departments)
    index: dict[str, DepartmentRecord] = {}
    for attribute in ("aliases", "name", "code"):
        for department in departments:
            values = getattr(department, attribute)
            for value in [values] if isinstance(values, str) else values:
                if value and value.strip():
                    index[_key(value)] = department
    return index


def _length_problem(label: str, value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"the {label} is {len(value):,} characters long; the most allowed is {limit}"
    return None


def validate_nominations(
    table: Table,
    departments: Sequence[DepartmentRecord],
    known_people: Mapping[str, KnownPerson],
    enrolled_emails: Collection[str],
) -> Preview:
    """Check every row and say what importing it would do.

    `known_people` maps lower-cased email → KnownPerson for accounts that exist;
    `enrolled_emails` holds the lower-cased emails already enrolled in the target
    cohort. Raises ImportRefused when the header row lacks a required column.
    Blank rows were dropped by `read_table`; each remaining row becomes one PreviewRow.
    """
    columns = match_headers(table.header)
    if not columns.ok:
        raise ImportRefused(*columns.problems)

    by_key = department_index(departments)
    example = departments[0].code if departments else None
    first_row_for_email: dict[str, int] = {}
    names = {f: columns.column_name(f) for f in columns.columns}

    rows = []
    for table_row in table.rows:
        errors: list[str] = []
        values: dict[Field, str] = {}
        refused: set[Field] = set()  # reported once for its hidden character, not also as missing
        for f, index in columns.columns.items():
            value, problem = _cell_value(table_row.cell(index), names[f])
            values[f] = value
            if problem:
                errors.append(problem)
                refused.add(f)

        email = values.get(Field.EMAIL, "")
        email_ok = False
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                errors.append(f"'{shown(email)}' is not a valid email address ({error})")
            else:
                email_ok = True
                earlier = first_row_for_email.setdefault(email, table_row.number)
                if earlier != table_row.number:
                    errors.append(f"the email address {email} is also on row {earlier}")
        elif Field.EMAIL not in refused:
            errors.append("the email address is missing")

        full_name = values.get(Field.FULL_NAME) or " ".join(
            part for part in (values.get(Field.FIRST_NAME), values.get(Field.LAST_NAME)) if part
        )
        if not full_name:
            if not refused & {Field.FULL_NAME, Field.FIRST_NAME, Field.LAST_NAME}:
                errors.append("the name is missing")
        elif problem := _length_problem("name", full_name, MAX_NAME):
            errors.append(problem)

        department = None
        if typed := values.get(Field.DEPARTMENT, ""):
            department = by_key.get(_key(typed))
            if department is None:
                hint = f"use a code such as {example}, a name or an alias" if example else "add it first"
                errors.append(f"department '{shown(typed)}' is not one we know — {hint}")
        elif Field.DEPARTMENT not in refused:
            errors.append("the department is missing")

        job_title = values.get(Field.JOB_TITLE, "")
        grade = values.get(Field.GRADE, "")
        if problem := _length_problem("job title", job_title, MAX_JOB_TITLE):
            errors.append(problem)
        if problem := _length_problem("grade", grade, MAX_GRADE):
            errors.append(problem)

        person = known_people.get(email) if email_ok else None
        if person is not None and str(person.role) != "participant":
            who = _ROLE_NAMES.get(str(person.role), f"a {person.role}")
            errors.append(f"{email} belongs to {who}'s account; only participants can be enrolled")

        if errors:
            status = RowStatus.ERROR
        elif email in enrolled_emails:
            status = RowStatus.ALREADY_ENROLLED
        elif person is not None:
            status = RowStatus.KNOWN
        else:
            status = RowStatus.NEW
        rows.append(
            PreviewRow(
                row_number=table_row.number,
                status=status,
                email=email,
                full_name=full_name,
                department=department,
                job_title=job_title or None,
                grade=grade or None,
                user_id=person.user_id if person else None,
                account_name=person.full_name if person else None,
                errors=errors,
            )
        )
    return Preview(rows=rows, columns=columns)


def _cell_value(raw: str, column: str) -> tuple[str, str | None]:
    """A cell's text, trimmed and NFC-normalised, or ("", reason) when it holds a hidden
    or control character or a line break. The text is otherwise kept as typed: a cell
    beginning with = + - @ is data, never a formula; "NA", "None", "007" stay so."""
    ch = first_invisible_character(raw)
    if ch is not None:
        return "", (
            f"{column} contains a hidden or control character ({describe_character(ch)}); "
            "retype the value without it"
        )
    value = raw.strip()
    if any(c in value for c in "\t\r\n"):
        return "", f"{column} contains a line break or tab; put the value on one line"
    return (unicodedata.normalize("NFC", value) if not value.isascii() else value), None


def preview_nominations(
    filename: str,
    data: bytes,
    departments: Sequence[DepartmentRecord],
    known_people: Mapping[str, KnownPerson],
    enrolled_emails: Collection[str],
) -> Preview:
    """`read_table` then `validate_nominations`: raises ImportRefused for a file that
    cannot be read at all, returns the preview otherwise."""
    return validate_nominations(read_table(filename, data), departments, known_people, enrolled_emails)
