"""Optimistic edits of shared records (docs/decisions/0004-optimistic-edits-and-limits.md).

A page that edits a shared record (a cohort's details, its completion rules, a session, a team,
a challenge, a hackathon's settings) carries the record's *version* in a hidden field: a short
SHA-256 fingerprint of the editable values as the page showed them, then the id of the latest
audit event about the record at that moment, e.g. "3f9ac2d41b07e55a.1842".

On save the service locks the record's row (SELECT … FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE already serialises writers), works the fingerprint out again and, when it
differs, raises StaleEdit before writing anything. StaleEdit says who changed what since the
page was opened (the audit events after the shown id: who, when, each field from old to new)
and carries the current version: the page keeps what the person typed and puts the current
version in its hidden field, so saving again overwrites the other change on purpose.

A save without a version (a page rendered before versions existed, a script) is not checked and
is saved as before; a version that cannot be read is refused like a stale one. See the decision
record for why.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField

from cohort.domain.formatting import date_time, long_date, plural
from cohort.domain.formatting import percent as _percent
from cohort.extensions import db
from cohort.models import AuditEvent, User

VERSION_FIELD = "version"
MAX_LISTED = 10  # changes listed on the page; the audit log has the rest
TEXT_SHOWN = 60  # characters of a long text shown in a change
_VERSION = re.compile(r"^([0-9a-f]{16})\.(\d{1,18})$")

Format = Callable[[Any], str]


def version_field() -> HiddenField:
    """The hidden form field that carries a record's version."""
    return HiddenField(filters=[lambda v: v.strip()[:40] if isinstance(v, str) else v])


def lock(record: Any) -> Any:
    """Take the record's row lock for the rest of the transaction and read it again, so that checks
    and audit "before" values are the row as it is now, not as this request first loaded it.

    SELECT … FOR UPDATE on PostgreSQL; SQLite ignores it, its BEGIN IMMEDIATE having already
    serialised writers. Call it before changing the record: unsaved changes to it are lost.
    """
    db.session.refresh(record, with_for_update=True)
    return record


def fingerprint(values: Mapping[str, Any]) -> str:
    """16 hex characters of the SHA-256 of the values (JSON, keys sorted)."""
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# How a changed value reads ---------------------------------------------------------------


def plain(value: Any) -> str:
    """A value from an audit event as a person reads it: "empty", "yes", “a quoted text”, 7 September 2026."""
    if value is None or value == "" or value == []:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return long_date(date.fromisoformat(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+(\+00:00)?", text):
        moment = datetime.fromisoformat(text)
        return date_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if len(text) > TEXT_SHOWN:
        text = text[: TEXT_SHOWN - 1].rstrip() + "…"
    return f"“{text}”"


def percent(value: Any) -> str:
    """A stored share (0.8) as "80%", rounded half up (docs/rules.md §3.4); None → "empty"."""
    return "empty" if value is None else _percent(value)


def label_of(choices: Mapping[str, str]) -> Format:
    """A stored code as its label ("england-and-wales" → "England and Wales")."""
    return lambda value: "empty" if value is None else choices.get(str(value), str(value))


def names_of(model, attribute: str) -> Format:
    """Ids (one or a list) as the named records' names, e.g. facilitator ids as people's names."""

    def show(value: Any) -> str:
        ids = value if isinstance(value, list) else [value]
        ids = [i for i in ids if i is not None]
        if not ids:
            return "none" if isinstance(value, list) else "empty"
        column = getattr(model, attribute)
        found: dict[int, str] = dict(
            db.session.execute(select(model.id, column).where(model.id.in_(ids))).all()
        )
        return ", ".join(found.get(i, f"a deleted record ({i})") for i in ids)

    return show


# What is tracked ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracked:
    """A kind of record whose edits are checked, and how its changes read."""

    title: str  # "Someone else changed this cohort after you opened it"
    entity_type: str  # the audit events' entity_type
    labels: dict[str, str]  # the fields the form edits → how a change names them ("capacity")
    values: Callable[[Any], dict[str, Any]]  # the record's editable values, as audit snapshots write them
    formats: dict[str, Format] = field(default_factory=dict)  # field → how its values read (else `plain`)
    anchors: dict[str, str] = field(default_factory=dict)  # field → the form field's id, when not the same
    # Events about the record (default: its own, by entity type and id).
    about: Callable[[Any], ColumnElement[bool]] | None = None
    # Events that change no listed field but say what happened in their summary (team members).
    summaries: bool = False

    def where(self, record: Any) -> ColumnElement[bool]:
        if self.about is not None:
            return self.about(record)
        return and_(AuditEvent.entity_type == self.entity_type, AuditEvent.entity_id == record.id)


def last_event_id(kind: Tracked, record: Any) -> int:
    return db.session.scalar(select(func.max(AuditEvent.id)).where(kind.where(record))) or 0


def version_of(kind: Tracked, record: Any) -> str:
    """The record's version as a page shows it: fingerprint, a dot, the latest audit event's id."""
    return f"{fingerprint(kind.values(record))}.{last_event_id(kind, record)}"


@dataclass(frozen=True)
class Change:
    """One thing someone changed after the page was opened."""

    who: str
    at: datetime
    what: str  # "changed capacity from 25 to 30", or what the audit event says
    anchor: str | None = None

    @property
    def sentence(self) -> str:
        return f"{self.who} {self.what} on {date_time(self.at)}"


class StaleEdit(Exception):  # noqa: N818 - a refusal the page explains, like the services' errors
    """The record changed after the page was opened: nothing was written."""

    def __init__(self, title: str, changes: list[Change], version: str, more: int = 0, readable: bool = True):
        super().__init__(title)
        self.title = title
        self.changes = changes
        self.version = version  # the current version, for the page's hidden field
        self.more = more  # changes not listed
        self.readable = readable  # False: the page's version could not be read

    @property
    def description(self) -> str:
        if not self.readable:
            found = "We could not tell which version your page showed, so what changed is not listed. "
        elif not self.changes:
            found = "The saved values are no longer those your page showed. "
        else:
            found = ""
        return (
            f"Your changes have not been saved. {found}What you typed is still below: check it "
            "against the saved values, then save again to replace them with yours, or go back to keep them."
        )

    def summary(self) -> dict[str, Any]:
        """Parameters for govukErrorSummary."""
        items = [
            {"text": c.sentence, "href": f"#{c.anchor}"} if c.anchor else {"text": c.sentence}
            for c in self.changes
        ]
        if self.more:
            items.append({"text": f"and {plural(self.more, 'more change')}: see the audit log"})
        return {"titleText": self.title, "descriptionText": self.description, "errorList": items}


def _who(event: AuditEvent, viewer: User | None) -> str:
    if event.actor is None:
        return "Someone"
    if viewer is not None and event.actor_id == getattr(viewer, "id", None):
        return "You (in another window)"
    return event.actor.full_name


def _changes(kind: Tracked, event: AuditEvent, viewer: User | None) -> list[Change]:
    who = _who(event, viewer)
    before, after = event.before, event.after
    found = []
    if isinstance(before, dict) and isinstance(after, dict):
        for name, label in kind.labels.items():
            if name not in before and name not in after:
                continue
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            show = kind.formats.get(name, plain)
            what = f"changed {label} from {show(old)} to {show(new)}"
            found.append(Change(who, event.at, what, kind.anchors.get(name, name)))
    if not found and kind.summaries:
        summary = event.summary[:1].lower() + event.summary[1:]
        found.append(Change(who, event.at, summary))
    return found


def changes_since(kind: Tracked, record: Any, after_id: int, viewer: User | None = None) -> tuple[list, int]:
    """The changes to the record's edited fields made by the audit events after `after_id`, oldest
    first, at most MAX_LISTED of them; and how many more there are."""
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(kind.where(record), AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .limit(200)
    ).all()
    found = [change for event in events for change in _changes(kind, event, viewer)]
    return found[:MAX_LISTED], max(len(found) - MAX_LISTED, 0)


def check(kind: Tracked, record: Any, shown: str | None, viewer: User | None = None) -> None:
    """Raise StaleEdit if the record's editable values are no longer those of the version the
    page showed. Call it with the record's row locked, before changing anything.

    No version (None or "") is not checked: see the module's docstring.
    """
    if not shown:
        return
    match = _VERSION.match(shown)
    current = fingerprint(kind.values(record))
    if match and match[1] == current:
        return
    changes, more = changes_since(kind, record, int(match[2]), viewer) if match else ([], 0)
    raise StaleEdit(kind.title, changes, version_of(kind, record), more, readable=match is not None)


def keep_typed(form, error: StaleEdit) -> None:
    """After a refusal: the form keeps what was typed and now carries the current version, so
    that saving again (deliberately) overwrites the change listed."""
    db.session.rollback()
    getattr(form, VERSION_FIELD).data = error.version
