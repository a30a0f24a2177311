"""Participant records (HTML and PDF), certificates (PDF) and the public certificate check."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from cohort.auth.access import refuse
from cohort.cohorts.service import slugify
from cohort.extensions import db, limiter
from cohort.models import Certificate, Enrolment
from cohort.models.base import utcnow
from cohort.policy import may_see_enrolment
from cohort.privacy.erasure.service import certificate_erased
from cohort.reports.pdf import render_pdf
from cohort.reports.routes import download
from cohort.text import invisible_characters

from . import bp
from .codes import MAX_INPUT, CodeError, display
from .forms import CheckForm
from .queries import completion_date, record_of
from .service import find_valid, valid_certificate

CHECK_LIMIT = "30 per minute"  # per address: with 2^60 codes, guessing gets nowhere at this rate


def _visible_enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment if the signed-in user may see its record; else 404, whether or not it exists."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not may_see_enrolment(current_user, enrolment):
        refuse(404, f"record of enrolment {enrolment_id} not visible")
    return enrolment


def _filename(kind: str, enrolment: Enrolment) -> str:
    # ASCII only, so the header needs no encoding: "record-pilot-cohort-zoe-obrien-ni-bhriain.pdf".
    name = slugify(enrolment.user.full_name.replace("'", "").replace("’", ""))
    return f"{kind}-{enrolment.cohort.slug}-{name}.pdf"


def check_address(code: str | None = None) -> str:
    """The public check page's address, with the code when given (printed on certificates)."""
    return url_for("records.check", code=display(code) if code else None, _external=True)


@bp.route("/enrolments/<id:enrolment_id>/record")
@login_required
def record(enrolment_id: int):
    enrolment = _visible_enrolment(enrolment_id)
    data = record_of(enrolment, utcnow())
    own = enrolment.user_id == current_user.id
    return render_template(
        "records/record.html",
        title=f"Record – {enrolment.user.full_name} – {enrolment.cohort.name}"
        if not own
        else f"Your record – {enrolment.cohort.name}",
        enrolment=enrolment,
        record=data,
        own=own,
        check_url=check_address(),
    )


@bp.route("/enrolments/<id:enrolment_id>/record.pdf")
@login_required
def record_pdf(enrolment_id: int):
    enrolment = _visible_enrolment(enrolment_id)
    data = record_of(enrolment, utcnow())
    title = f"Participant record – {enrolment.user.full_name} – {enrolment.cohort.name}"
    content = render_pdf(
        "records/record_print.html",
        title=title,
        footer=f"{enrolment.user.full_name} – {enrolment.cohort.name} – printed {data.at:%d %B %Y}",
        enrolment=enrolment,
        record=data,
    )
    return download(content, _filename("record", enrolment))


@bp.route("/enrolments/<id:enrolment_id>/certificate.pdf")
@login_required
def certificate_pdf(enrolment_id: int):
    enrolment = _visible_enrolment(enrolment_id)
    certificate = valid_certificate(enrolment)
    if certificate is None:
        refuse(404, f"enrolment {enrolment_id} has no valid certificate")
    return download(certificate_document(enrolment, certificate), certificate_filename(enrolment))


def certificate_filename(enrolment: Enrolment) -> str:
    return _filename("certificate", enrolment)


def certificate_document(enrolment: Enrolment, certificate: Certificate) -> bytes:
    """The certificate's PDF (docs/rules.md §10.1): one builder for the download and the ZIP of a
    cohort's certificates (cohort.completion.routes_certificates)."""
    return render_pdf(
        "records/certificate_print.html",
        title=f"Certificate – {enrolment.user.full_name} – {enrolment.cohort.name}",
        footer=f"Verification code {certificate.display_code}",
        orientation="landscape",
        enrolment=enrolment,
        certificate=certificate,
        completed_on=completion_date(enrolment),
        check_url=check_address(),
        check_url_with_code=check_address(certificate.code),
    )


def _lookups_only() -> bool:
    """Only a lookup counts towards the rate limit, not the empty form."""
    return "code" not in request.args


@bp.route("/certificates/check")
@limiter.limit(CHECK_LIMIT, exempt_when=_lookups_only)
def check():
    """Public: anyone holding a certificate can check that it is genuine. Shows only the name,
    the cohort and the completion date; an unknown and a revoked code get the same answer."""
    form = CheckForm(request.args)
    found, looked_up, status, erased = None, False, 200, False
    if "code" in request.args:
        typed = request.args.get("code", "")
        try:
            found = find_valid(typed)
            looked_up = True
            erased = found is None and certificate_erased(typed)  # docs/personal-data.md §4
        except CodeError as error:
            form.code.errors = [str(error)]
            status = 400
            if len(typed) > MAX_INPUT or invisible_characters(typed):
                form.code.data = ""  # do not echo back what cannot be shown
    return render_template(
        "records/check.html",
        title="Check a certificate",
        form=form,
        found=found,
        looked_up=looked_up,
        erased=erased,
        completed_on=completion_date(found.enrolment) if found else None,
    ), status
