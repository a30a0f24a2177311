"""The JSON API under /api/v1 and the pages for personal access tokens (docs/api.md)."""

from __future__ import annotations

from flask import Flask


def init_api(app: Flask) -> None:
    from cohort.api.reference import bp as reference_bp
    from cohort.api.token_pages import bp as token_pages_bp

    app.register_blueprint(token_pages_bp)  # full paths: /account/api-tokens…, /admin/users/<id>/api-tokens/…
    app.register_blueprint(reference_bp)  # /api-reference, for signed-in staff


def init_json_api(app: Flask) -> None:
    """The API under /api/v1, after cohort.errors: its errors are problem details."""
    from cohort.api import core
    from cohort.api.assessments import blp as assessments_blp
    from cohort.api.attendance import blp as attendance_blp
    from cohort.api.certificates import blp as certificates_blp
    from cohort.api.cohorts import blp as cohorts_blp
    from cohort.api.enrolments import blp as enrolments_blp
    from cohort.api.nominations import blp as nominations_blp
    from cohort.api.people import blp as people_blp
    from cohort.api.reports import blp as reports_blp
    from cohort.extensions import csrf

    core.configure(app)
    core.api.init_app(app)
    for blp in (
        cohorts_blp,
        people_blp,
        enrolments_blp,
        nominations_blp,
        attendance_blp,
        certificates_blp,
        assessments_blp,
        reports_blp,
    ):
        core.api.register_blueprint(blp)
        csrf.exempt(blp)  # bearer tokens only, never the session cookie: no CSRF risk
    core.init_problems(app)
