"""Registers: saving a session's marks, only what changed, one audit event per changed mark with
the mark before and after. Every write to a session's marks or catch-ups takes the session's row
lock first and reads the marks afresh under it, and a register saved from a stale page is refused
(docs/decisions/0003-concurrent-registers-and-grids.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cohort.core import audit, changes
from cohort.domain.attendance import ATTENDED, Mark
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    Enrolment,
    MarkSource,
    Session,
    User,
)
from cohort.models.base import utcnow

from .common import OPENS_BEFORE_START, AttendanceError, _check_open, _mark_snapshot, _who, current_marks

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
