"""Personal data: export (docs/personal-data.md)."""

from flask import Blueprint

bp = Blueprint("privacy_export", __name__, template_folder="templates")

from cohort.privacy.export import routes  # noqa: E402,F401
