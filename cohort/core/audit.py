"""Recording audit events (docs/architecture.md §5): who did what to which record, before and after."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert

from cohort.extensions import db
from cohort.models import AuditEvent, User


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a record as JSON-ready values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    actor: User | None,
    action: str,
    entity: Any,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Add an audit event to the current transaction (committed with the change).

    An update that changed nothing is not recorded.
    """
    if action == "update" and before is not None and before == after:
        return None
    if before is not None and after is not None:
        # Keep only what changed, so the event reads as a diff.
        changed = [k for k in after if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    if getattr(entity, "id", 1) is None:
        db.session.flush()  # a new record needs its id before the event can name it
    event = AuditEvent(
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        action=action,
        entity_type=type(entity).__name__,
        entity_id=getattr(entity, "id", None),
        summary=summary[:300],
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def record_many(actor: User | None, events: Sequence[tuple[str, Any, str, dict[str, Any] | None]]) -> None:
    """Add many "create" events at once: (action, saved record, summary, after) each.

    For bulk changes such as a 5,000-row import, where building one ORM object per
    event would be most of the work; the rows go in one multi-row INSERT.
    """
    actor_id = actor.id if actor is not None and actor.is_authenticated else None
    rows = [
        {
            "actor_id": actor_id,
            "action": action,
            "entity_type": type(entity).__name__,
            "entity_id": entity.id,
            "summary": summary[:300],
            "before": None,
            "after": after,
        }
        for action, entity, summary, after in events
    ]
    if rows:
        db.session.execute(insert(AuditEvent), rows)
