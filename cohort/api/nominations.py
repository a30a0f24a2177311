"""Bulk nominations as JSON (docs/api.md, Bulk nominations): the spreadsheet import's own
checks, preview and all-or-nothing (cohort/nominations/importer.py), on rows sent as JSON.

The rows are written out as the CSV a person would upload (the template's columns), then read
and checked by the importer exactly as an uploaded file: the same row numbers (the first person
is row 2), the same problems, the same answer for the same people by page and by API."""

from __future__ import annotations

import csv
import io

from flask_login import current_user
from flask_smorest import Blueprint, abort  # type: ignore[import-untyped]

from cohort.api import core
from cohort.api.cohorts import scoped_cohort
from cohort.api.schemas import BulkNominationsSchema, BulkQuerySchema, BulkResultSchema
from cohort.enrolments.service import EnrolmentError
from cohort.extensions import db
from cohort.imports.reading import ImportRefused
from cohort.nominations.importer import NotImported, build_preview, enrol_checked
from cohort.policy import is_programme_manager

blp = Blueprint("api_nominations", __name__, url_prefix="/api/v1", description="Bulk nominations")

COLUMNS = (
    ("Email address", "email"),
    ("Full name", "full_name"),
    ("Department", "department"),
    ("Job title", "job_title"),
    ("Grade", "grade"),
)


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in COLUMNS])
    for row in rows:
        writer.writerow([row.get(key) or "" for _, key in COLUMNS])
    return out.getvalue().encode()


def _answer(checked, *, dry_run: bool, imported: bool, summary: str, problems: list[str]) -> dict:
    return {
        "dry_run": dry_run,
        "imported": imported,
        "summary": summary,
        "problems": problems,
        "rows": [
            {"row": r.row_number, "email": r.email, "status": r.status.value, "problems": list(r.errors)}
            for r in checked.preview.rows
        ],
    }


@blp.route("/cohorts/<slug>/nominations", methods=["POST"])
@core.operation(blp, "enrolments:write", 400, 401, 403, 404, 409, 422, 429)
@blp.arguments(BulkQuerySchema, location="query")
@blp.arguments(BulkNominationsSchema)
@blp.response(200, BulkResultSchema)
def bulk_nominations(query, data, slug: str):
    """Check, and unless dry_run, enrol every row: everyone or no one. Rows with problems, a full
    or closed cohort, or nobody to enrol answer 409 with the problems row by row; nothing is
    written."""
    if not is_programme_manager(current_user):
        core.refuse(403, "Only programme managers import nominations.", "not a programme manager")
    cohort = scoped_cohort(current_user, slug)
    try:
        checked = build_preview(cohort, "nominations.csv", as_csv(data["rows"]))
    except ImportRefused as refused:
        db.session.rollback()
        raise core.Refusal(422, refused.message) from refused
    if query["dry_run"]:
        db.session.rollback()
        return _answer(
            checked,
            dry_run=True,
            imported=False,
            summary=checked.preview.summary(),
            problems=checked.problem_lines(),
        )
    try:
        result = enrol_checked(current_user, checked)
    except NotImported as refused:
        db.session.rollback()
        abort(409, message=f"Nothing was imported. {refused}", messages={"rows": checked.problem_lines()})
    except EnrolmentError as error:
        raise core.Refusal(409, f"Nothing was imported. {error}.") from error
    return _answer(checked, dry_run=False, imported=True, summary=result.summary(), problems=[])
