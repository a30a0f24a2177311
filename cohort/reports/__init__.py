"""Reports (docs/rules.md §9; docs/architecture.md §10): the cohort completion report,
department outcome reports, the programme overview, participant records and certificates.

Figures come from `data.py` (one query per table, whatever the number of participants), are laid
out as pandas tables by `tables.py`, and written as CSV, XLSX and PDF by `files.py`. Routes use full
paths (/cohorts/<slug>/report…, /departments/<code>/report…, /certificates/…)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates")

from cohort.reports import department_routes, routes  # noqa: E402,F401
