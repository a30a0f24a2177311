from flask import Blueprint

bp = Blueprint("participants", __name__, template_folder="templates")

from cohort.participants import routes  # noqa: E402,F401
