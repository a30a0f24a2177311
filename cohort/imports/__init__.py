"""Spreadsheet imports (docs/rules.md §8): plain functions over bytes and plain values,
with no Flask and no database, so they can be tested without a request.

    table = read_table(filename, data)            # or ImportRefused
    preview = validate_nominations(table, departments, known_people, enrolled_emails)
    preview.rows, preview.counts, preview.ok, preview.problem_lines()
"""

from cohort.imports.nominations import (
    DepartmentRecord,
    Field,
    HeaderMatch,
    KnownPerson,
    Preview,
    PreviewRow,
    RowStatus,
    match_headers,
    preview_nominations,
    validate_nominations,
)
from cohort.imports.reading import ImportRefused, Table, TableRow, read_table
from cohort.text import invisible_characters

__all__ = [
    "DepartmentRecord",
    "Field",
    "HeaderMatch",
    "ImportRefused",
    "KnownPerson",
    "Preview",
    "PreviewRow",
    "RowStatus",
    "Table",
    "TableRow",
    "invisible_characters",
    "match_headers",
    "preview_nominations",
    "read_table",
    "validate_nominations",
]
