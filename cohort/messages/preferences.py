"""Changing which optional e-mails a person gets (docs/messages.md, Preferences).

Each change is one upsert per kind and an audit event with what was replaced, read inside the
same transaction; two tabs or an unsubscribe link used twice cannot leave two rows (the unique
(user, kind) constraint), and a second unsubscribe changes nothing and records nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort.core import audit
from cohort.extensions import db
from cohort.messages.kinds import KINDS
from cohort.models import EmailPreference, User


def _set(user: User, kind: str, subscribed: bool) -> bool | None:
    """Set one preference; the value it replaced, or None when it was already so."""
    row = db.session.scalar(
        select(EmailPreference)
        .where(EmailPreference.user_id == user.id, EmailPreference.kind == kind)
        .with_for_update()
    )
    before = True if row is None else row.subscribed
    if before == subscribed:
        return None
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(EmailPreference(user_id=user.id, kind=kind, subscribed=subscribed))
        except IntegrityError:  # someone else's request made the row first: change theirs
            return _set(user, kind, subscribed)
    else:
        row.subscribed = subscribed
    return before


def save_preferences(actor: User, user: User, chosen: dict[str, bool]) -> list[str]:
    """Store the person's choices for the optional kinds; the labels that changed. Commits."""
    before: dict[str, bool] = {}
    after: dict[str, bool] = {}
    for name, subscribed in chosen.items():
        if name not in KINDS or not KINDS[name].optional:
            continue
        replaced = _set(user, name, subscribed)
        if replaced is not None:
            before[name], after[name] = replaced, subscribed
    if after:
        audit.record(actor, "update", user, f"Changed e-mail preferences of {user.full_name}", before, after)
    db.session.commit()
    return [KINDS[name].label for name in after]


def unsubscribe(user: User, kind: str) -> bool:
    """One-click unsubscribe from a link in an e-mail; False when already unsubscribed. Commits."""
    replaced = _set(user, kind, False)
    if replaced is None:
        db.session.rollback()
        return False
    audit.record(
        None,
        "unsubscribe",
        user,
        f"{user.full_name} unsubscribed from “{KINDS[kind].label}” by the link in an e-mail",
        {kind: True},
        {kind: False},
    )
    db.session.commit()
    return True
