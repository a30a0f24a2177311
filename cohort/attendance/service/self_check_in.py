"""Self check-in: opening and closing a session's check-in code, and a participant checking in.

Check-in codes are short and guessable by brute force in principle, so wrong codes are counted
per person in the database (every server worker sees the same count) and refused after
CHECK_IN_MAX_FAILURES within CHECK_IN_WINDOW_MINUTES; the route is rate limited per address too.
"""

from __future__ import annotations

import enum
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from cohort.core import audit, changes
from cohort.core.closed import closed_reason
from cohort.domain.attendance import ATTENDED, Mark
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    CheckIn,
    CheckInAttempt,
    Enrolment,
    EnrolmentStatus,
    MarkSource,
    Session,
    User,
)
from cohort.models.base import utcnow

from .common import OPENS_BEFORE_START, AttendanceError, _check_open, _mark_snapshot, current_marks

security_log = logging.getLogger("cohort.security")

# Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
DEFAULT_CHECK_IN_MINUTES = 15
DEFAULT_LATE_AFTER_MINUTES = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    """What a person typed, as a code: upper case, only letters and digits (spaces, dashes
    and anything stranger dropped), at most 20 characters."""
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())[:20]


def open_check_in_for(session: Session, at: datetime) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn)
        .where(CheckIn.session_id == session.id, CheckIn.opens_at <= at, CheckIn.closes_at > at)
        .order_by(CheckIn.opens_at.desc())
    )


def can_open_check_in(session: Session, at: datetime) -> str | None:
    """Why a check-in cannot be opened now, or None when it can."""
    if session.cancelled:
        return "This session is cancelled"
    if at < session.starts_at - OPENS_BEFORE_START:
        return "A check-in can be opened from 30 minutes before the session starts"
    if at >= session.ends_at:
        return "This session has ended"
    return None


def open_check_in(
    actor: User,
    session: Session,
    minutes: int = DEFAULT_CHECK_IN_MINUTES,
    late_after_minutes: int = DEFAULT_LATE_AFTER_MINUTES,
    at: datetime | None = None,
) -> CheckIn:
    """Open a check-in window for a running session, with a new code. Commits."""
    at = at or utcnow()
    _check_open(session)
    if problem := can_open_check_in(session, at):
        raise AttendanceError(problem)
    if not 1 <= minutes <= 240:
        raise AttendanceError("Keep the check-in open for between 1 and 240 minutes", "minutes")
    if not 0 <= late_after_minutes <= 480:
        raise AttendanceError("Late after must be between 0 and 480 minutes", "late_after_minutes")
    if (current := open_check_in_for(session, at)) is not None:
        return current
    closes_at = min(at + timedelta(minutes=minutes), session.ends_at)
    code = _unused_code()
    check_in = CheckIn(
        session=session,
        code=code,
        opened_by_id=actor.id,
        opens_at=at,
        closes_at=closes_at,
        late_after_minutes=late_after_minutes,
        closed_early=False,
    )
    db.session.add(check_in)
    db.session.flush()
    audit.record(
        actor,
        "open-check-in",
        session,
        f"Opened self check-in for “{session.title}” until {closes_at:%H:%M} UTC",
        after={
            "check_in_id": check_in.id,
            "opens_at": at.isoformat(),
            "closes_at": closes_at.isoformat(),
            "late_after_minutes": late_after_minutes,
        },
    )
    db.session.commit()
    return check_in


def _unused_code() -> str:
    """A code no check-in has had (codes are unique for ever, so an old one never reopens).

    Checked before inserting rather than by catching the unique violation: rolling back
    would also throw away the caller's unsaved work (the demo seed opens a check-in for a
    session it has not committed yet). 25⁶ codes make a second draw all but unheard of.
    """
    for _ in range(10):
        code = new_code()
        if db.session.scalar(select(CheckIn.id).where(CheckIn.code == code)) is None:
            return code
    raise AttendanceError("Could not make a new code. Try again")  # pragma: no cover


def close_check_in(actor: User, check_in: CheckIn, at: datetime | None = None) -> None:
    at = at or utcnow()
    if not check_in.is_open(at):
        return
    _check_open(check_in.session)
    check_in.closes_at = max(at, check_in.opens_at + timedelta(microseconds=1))
    check_in.closed_early = True
    audit.record(
        actor,
        "close-check-in",
        check_in.session,
        f"Closed self check-in for “{check_in.session.title}”",
        after={"check_in_id": check_in.id, "closes_at": check_in.closes_at.isoformat()},
    )
    db.session.commit()


class CheckInOutcome(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ALREADY = "already"
    EXPIRED = "expired"
    WRONG = "wrong"
    LOCKED = "locked"
    CLOSED = "closed"  # the session's cohort is finished or archived


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckInOutcome
    session: Session | None = None
    attempts_left: int | None = None
    reason: str | None = None


def _limits() -> tuple[int, timedelta]:
    config = current_app.config
    return (
        int(config.get("CHECK_IN_MAX_FAILURES", 5)),
        timedelta(minutes=int(config.get("CHECK_IN_WINDOW_MINUTES", 10))),
    )


def wait_minutes() -> int:
    """How long someone who has entered too many wrong codes waits, at most."""
    return int(_limits()[1].total_seconds() // 60)


def recent_wrong_codes(user: User, at: datetime) -> int:
    _, window = _limits()
    return (
        db.session.scalar(
            select(func.count(CheckInAttempt.id)).where(
                CheckInAttempt.user_id == user.id,
                CheckInAttempt.succeeded.is_(False),
                CheckInAttempt.at > at - window,
            )
        )
        or 0
    )


def check_in(user: User, typed: str, at: datetime | None = None) -> CheckInResult:
    """A participant checks themselves in with a code. Commits.

    A code of a session outside the person's cohorts is a wrong code: whether it
    exists elsewhere is not revealed.
    """
    at = at or utcnow()
    limit, _ = _limits()
    failures = recent_wrong_codes(user, at)
    if failures >= limit:
        security_log.warning("check-in refused (too many wrong codes) for user %s", user.id)
        return CheckInResult(CheckInOutcome.LOCKED)
    code = normalise_code(typed)
    found = db.session.scalar(select(CheckIn).where(CheckIn.code == code)) if code else None
    enrolment = None
    if found is not None:
        # Completed and not completed too: someone of a finished cohort is told it is finished.
        enrolment = db.session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == user.id,
                Enrolment.cohort_id == found.session.cohort_id,
                Enrolment.status.in_(
                    (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
                ),
            )
        )
    if (
        found is not None  # it is when there is an enrolment
        and enrolment is not None
        and (reason := closed_reason(found.session.cohort, "its attendance", lock=True))
    ):
        return CheckInResult(CheckInOutcome.CLOSED, session=found.session, reason=reason)
    if enrolment is not None and enrolment.status != EnrolmentStatus.ACTIVE:
        enrolment = None
    if found is None or enrolment is None:
        db.session.add(CheckInAttempt(user_id=user.id, succeeded=False, at=at))
        db.session.commit()
        security_log.info("wrong check-in code from user %s", user.id)
        left = max(0, limit - failures - 1)
        return CheckInResult(CheckInOutcome.LOCKED if left == 0 else CheckInOutcome.WRONG, attempts_left=left)
    session = changes.lock(Session, [found.session_id])[0]  # then the mark as it is now: see save_register
    if not found.is_open(at) or session.cancelled:
        return CheckInResult(CheckInOutcome.EXPIRED, session=session)
    mark = current_marks(session, [enrolment.id]).get(enrolment.id)
    db.session.add(CheckInAttempt(user_id=user.id, succeeded=True, at=at))
    if mark is not None and mark.mark in ATTENDED:
        db.session.commit()
        return CheckInResult(CheckInOutcome.ALREADY, session=session)
    late = at > session.starts_at + timedelta(minutes=found.late_after_minutes)
    before = _mark_snapshot(mark)
    if mark is None:
        mark = AttendanceMark(session=session, enrolment=enrolment)
        db.session.add(mark)
    mark.mark = Mark.LATE if late else Mark.PRESENT
    mark.note = mark.note if before else None
    mark.source = MarkSource.CHECK_IN
    mark.recorded_by_id = user.id
    mark.recorded_at = at
    db.session.flush()
    audit.record(
        user,
        "update" if before else "create",
        mark,
        f"{user.full_name} checked in to “{session.title}” ({mark.mark.value})",
        before=before,
        after=_mark_snapshot(mark),
    )
    db.session.commit()
    return CheckInResult(CheckInOutcome.LATE if late else CheckInOutcome.PRESENT, session=session)
