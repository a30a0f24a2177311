"""Issuing and revoking completion certificates (docs/rules.md §10.1, §10.3), audited, idempotent.

Called inside the completion service's transactions (finishing a cohort, correcting an
outcome) and never commits itself: the certificate changes with the outcome or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cohort.core import audit
from cohort.extensions import db
from cohort.models import Cohort, Enrolment, EnrolmentStatus, User
from cohort.models.certificate import Certificate

from .codes import display, new_code, normalise

REVOKED_ON_CORRECTION = "The outcome was corrected to not completed"


def certificate_of(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate, valid or revoked (one query)."""
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate if it completed and the certificate stands."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        return None
    found = certificate_of(enrolment)
    return found if found is not None and found.valid else None


def _unused_code() -> str:
    """A fresh code. With 2^60 codes a clash is all but impossible; it is checked all the same,
    and the unique constraint has the last word."""
    while True:
        code = new_code()
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def issue(actor: User | None, enrolment: Enrolment, at: datetime) -> Certificate:
    """Give a completed enrolment its certificate. Idempotent: a valid certificate is returned
    as it is; a revoked one is re-issued with a new code (the old code stays dead)."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise ValueError("Only a completed enrolment gets a certificate")
    found = certificate_of(enrolment)
    if found is not None and found.valid:
        return found
    code = _unused_code()
    name, cohort = enrolment.user.full_name, enrolment.cohort.name
    if found is None:
        found = Certificate(enrolment_id=enrolment.id, code=code, issued_at=at)
        db.session.add(found)
        before, action, summary = None, "issue certificate", f"Issued a certificate to {name} for {cohort}"
    else:
        before = {
            "code": display(found.code),
            "revoked_at": found.revoked_at.isoformat() if found.revoked_at else None,
            "revoked_reason": found.revoked_reason,
        }
        found.code, found.issued_at, found.revoked_at, found.revoked_reason = code, at, None, None
        action, summary = (
            "reissue certificate",
            f"Re-issued the certificate of {name} for {cohort} with a new code",
        )
    db.session.flush()
    audit.record(
        actor,
        action,
        found,
        summary,
        before=before,
        after={"code": display(code), "revoked_at": None, "revoked_reason": None},
    )
    from cohort.completion.messages import certificate_issued  # here: it imports the completion queries

    certificate_issued(found, enrolment, reissued=before is not None)  # in this transaction, once
    return found


def revoke(actor: User | None, enrolment: Enrolment, reason: str, at: datetime) -> Certificate | None:
    """Revoke the enrolment's certificate with a reason; the record is kept. Idempotent: nothing
    to revoke (none, or already revoked) returns None."""
    reason = (reason or "").strip() or REVOKED_ON_CORRECTION
    found = certificate_of(enrolment)
    if found is None or not found.valid:
        return None
    found.revoked_at, found.revoked_reason = at, reason
    audit.record(
        actor,
        "revoke certificate",
        found,
        f"Revoked the certificate of {enrolment.user.full_name} for {enrolment.cohort.name}: {reason}",
        before={"revoked_at": None, "revoked_reason": None},
        after={"revoked_at": at.isoformat(), "revoked_reason": reason},
    )
    return found


def issue_certificates(actor: User | None, cohort: Cohort, at: datetime) -> int:
    """Certificates for every completed enrolment of a (just) finished cohort; returns how many
    were new. Two queries whatever the cohort's size, plus one per certificate issued."""
    completed = db.session.scalars(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.COMPLETED
        )
    ).all()
    have = set(
        db.session.scalars(
            select(Certificate.enrolment_id).where(
                Certificate.enrolment_id.in_([e.id for e in completed]), Certificate.revoked_at.is_(None)
            )
        )
    )
    issued = 0
    for enrolment in completed:
        if enrolment.id not in have:
            issue(actor, enrolment, at)
            issued += 1
    return issued


def follow_outcome(actor: User | None, enrolment: Enrolment, at: datetime, reason: str) -> None:
    """After a correction of a recorded outcome: completed gets (or keeps) its certificate, not
    completed loses it, with the correction's reason."""
    if enrolment.status == EnrolmentStatus.COMPLETED:
        issue(actor, enrolment, at)
    else:
        revoke(actor, enrolment, f"{REVOKED_ON_CORRECTION}: {reason}", at)


def find_valid(typed: str) -> Certificate | None:
    """The valid certificate with this typed code, or None (unknown and revoked alike).
    Raises CodeError for input that cannot be a code."""
    code = normalise(typed)
    found = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if found is None or not found.valid or found.enrolment.status != EnrolmentStatus.COMPLETED:
        return None
    return found


__all__ = [
    "certificate_of",
    "demo_certificate",
    "find_valid",
    "follow_outcome",
    "issue",
    "issue_certificates",
    "revoke",
    "valid_certificate",
]


def demo_certificate() -> Certificate | None:
    """The first valid certificate issued, for `flask seed-demo` to show one to check."""
    return db.session.scalar(
        select(Certificate).where(Certificate.revoked_at.is_(None)).order_by(Certificate.id).limit(1)
    )
