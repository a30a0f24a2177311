"""Skills framework, cohort skills and targets, assessments, learning logs and progress pages."""

from flask import Blueprint

bp = Blueprint("skills", __name__, template_folder="templates")

from cohort.skills import assessments, routes  # noqa: E402,F401
