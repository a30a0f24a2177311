"""Completion: the cohort's rule settings, outcomes with reasons, overrides and finishing a
cohort (docs/rules.md §5). Routes use full paths under /cohorts/<slug>/."""

from flask import Blueprint

bp = Blueprint("completion", __name__, template_folder="templates")

from cohort.completion import routes  # noqa: E402,F401
