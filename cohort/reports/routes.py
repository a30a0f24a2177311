"""The cohort completion report: page and downloads (CSV, XLSX, PDF) for the programme manager
and the cohort's facilitators. Sponsors get their department's report (department_routes.py)."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from cohort.auth.access import cohort_for, roles_required
from cohort.models import Role
from cohort.models.base import utcnow

from . import bp, cohort_report

MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def download(body: bytes, filename: str) -> Response:
    """A report file as an attachment; never cached (reports hold personal data)."""
    response = Response(body, mimetype=MIME[filename.rsplit(".", 1)[1]])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cohorts/<slug>/report")
@roles_required(Role.ADMIN, Role.FACILITATOR)
def cohort_report_page(slug: str):
    cohort = cohort_for(current_user, slug)  # admins any cohort; facilitators those they run
    report = cohort_report.build(cohort, utcnow())
    return render_template(
        "reports/cohort_report.html",
        title=f"Completion report – {cohort.name}",
        cohort=cohort,
        report=report,
    )


@bp.route("/cohorts/<slug>/report.<any(csv, xlsx, pdf):kind>")
@roles_required(Role.ADMIN, Role.FACILITATOR)
def cohort_report_file(slug: str, kind: str):
    cohort = cohort_for(current_user, slug)  # admins any cohort; facilitators those they run
    report = cohort_report.build(cohort, utcnow())
    writer = {"csv": cohort_report.to_csv, "xlsx": cohort_report.to_xlsx, "pdf": cohort_report.to_pdf}[kind]
    return download(writer(report), f"{cohort.slug}-completion-report.{kind}")
