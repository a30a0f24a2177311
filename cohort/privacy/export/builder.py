"""The subject access export's ZIP (docs/personal-data.md §2).

Rows come from ``rows_about`` (cohort/privacy/subject.py); ``records_for`` reduces them to what
the person is entitled to (the rule in docs/personal-data.md §2):
- other people are never named: a reference to another account becomes their role ("A
  facilitator", "A programme manager", "A judge", "Another team member", "Another participant");
- free text anywhere in the export has other people's names and e-mail addresses replaced by
  their role the same way;
- secrets (password hashes, digests, second-factor secrets, calendar keys) are left out;
- a judge's scores and comment on the person's team's submission are included, without the judge.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

SECRET_COLUMNS = {"password_hash", "token", "token_digest", "secret", "code_digest", "in_progress", "content"}
YOU = "You"
ROLE_WORDS = {
    "admin": "A programme manager",
    "facilitator": "A facilitator",
    "sponsor": "A department sponsor",
    "participant": "Another participant",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # as cohort/reports/files.py, without pandas


def safe_text(value: Any) -> Any:
    """docs/decisions/0006: a CSV cell no spreadsheet reads as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


JUDGE_COLUMNS = {"judge_id"}
TEAMMATE_TABLES = {"submissions"}


def role_label(role: str, table: str, column: str) -> str:
    if column in JUDGE_COLUMNS:
        return "A judge"
    if table in TEAMMATE_TABLES and role == "participant":
        return "Another team member"
    return ROLE_WORDS.get(role, "Another person")


def plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return None
    return value


def make_scrubber(own: Iterable[str], others: Mapping[str, str]) -> Callable[[Any], Any]:
    """A function replacing other people's names and e-mails by their role in text (and inside
    JSON values), leaving the person's own name and e-mail alone."""
    own_words = sorted({w for w in own if w}, key=len, reverse=True)
    other_words = {w: label for w, label in others.items() if len(w) >= 3 and w not in own_words}
    if not other_words:
        return lambda value: value
    words = sorted(other_words, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in [*own_words, *words]), re.IGNORECASE)
    lowered = {w.lower(): label for w, label in other_words.items()}

    def replace(match: re.Match[str]) -> str:
        return lowered.get(match.group(0).lower(), match.group(0))

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(replace, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def records_for(
    table: str,
    rows: Iterable[Mapping[str, Any]],
    person_id: int,
    people: Mapping[int, str],
    person_columns: set[str],
    scrub: Callable[[Any], Any],
) -> list[dict[str, Any]]:
    """Rows of one table as the person may see them: ``people`` maps other accounts' ids to
    their role; ``person_columns`` are the columns holding a users.id."""
    out = []
    for row in rows:
        record: dict[str, Any] = {}
        for column, value in row.items():
            if column in SECRET_COLUMNS:
                continue
            if column in person_columns and value is not None and not (table == "users" and column == "id"):
                record[column] = (
                    YOU if value == person_id else role_label(people.get(value, ""), table, column)
                )
                continue
            record[column] = scrub(plain(value))
        out.append(record)
    return out


def to_csv(records: list[dict[str, Any]]) -> bytes:
    """Formula-safe (docs/decisions/0006): text starting = + - @ gets a leading apostrophe."""
    out = io.StringIO()
    columns: list[str] = []
    for record in records:
        columns.extend(c for c in record if c not in columns)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                k: safe_text(json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
                for k, v in record.items()
            }
        )
    return out.getvalue().encode("utf-8-sig")


def readme(
    person_name: str, entries: Mapping[str, tuple[str, str]], counts: Mapping[str, int], pdfs: list[str]
) -> str:
    lines = [
        f"Your data held by Cohort: a copy for {person_name}",
        "",
        "Each kind of record is a JSON file and a CSV copy of it (open the CSV in a spreadsheet).",
        "Other people are not named: where a record mentions someone else, it says their role",
        "instead (for example 'A facilitator' or 'Another team member'). Secrets such as",
        "password hashes are never included.",
        "",
    ]
    for table, (description, purpose) in entries.items():
        lines += [f"{table}.json and {table}.csv ({counts.get(table, 0)} rows)", f"  What: {description}"]
        lines += [f"  Why Cohort holds it: {purpose}", ""]
    if pdfs:
        lines += ["certificates/: your certificates as PDF files:", *[f"  {name}" for name in pdfs], ""]
    return "\r\n".join(lines)


def build_zip(
    records: Mapping[str, list[dict[str, Any]]],
    readme_text: str,
    pdfs: Mapping[str, bytes],
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme_text)
        for table, rows in records.items():
            archive.writestr(f"{table}.json", json.dumps(rows, indent=2, ensure_ascii=False, default=str))
            archive.writestr(f"{table}.csv", to_csv(rows))
        for name, content in pdfs.items():
            archive.writestr(f"certificates/{name}", content)
    return buffer.getvalue()
