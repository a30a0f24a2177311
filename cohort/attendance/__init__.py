from flask import Blueprint

bp = Blueprint("attendance", __name__, template_folder="templates")

from cohort.attendance import routes  # noqa: E402,F401
