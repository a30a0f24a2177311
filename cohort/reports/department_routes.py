"""Department outcome reports and the programme overview: pages and downloads (docs/rules.md §9.4, §9.5).

A sponsor sees their own department's report only; another department's answers 404, so its
existence is not confirmed (docs/rules.md §1.3). Admins see every department and the programme overview.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from cohort.auth.access import admin_required, refuse, roles_required
from cohort.extensions import db
from cohort.models import Cohort, Department, Role
from cohort.models.base import utcnow

from . import bp, stored_pdfs
from .department import (
    DepartmentReport,
    department_cohorts,
    department_report,
    department_xlsx,
    display,
    overview,
    overview_xlsx,
    page_context,
)
from .routes import download, pdf_answer, pdf_try_again

MAX_PARAMETER = 100  # longer codes and slugs than any real one: refused before any query


def _plain_parameter(value: str) -> bool:
    # A NUL byte or a very long value is never a code or slug (and PostgreSQL refuses NUL).
    return 0 < len(value) <= MAX_PARAMETER and value.isprintable()


def _department(code: str) -> Department:
    """The department with this code (any case) if the user may see its report, else 404."""
    department = None
    if _plain_parameter(code):
        department = db.session.scalar(select(Department).where(func.lower(Department.code) == code.lower()))
    if department is None:
        refuse(404, f"department {code!r} not found")
    if current_user.role == Role.SPONSOR and current_user.department_id != department.id:
        refuse(404, f"department {department.code} is not the sponsor's")
    return department


def _report(code: str) -> tuple[DepartmentReport, list[Cohort]]:
    department = _department(code)
    cohorts = department_cohorts(department)
    chosen = None
    slug = request.args.get("cohort", "").strip()
    if slug and slug != "all":
        # Only the department's own cohorts can be chosen: matched in Python, so a hostile
        # value never reaches the database.
        chosen = next((c for c in cohorts if c.slug == slug), None) if _plain_parameter(slug) else None
        if chosen is None:
            refuse(404, f"cohort {slug!r} not in department {department.code}'s report")
    return department_report(department, cohorts, utcnow(), chosen), cohorts


@bp.route("/departments/reports")
@roles_required(Role.ADMIN, Role.SPONSOR)
def department_reports():
    """Admins choose a department; a sponsor has one, so goes straight to it."""
    if current_user.role == Role.SPONSOR:
        department = (
            db.session.get(Department, current_user.department_id) if current_user.department_id else None
        )
        if department is None:
            refuse(404, "sponsor has no department")
        return redirect(url_for("reports.department_report", code=department.code))
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template("reports/department_index.html", title="Department outcome reports",
                           departments=departments)  # fmt: skip


@bp.route("/departments/<code>/report", endpoint="department_report")
@roles_required(Role.ADMIN, Role.SPONSOR)
def department_report_page(code: str):
    report, cohorts = _report(code)
    return render_template("reports/department.html", **page_context(report, cohorts),
                           is_admin=current_user.role == Role.ADMIN)  # fmt: skip


@bp.route("/departments/<code>/report.xlsx")
@roles_required(Role.ADMIN, Role.SPONSOR)
def department_report_xlsx(code: str):
    report, _ = _report(code)
    return download(department_xlsx(report), f"{report.filename}.xlsx")


def _pdf(code: str) -> tuple[stored_pdfs.PdfReport, dict]:
    """The PDF asked for, and its address's values (the department's code, any one cohort)."""
    report, cohorts = _report(code)
    values = {"code": report.department.code}
    if report.cohort is not None:
        values["cohort"] = report.cohort.slug
    return stored_pdfs.department_pdf(report, cohorts), values


@bp.route("/departments/<code>/report.pdf")
@roles_required(Role.ADMIN, Role.SPONSOR)
def department_report_pdf(code: str):
    wanted, values = _pdf(code)
    back = url_for("reports.department_report", **values)
    return pdf_answer(wanted, "reports.department_report_pdf", back, **values)


@bp.route("/departments/<code>/report.pdf/try-again", methods=["POST"])
@roles_required(Role.ADMIN, Role.SPONSOR)
def department_report_pdf_again(code: str):
    wanted, values = _pdf(code)
    return pdf_try_again(wanted, "reports.department_report_pdf", **values)


# The programme overview ----------------------------------------------------------------------


def cohort_report_url(slug: str) -> str | None:
    """The cohort completion report's page, if that report is installed."""
    if "reports.cohort_report_page" not in current_app.view_functions:
        return None
    return url_for("reports.cohort_report_page", slug=slug)


def overview_context(at) -> dict:
    """The overview's tables with links, for the /reports page and the admin dashboard."""
    report = overview(at)
    finished = report.finished_cohorts
    cohort_table = display(report.cohort_table(), finished, "Cohort")
    slugs = report.slugs
    cohort_table.links.extend(
        cohort_report_url(slugs[name]) if name in slugs else None for name in report.by_cohort["Cohort"]
    )
    department_table = display(report.department_table())
    department_table.links.extend(
        url_for("reports.department_report", code=code) if code else None
        for code in report.by_department["Department code"]
    )
    return {"overview": report, "overview_cohorts": cohort_table, "overview_departments": department_table}


@bp.route("/reports")
@admin_required
def overview_page():
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template("reports/overview.html", title="Programme overview", departments=departments,
                           **overview_context(utcnow()))  # fmt: skip


@bp.route("/reports/overview.xlsx")
@admin_required
def overview_file():
    at = utcnow()
    return download(overview_xlsx(overview(at)), f"programme-overview-{at:%Y-%m-%d}.xlsx")
