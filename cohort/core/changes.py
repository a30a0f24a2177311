"""Saving over other people's changes safely (docs/decisions/0003-concurrent-registers-and-grids.md):
row locks taken in a fixed order, who last changed a record and when (from the audit log), and
the words of a refused stale save ("Fran Facilitator changed Siân O'Neill's mark from Present to
Late at 2:03pm after you opened this page")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select

from cohort.domain.formatting import date_time
from cohort.domain.progress import level_label
from cohort.domain.times import clock_time, london_date
from cohort.extensions import db
from cohort.models import AuditEvent, User


@dataclass(frozen=True)
class Change:
    """The latest change to a record: who made it (None: the system, or a deleted account) and when."""

    actor_id: int | None
    actor_name: str | None
    at: datetime


def lock(model: type[Any], ids: Iterable[int]) -> list:
    """Take these rows' locks for the rest of the transaction, in id order (so two transactions
    never wait for each other in a circle), and read them afresh, whatever this request loaded
    before. PostgreSQL: SELECT … ORDER BY id FOR NO KEY UPDATE, which does not wait for rows
    being inserted that refer to them (a mark, an assessment); SQLite ignores it, its BEGIN
    IMMEDIATE (cohort/database.py) having serialised writers already."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.id.in_(sorted(set(ids))))
            .order_by(model.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )


def last_changes(entity_type: str, ids: Iterable[int]) -> dict[int, Change]:
    """entity id → its latest audit event, for records of one type (one query).

    Records with no audit event (loaded by a script) are left out: callers fall back on
    what the record itself says (recorded_by, recorded_at).
    """
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(AuditEvent.entity_id, AuditEvent.actor_id, User.full_name, AuditEvent.at)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(wanted))
        .order_by(AuditEvent.entity_id, AuditEvent.id.desc())
    )
    found: dict[int, Change] = {}
    for entity_id, actor_id, name, at in rows:
        # Not None: the query only reads events of the ids wanted.
        found.setdefault(cast(int, entity_id), Change(actor_id, name, at))
    return found


def latest(entity_type: str, record, by: User | None, at: datetime) -> Change | None:
    """Who changed a record last and when: its latest audit event, else what the record says."""
    if record is None:
        return None
    found = last_changes(entity_type, [record.id]).get(record.id)
    return found or Change(by.id if by else None, by.full_name if by else None, at)


def who(change: Change | None, viewer: User | None) -> str:
    """ "You" for the person reading, else the name of who made the change, or "Someone"."""
    if change is None or change.actor_id is None:
        return "Someone"
    if viewer is not None and change.actor_id == getattr(viewer, "id", None):
        return "You"
    return change.actor_name or "Someone"


def when(change: Change | None, now: datetime) -> str:
    """ "at 2:03pm" on the same day (London time), else "on 3 March 2026 at 2:03pm"; "" if unknown."""
    if change is None or change.at is None:
        return ""
    if london_date(change.at) == london_date(now):
        return f"at {clock_time(change.at)}"
    return f"on {date_time(change.at)}"


def _since(change: Change | None, now: datetime) -> str:
    at = when(change, now)
    return f"{' ' + at if at else ''} after you opened this page"


def mark_message(
    viewer: User | None,
    name: str,
    shown: Any,
    now: Any,
    change: Change | None,
    at: datetime,
    *,
    checked_in: bool = False,
) -> str:
    """What happened to one row of a register since the page was opened: shown and now have a
    mark (None: not marked) and a note. `checked_in`: the person checked themselves in."""
    was, was_note, mark, note = shown.mark, shown.note, now.mark, now.note
    tail = _since(change, at)
    if mark is None:  # marks are never taken away: only a made-up page could say otherwise
        return f"{name} is not marked now, though this page said so"
    if checked_in:
        return f"{name} checked in as {mark.label.lower()}{tail}"
    by = who(change, viewer)
    if mark != was:
        said = (
            f"{by} marked {name} {mark.label.lower()}"
            if was is None
            else f"{by} changed {name}'s mark from {was.label} to {mark.label}"
        )
        if note != was_note:
            said += f" with the note “{note}”" if note else " and took away the note"
        return said + tail
    if note:
        return f"{by} changed the note for {name} to “{note}”{tail}"
    return f"{by} took away the note for {name}{tail}"


def level_message(
    viewer: User | None,
    whose: str,
    skill: str,
    shown: int | None,
    now: int | None,
    change: Change | None,
    at: datetime,
) -> str:
    """What happened to one assessment since the page was opened: `whose` is "Siân O'Neill's" or
    "your"; shown and now are levels (None: not assessed). Same level: its evidence changed."""
    tail = _since(change, at)
    by = who(change, viewer)
    if now is None:  # assessments are never taken away: only a made-up page could say otherwise
        return f"{whose[0].upper()}{whose[1:]} {skill} is not assessed now, though this page said so"
    if now == shown:
        return f"{by} changed the evidence for {whose} {skill} level{tail}"
    if shown is None:
        return f"{by} set {whose} {skill} level to {level_label(now)}{tail}"
    return f"{by} changed {whose} {skill} level from {level_label(shown)} to {level_label(now)}{tail}"


@dataclass(frozen=True)
class Conflict:
    """A row or cell the person changed that someone else also changed, to something else,
    after the page was opened: its key (enrolment id; (enrolment id, skill id)), its value
    now, and the message to show."""

    key: Any
    now: Any
    message: str
