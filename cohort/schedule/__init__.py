from flask import Blueprint

bp = Blueprint("schedule", __name__, template_folder="templates")

from cohort.schedule import routes  # noqa: E402,F401
