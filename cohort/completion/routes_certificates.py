"""A finished cohort's certificates: the list on its outcomes page and one ZIP of them all
(docs/rules.md §10.1). Each PDF is built by the certificate download's own builder."""

from __future__ import annotations

import io
import zipfile

from flask import Response
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from cohort.auth.access import cohort_for, refuse, roles_required
from cohort.extensions import db
from cohort.models import Certificate, Cohort, Enrolment, EnrolmentStatus, Role, User
from cohort.policy import department_scope, is_sponsor

from . import bp


def cohort_certificates(cohort: Cohort, department_id: int | None = None) -> list[Certificate]:
    """The valid certificates of the cohort's completers, by name (one query, whatever the size);
    a sponsor's: their department's people only."""
    query = (
        select(Certificate)
        .join(Certificate.enrolment)
        .join(Enrolment.user)
        .options(contains_eager(Certificate.enrolment).contains_eager(Enrolment.user))
        .where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Certificate.revoked_at.is_(None),
        )
        .order_by(User.full_name, Enrolment.id)
    )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(db.session.scalars(query))


def viewer_department() -> int | None:
    """Sponsors see their own department's people (docs/rules.md §1.2); staff every one."""
    return department_scope(current_user)


@bp.route("/cohorts/<slug>/certificates.zip")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def certificates_zip(slug: str):
    cohort = cohort_for(current_user, slug)
    if not cohort.status.closed:
        refuse(404, f"cohort {cohort.slug} is not finished: no certificates yet")
    if is_sponsor(current_user) and current_user.department_id is None:
        refuse(404, "a sponsor without a department has nobody's certificates")
    certificates = cohort_certificates(cohort, viewer_department())
    if not certificates:
        refuse(404, f"cohort {cohort.slug} has no valid certificates to show")
    # Here: the records pages import the completion package (an import cycle at module level).
    from cohort.records.routes import certificate_document, certificate_filename

    buffer = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            enrolment = certificate.enrolment
            name = certificate_filename(enrolment)
            if name in names:  # two people of the same name
                name = name.removesuffix(".pdf") + f"-{enrolment.id}.pdf"
            names.add(name)
            archive.writestr(name, certificate_document(enrolment, certificate))
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="certificates-{cohort.slug}.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response
