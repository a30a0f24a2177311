"""The cohort completion report: page and downloads (CSV, XLSX, PDF) for the programme manager
and the cohort's facilitators. Sponsors get their department's report (department_routes.py)."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user

from cohort.auth.access import cohort_for, roles_required
from cohort.extensions import db
from cohort.models import Role
from cohort.models.base import utcnow
from cohort.models.reports import PdfState

from . import bp, cohort_report, stored_pdfs

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


# A page waiting for its PDF checks again this often (docs/messages.md, Report PDFs).
CHECK_EVERY_SECONDS = 5


def pdf_answer(wanted: stored_pdfs.PdfReport, endpoint: str, back_url: str, **values) -> Response | tuple:
    """The stored PDF if it is ready; else a page saying it is being prepared (202, checking
    again by itself) or that it could not be made (with "Try again"). `endpoint` and `values`
    name the PDF's own address; ?waiting=1 marks the page's own checks, which offer the
    download on a page rather than start it under a page that still says "preparing"."""
    db.session.commit()  # the figures are read: end the request's transaction (stored_pdfs.py says why)
    found = stored_pdfs.ask_for(wanted)
    waiting = request.args.get("waiting") == "1"
    if found is not None and found.state is PdfState.READY and not waiting:
        body = stored_pdfs.content(found)
        if body is not None:
            return download(body, wanted.filename)
    state = found.state if found is not None else PdfState.BUILDING
    html = render_template(
        "reports/pdf_status.html",
        title={
            "building": "Preparing your PDF",
            "ready": "Your PDF is ready",
            "failed": "Your PDF could not be made",
        }[state.value],  # fmt: skip
        state=state.value,
        wanted=wanted,
        download_url=url_for(endpoint, **values),
        check_url=url_for(endpoint, waiting=1, **values),
        again_url=url_for(f"{endpoint}_again", **values),
        back_url=back_url,
        check_every=CHECK_EVERY_SECONDS,
    )
    response = Response(html, status=202 if state is PdfState.BUILDING else 200)
    response.headers["Cache-Control"] = "no-store"
    if state is PdfState.BUILDING:
        response.headers["Retry-After"] = str(CHECK_EVERY_SECONDS)
    return response


def pdf_try_again(wanted: stored_pdfs.PdfReport, endpoint: str, **values):
    """After "Try again": a new build if the last one failed; either way, back to waiting."""
    # A POST's transaction holds SQLite's write lock from its start (docs/decisions/0002-sqlite-begin-immediate.md):
    # end it before the stored row is written on a connection of its own.
    db.session.commit()
    stored_pdfs.try_again(wanted)
    return redirect(url_for(endpoint, waiting=1, **values))


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


@bp.route("/cohorts/<slug>/report.<any(csv, xlsx):kind>")
@roles_required(Role.ADMIN, Role.FACILITATOR)
def cohort_report_file(slug: str, kind: str):
    cohort = cohort_for(current_user, slug)  # admins any cohort; facilitators those they run
    report = cohort_report.build(cohort, utcnow())
    writer = {"csv": cohort_report.to_csv, "xlsx": cohort_report.to_xlsx}[kind]
    return download(writer(report), f"{cohort.slug}-completion-report.{kind}")


def _cohort_pdf(slug: str) -> stored_pdfs.PdfReport:
    cohort = cohort_for(current_user, slug)  # as the report's page: admins any, facilitators theirs
    return stored_pdfs.cohort_pdf(cohort_report.build(cohort, utcnow()))


@bp.route("/cohorts/<slug>/report.pdf")
@roles_required(Role.ADMIN, Role.FACILITATOR)
def cohort_report_pdf(slug: str):
    back = url_for("reports.cohort_report_page", slug=slug)
    return pdf_answer(_cohort_pdf(slug), "reports.cohort_report_pdf", back, slug=slug)


@bp.route("/cohorts/<slug>/report.pdf/try-again", methods=["POST"])
@roles_required(Role.ADMIN, Role.FACILITATOR)
def cohort_report_pdf_again(slug: str):
    return pdf_try_again(_cohort_pdf(slug), "reports.cohort_report_pdf", slug=slug)
