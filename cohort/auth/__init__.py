from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from cohort.auth import oidc_routes, routes, second_factor_routes, session_routes  # noqa: E402,F401
