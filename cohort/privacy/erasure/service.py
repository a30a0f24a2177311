"""Erasing a person's personal data (docs/personal-data.md §4).

`erase_person` replaces or removes everything that identifies the person and keeps what the
department and programme figures count (enrolments' status, dates and outcome, attendance
marks, assessment levels, learning-log dates and hours) as anonymous rows. It locks the
person's row first and commits once: two erasures of the same person sent at once end as one,
the other told it is already done. Audit events keep their ids, times and actions; personal
values in them are replaced through `allow_audit_rewrite` (docs/decisions/0005).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from cohort.audit_guard import allow_audit_rewrite
from cohort.concurrency import lock
from cohort.core import audit
from cohort.core.errors import ServiceError
from cohort.domain.cohort_stage import cohort_stage
from cohort.extensions import db
from cohort.models import (
    Assessment,
    AttendanceMark,
    AuditEvent,
    CatchUp,
    Certificate,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LearningLogComment,
    LearningLogEntry,
    OutcomeOverride,
    Role,
    Session,
    Submission,
    TeamMember,
    User,
)
from cohort.models.base import utcnow
from cohort.models.erasures import Erasure
from cohort.privacy.erasure import scrub

REASON_MAX = 500
TOMBSTONE_DOMAIN = "erased.invalid"  # .invalid is reserved and never resolves (RFC 2606)


class ErasureRefused(ServiceError):
    """An erasure that cannot be done now, with what to do first. `cohort` is set when the person
    must first be withdrawn from it."""

    def __init__(self, message: str, field: str | None = None, cohort: Cohort | None = None):
        super().__init__(message, field)
        self.cohort = cohort


@dataclass
class ErasureResult:
    user_id: int
    reference: str
    counts: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0
    needles: scrub.Needles | None = field(default=None, repr=False)


def reference(user: User) -> str:
    """The stable short reference shown instead of the name: "#E-42"."""
    return f"#E-{user.id}"


def tombstone_email(user: User) -> str:
    return f"erased-{user.id}@{TOMBSTONE_DOMAIN}"


def is_erased(user: User) -> bool:
    return erasure_of(user) is not None


def erasure_of(user: User) -> Erasure | None:
    return db.session.scalar(select(Erasure).where(Erasure.user_id == user.id))


def running_enrolments(user: User) -> list[Enrolment]:
    """The person's places in cohorts not yet finished: they must be withdrawn first."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(Cohort.start_date)
    ).all()
    now = utcnow()
    open_ones = []
    for enrolment in enrolments:
        c = enrolment.cohort
        ends = db.session.scalars(
            select(Session.ends_at).where(Session.cohort_id == c.id, Session.cancelled_at.is_(None))
        ).all()
        if not cohort_stage(c.status.value, c.start_date, c.end_date, ends, now).closed:
            open_ones.append(enrolment)
    return open_ones


def refusal(user: User, actor: User | None) -> ErasureRefused | None:
    """Why this erasure cannot be done now, or None."""
    if is_erased(user):
        return ErasureRefused("This person's personal data has already been erased")
    if actor is not None and actor.id == user.id:
        return ErasureRefused(
            "You cannot erase your own personal data. Another programme manager would have to"
        )
    if user.role == Role.ADMIN and user.is_active_account:
        others = db.session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.is_active_account.is_(True), User.id != user.id
            )
        )
        if not others:
            return ErasureRefused("This is the last active programme manager: add another one first")
    running = running_enrolments(user)
    if running:
        cohort = running[0].cohort
        return ErasureRefused(f"Withdraw them from {cohort.name} first", cohort=cohort)
    return None


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ErasureRefused("Enter the reason for erasing this person's personal data", "reason")
    if len(text) > REASON_MAX:
        raise ErasureRefused(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    return text


def counts_before(user: User) -> dict[str, int]:
    """What an erasure would change, for the confirmation page."""
    enrolment_ids = select(Enrolment.id).where(Enrolment.user_id == user.id)

    def count(model: type, condition: Any) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0)

    entries = select(LearningLogEntry.id).where(LearningLogEntry.enrolment_id.in_(enrolment_ids))
    teams = select(TeamMember.team_id).where(TeamMember.enrolment_id.in_(enrolment_ids))
    return {
        "enrolments": count(Enrolment, Enrolment.id.in_(enrolment_ids)),
        "attendance_marks": count(AttendanceMark, AttendanceMark.enrolment_id.in_(enrolment_ids)),
        "catch_ups": count(CatchUp, CatchUp.enrolment_id.in_(enrolment_ids)),
        "assessments": count(Assessment, Assessment.enrolment_id.in_(enrolment_ids)),
        "learning_log_entries": count(LearningLogEntry, LearningLogEntry.enrolment_id.in_(enrolment_ids)),
        "learning_log_comments": count(LearningLogComment, LearningLogComment.entry_id.in_(entries)),
        "submissions": count(Submission, Submission.team_id.in_(teams)),
        "certificates": count(Certificate, Certificate.enrolment_id.in_(enrolment_ids)),
        "outcome_overrides": count(OutcomeOverride, OutcomeOverride.enrolment_id.in_(enrolment_ids)),
    }


def erase_person(user: User, *, reason: str, actor: User | None) -> ErasureResult:
    """Erase the person's personal data (docs/personal-data.md §4); commits, or raises
    ErasureRefused and writes nothing."""
    text = _clean_reason(reason)
    user_id = user.id
    try:
        result = _erase(user, text, actor)
        db.session.commit()
    except (IntegrityError, OperationalError):
        # Another erasure of the same person committed first (the unique user id of erasures).
        db.session.rollback()
        if db.session.scalar(select(Erasure.id).where(Erasure.user_id == user_id)) is not None:
            raise ErasureRefused("This person's personal data has already been erased") from None
        raise
    except Exception:
        db.session.rollback()
        raise
    if result.needles is not None:
        result.files_removed = _remove_files(result.needles)
    result.needles = None
    return result


def _erase(user: User, reason: str, actor: User | None) -> ErasureResult:
    lock(user)
    refused = refusal(user, actor)
    if refused is not None:
        db.session.rollback()
        raise refused
    erasure = Erasure(user_id=user.id, reason=reason, erased_by_id=actor.id if actor else None, counts={})
    db.session.add(erasure)
    db.session.flush()  # the unique user id: a second erasure stops here

    needles = scrub.Needles(user.full_name, user.email)
    needles.add(user.job_title)
    email = user.email
    enrolment_ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.user_id == user.id)))
    own = _own_records(user, enrolment_ids)

    counts: dict[str, int] = {}
    counts.update(scrub.scrub_enrolments(enrolment_ids, needles))
    counts.update(scrub.remove_sign_in_records(user, email))
    user.full_name = f"{scrub.ERASED_NAME} {reference(user)}"
    user.email = tombstone_email(user)
    user.job_title = None
    user.password_hash = None
    user.is_active_account = False
    counts["users"] = 1
    counts["messages"] = scrub.scrub_messages(user, needles, tombstone_email(user))
    counts["job_runs"] = scrub.scrub_job_runs(needles)
    counts["other_texts"] = scrub.scrub_other_texts(needles)
    counts["report_pdfs"] = scrub.remove_report_pdfs()
    db.session.flush()

    rewrites = list(scrub.audit_rewrites(own, needles))
    counts["audit_events"] = len(rewrites)
    if rewrites:
        with allow_audit_rewrite(
            f"Erasure of user {user.id}: personal values replaced in {len(rewrites)} events", actor=actor
        ) as connection:
            for event_id, values in rewrites:
                connection.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(**values))
    erasure.counts = {k: v for k, v in sorted(counts.items())}
    audit.record(
        actor,
        "erase",
        user,
        f"Personal data of user {user.id} erased",
        after={"reason": reason, "counts": erasure.counts},
    )
    return ErasureResult(user_id=user.id, reference=reference(user), counts=erasure.counts, needles=needles)


def _own_records(user: User, enrolment_ids: list[int]) -> dict[str, set[int]]:
    def ids(model: Any) -> set[int]:
        return set(db.session.scalars(select(model.id).where(model.enrolment_id.in_(enrolment_ids))))

    entries = ids(LearningLogEntry)
    return {
        "User": {user.id},
        "Enrolment": set(enrolment_ids),
        "AttendanceMark": ids(AttendanceMark),
        "CatchUp": ids(CatchUp),
        "Assessment": ids(Assessment),
        "LearningLogEntry": entries,
        "LearningLogComment": set(
            db.session.scalars(select(LearningLogComment.id).where(LearningLogComment.entry_id.in_(entries)))
        ),
        "OutcomeOverride": ids(OutcomeOverride),
    }


def _remove_files(needles: scrub.Needles) -> int:
    """docs/personal-data.md §4, Files: generated reports and uploads that hold the person's name,
    e-mail or text are deleted (reports are rebuilt on demand; uploads are kept a day at most
    anyway). XLSX files are searched inside; a generated PDF report, whose text is compressed, is
    deleted whatever it holds and rebuilt on demand."""
    config = current_app.config
    reports = Path(config["REPORTS_FOLDER"])
    uploads = Path(config.get("IMPORT_UPLOAD_FOLDER") or Path(current_app.instance_path) / "imports")
    pattern = needles.pattern()
    removed = 0
    for folder in (reports, uploads):
        if not folder.is_dir():
            continue
        for path in [p for p in folder.rglob("*") if p.is_file()]:
            pdf_report = folder == reports and path.suffix.lower() == ".pdf"
            if pdf_report or _file_mentions(path, pattern):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _file_mentions(path: Path, pattern: re.Pattern[str]) -> bool:
    try:
        texts = [path.read_bytes()]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                texts.extend(archive.read(name) for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return any(pattern.search(t.decode("utf-8", "ignore")) for t in texts)


__all__ = ["ErasureRefused", "ErasureResult", "certificate_erased", "erase_person", "is_erased"]


def certificate_erased(typed: str) -> bool:
    """Whether a typed certificate code is an erased person's: the public check then says the
    certificate is no longer available, and nothing more (docs/personal-data.md §4)."""
    from cohort.records.codes import CodeError, normalise

    try:
        code = normalise(typed)
    except CodeError:
        return False
    found = db.session.scalar(
        select(Erasure.id)
        .join(Enrolment, Enrolment.user_id == Erasure.user_id)
        .join(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(Certificate.code == code)
    )
    return found is not None
