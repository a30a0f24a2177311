"""Recording attendance: registers, catch-ups and self check-in, each change audited.

Registers save only what changed, one audit event per changed mark with the
mark before and after. Every write to a session's marks or catch-ups takes the
session's row lock first and reads the marks afresh under it, and a register saved
from a stale page is refused (docs/decisions/0003-concurrent-registers-and-grids.md).
Check-in codes are short and guessable by brute force
in principle, so wrong codes are counted per person in the database (every
server worker sees the same count) and refused after CHECK_IN_MAX_FAILURES
within CHECK_IN_WINDOW_MINUTES; the route is rate limited per address too.
"""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from cohort.core import audit, changes
from cohort.core.closed import closed_reason
from cohort.core.errors import ServiceError
from cohort.domain.attendance import ATTENDED, Mark
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    CatchUp,
    CheckIn,
    CheckInAttempt,
    Enrolment,
    EnrolmentStatus,
    MarkSource,
    Session,
    User,
)
from cohort.models.base import utcnow

security_log = logging.getLogger("cohort.security")

# Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
DEFAULT_CHECK_IN_MINUTES = 15
DEFAULT_LATE_AFTER_MINUTES = 10
OPENS_BEFORE_START = timedelta(minutes=30)


class AttendanceError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


def _check_open(session: Session) -> None:
    """A finished or archived cohort's attendance no longer changes (status read in this transaction)."""
    if reason := closed_reason(session.cohort, "its attendance", lock=True):
        raise AttendanceError(reason)


# Registers -------------------------------------------------------------------
#
# Every write to attendance_marks (register, self check-in) and to catch_ups first takes the
# session's row lock (SELECT … FOR NO KEY UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
# serialises writers), then reads the marks afresh: what it replaces, and what the audit event
# says it replaced, is what was there. A register saved from a page opened before someone
# else's change to the same row is refused whole. docs/decisions/0003-concurrent-registers-and-grids.md

KEEP = "__keep__"  # a note the form did not send: the note in the database stays as it is


@dataclass(frozen=True)
class Shown:
    """One row of a register as the page showed it when it was opened: the mark (None: not
    marked) and the note (None: none)."""

    mark: Mark | None
    note: str | None = None


@dataclass(frozen=True)
class Entry:
    """What the register form says for one person: a mark (None: not chosen, which changes
    nothing), a note (KEEP: not sent) and what the page showed (None: not known, as from an old
    page or a client that does not send it: saved without the stale-page check)."""

    mark: Mark | None
    note: str | None = None
    shown: Shown | None = None


class RegisterConflict(AttendanceError):
    """A stale save: nothing was written. `conflicts` (keyed by enrolment id, value now a Shown)
    says which rows, and what they are now."""

    def __init__(self, conflicts: list[changes.Conflict]):
        super().__init__("Someone else changed this register after you opened it: nothing was saved")
        self.conflicts = conflicts


def _who(enrolment: Enrolment) -> str:
    return enrolment.user.full_name


def _mark_snapshot(mark: AttendanceMark | None) -> dict | None:
    if mark is None:
        return None
    return {"mark": mark.mark.value, "note": mark.note, "source": mark.source.value}


def current_marks(session: Session, enrolment_ids: Sequence[int]) -> dict[int, AttendanceMark]:
    """enrolment id → its mark for the session as the database has it now (not as loaded before)."""
    rows = db.session.scalars(
        select(AttendanceMark)
        .where(AttendanceMark.session_id == session.id, AttendanceMark.enrolment_id.in_(list(enrolment_ids)))
        .execution_options(populate_existing=True)
    )
    return {m.enrolment_id: m for m in rows}


def _value(mark: AttendanceMark | None) -> Shown:
    return Shown(mark.mark, mark.note) if mark is not None else Shown(None, None)


def _conflict(viewer: User, enrolment: Enrolment, shown: Shown, mark: AttendanceMark | None, at: datetime):
    """The row, and who changed it when (the mark's latest audit event, else what the mark says)."""
    change = None
    if mark is not None:
        change = changes.latest("AttendanceMark", mark, mark.recorded_by, mark.recorded_at)
    checked_in = bool(
        mark is not None
        and mark.source == MarkSource.CHECK_IN
        and change is not None  # it is: latest() finds a change for every mark
        and change.actor_id == enrolment.user_id
    )
    now = _value(mark)
    message = changes.mark_message(viewer, _who(enrolment), shown, now, change, at, checked_in=checked_in)
    return changes.Conflict(enrolment.id, now, message)


def save_register(
    actor: User,
    session: Session,
    enrolments: Sequence[Enrolment],
    existing: Mapping[int, AttendanceMark] | None,
    entries: Mapping[int, Entry],
    at: datetime | None = None,
) -> int:
    """Save the marks this person changed; returns how many. Commits, or raises and writes nothing.

    `entries` maps enrolment id → what the form says; enrolments not in `enrolments` are
    ignored. `existing` is not used (the marks are read again under the session's lock); it is
    kept for callers written before that (the demo seed).

    A row whose entry knows what the page showed is written only if the form changes it, and
    refused (RegisterConflict, nothing saved) if someone else changed it since to something
    else. A row without it is written if it differs from what is there now.
    """
    del existing  # read afresh under the lock below
    at = at or utcnow()
    _check_open(session)
    session = changes.lock(Session, [session.id])[0]
    if session.cancelled:
        raise AttendanceError("This session is cancelled: its register cannot be changed")
    current = current_marks(session, [e.id for e in enrolments if e.id in entries])
    writes: list[tuple[Enrolment, AttendanceMark | None, Shown]] = []
    stale: list[tuple[Enrolment, Shown, AttendanceMark | None]] = []
    for enrolment in enrolments:
        entry = entries.get(enrolment.id)
        if entry is None or entry.mark is None:
            continue
        old = current.get(enrolment.id)
        now = _value(old)
        note = now.note if entry.note == KEEP else ((entry.note or "").strip() or None)
        new = Shown(entry.mark, note)
        if entry.shown is not None:
            if new == entry.shown:
                continue  # not changed on this page: never written
            if now not in (entry.shown, new):
                stale.append((enrolment, entry.shown, old))
                continue
        if now == new:
            continue
        if entry.mark in ATTENDED and at < session.starts_at - OPENS_BEFORE_START:
            raise AttendanceError(
                f"{_who(enrolment)} cannot be marked {entry.mark.value} before the session starts",
                f"mark-{enrolment.id}",
            )
        writes.append((enrolment, old, new))
    if stale:
        raise RegisterConflict(
            [_conflict(actor, enrolment, shown, old, at) for enrolment, shown, old in stale]
        )
    for enrolment, old, new in writes:
        mark = new.mark
        assert mark is not None  # entries without a mark were skipped above
        before = _mark_snapshot(old)
        if old is None:
            old = AttendanceMark(session=session, enrolment=enrolment)
            db.session.add(old)
        old.mark = mark
        old.note = new.note
        old.source = MarkSource.REGISTER
        old.recorded_by_id = actor.id
        old.recorded_at = at
        db.session.flush()
        was = f" (was {before['mark']})" if before and before["mark"] != mark.value else ""
        audit.record(
            actor,
            "update" if before else "create",
            old,
            f"Marked {_who(enrolment)} {mark.value} for “{session.title}”{was}",
            before=before,
            after=_mark_snapshot(old),
        )
    db.session.commit()
    return len(writes)


# Catch-ups -------------------------------------------------------------------


def record_catch_up(
    actor: User,
    enrolment: Enrolment,
    session: Session,
    what_was_done: str,
    completed_on: date,
    mark: Mark | None = None,
    at: datetime | None = None,
) -> CatchUp:
    """Record (or correct) how someone caught up a mandatory session they missed. Commits.

    `mark` is not used: the person's mark is read again under the session's lock (a register
    saved meanwhile may have marked them present); it is kept for callers written before that.
    """
    del mark
    at = at or utcnow()
    what_was_done = what_was_done.strip()
    if session.cohort_id != enrolment.cohort_id:
        raise AttendanceError("This session is not in the participant's cohort")
    _check_open(session)
    session = changes.lock(Session, [session.id])[0]
    current = current_marks(session, [enrolment.id]).get(enrolment.id)
    mark = current.mark if current is not None else None
    if not session.mandatory:
        raise AttendanceError("Catch-ups are recorded for mandatory sessions only")
    if session.cancelled:
        raise AttendanceError("This session was cancelled: there is nothing to catch up")
    if session.ends_at > at:
        raise AttendanceError("This session has not ended yet")
    if mark in ATTENDED:
        raise AttendanceError(f"{_who(enrolment)} attended this session: there is nothing to catch up")
    if london_date(session.starts_at) < enrolment.enrolled_on:
        raise AttendanceError(f"{_who(enrolment)} joined after this session: there is nothing to catch up")
    if not what_was_done:
        raise AttendanceError("Enter what was done to catch up", "what_was_done")
    if completed_on > london_date(at):
        raise AttendanceError("The date the catch-up was done must be today or in the past", "completed_on")
    if completed_on < london_date(session.starts_at):
        raise AttendanceError("The catch-up must be done on or after the day of the session", "completed_on")
    catch_up = db.session.scalar(
        select(CatchUp)
        .where(CatchUp.session_id == session.id, CatchUp.enrolment_id == enrolment.id)
        .execution_options(populate_existing=True)
    )
    before = None
    if catch_up is None:
        catch_up = CatchUp(session=session, enrolment=enrolment)
        db.session.add(catch_up)
    else:
        before = {"what_was_done": catch_up.what_was_done, "completed_on": catch_up.completed_on.isoformat()}
    catch_up.what_was_done = what_was_done
    catch_up.completed_on = completed_on
    catch_up.recorded_by_id = actor.id
    catch_up.recorded_at = at
    db.session.flush()
    audit.record(
        actor,
        "update" if before else "create",
        catch_up,
        f"Recorded a catch-up by {_who(enrolment)} for “{session.title}”",
        before=before,
        after={"what_was_done": what_was_done, "completed_on": completed_on.isoformat()},
    )
    db.session.commit()
    return catch_up


# Self check-in ---------------------------------------------------------------


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
