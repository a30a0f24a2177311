from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from cohort.auth import routes, session_routes  # noqa: E402,F401
