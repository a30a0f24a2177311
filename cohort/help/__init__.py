"""Help for first-time users: a page per role, linked from the footer and empty states."""

from flask import Blueprint

bp = Blueprint("help", __name__, template_folder="templates")

from cohort.help import routes  # noqa: E402,F401
