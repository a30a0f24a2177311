"""Staff search: one box in the header finds people, cohorts, sessions and challenges within
the searcher's scope (docs/rules.md §1.2)."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates")

from cohort.search import routes  # noqa: E402,F401
