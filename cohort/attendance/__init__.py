from flask import Blueprint

bp = Blueprint("attendance", __name__, template_folder="templates")

from cohort.attendance import live, routes  # noqa: E402,F401
