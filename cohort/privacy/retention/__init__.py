"""Personal data: retention (docs/personal-data.md)."""

from flask import Blueprint

bp = Blueprint("privacy_retention", __name__, template_folder="templates")

from cohort.privacy.retention import routes  # noqa: E402,F401
