"""Personal data: erasure (docs/personal-data.md)."""

from flask import Blueprint

bp = Blueprint("privacy_erasure", __name__, template_folder="templates")

from cohort.privacy.erasure import routes  # noqa: E402,F401
