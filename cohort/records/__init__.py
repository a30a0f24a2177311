"""Participant records, completion certificates and the public certificate check
(docs/rules.md §9.2, §10). Routes use full paths: /enrolments/<id>/record…, /certificates/check."""

from flask import Blueprint

bp = Blueprint("records", __name__, template_folder="templates")

from cohort.records import routes  # noqa: E402,F401
