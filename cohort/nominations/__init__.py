"""Nominations import: a department's spreadsheet into a cohort (docs/rules.md §8).

Pages (admin only): upload a file, check the preview of every row, confirm.
Command line: `flask import-participants FILE --cohort SLUG [--dry-run]`.
Parsing and row checks are plain functions in cohort.imports; `importer` runs
them against the database and enrols the people, all or none.
"""

from flask import Blueprint

bp = Blueprint("nominations", __name__, template_folder="templates")

from cohort.nominations import routes  # noqa: E402,F401
