"""Skills framework, cohort skills and targets, assessments, learning logs and progress pages."""

from flask import Blueprint

bp = Blueprint("skills", __name__, template_folder="templates")

from cohort.skills import (  # noqa: E402,F401
    assessments,
    routes,
    routes_cohort_skills,
    routes_learning_log,
    routes_progress,
)
