"""The person's certificates as PDFs for the export (docs/personal-data.md §2), printed with the
same template and printer as the certificate download (cohort/records/routes.py), but with
addresses from SERVICE_URL, because the export is built by a job with no request."""

from __future__ import annotations

import re

from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Certificate, Enrolment, User
from cohort.records.codes import display
from cohort.records.queries import completion_date


def _filename(enrolment: Enrolment) -> str:
    return "certificate-" + re.sub(r"[^a-z0-9]+", "-", enrolment.cohort.name.lower()).strip("-") + ".pdf"


def certificate_pdfs(user: User) -> dict[str, bytes]:
    """File name → PDF for each certificate the person holds (revoked ones are not certificates)."""
    from cohort.messages.links import service_url
    from cohort.reports.pdf import render_pdf

    pdfs: dict[str, bytes] = {}
    rows = db.session.execute(
        select(Certificate, Enrolment)
        .join(Enrolment, Certificate.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == user.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id)
    ).all()
    for certificate, enrolment in rows:
        name = _filename(enrolment)
        if name in pdfs:
            name = name.removesuffix(".pdf") + f"-{certificate.id}.pdf"
        pdfs[name] = render_pdf(
            "records/certificate_print.html",
            title=f"Certificate – {enrolment.user.full_name} – {enrolment.cohort.name}",
            footer=f"Verification code {certificate.display_code}",
            orientation="landscape",
            enrolment=enrolment,
            certificate=certificate,
            completed_on=completion_date(enrolment),
            check_url=service_url("records.check"),
            check_url_with_code=service_url("records.check", code=display(certificate.code)),
        )
    return pdfs
