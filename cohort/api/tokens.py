"""Personal access tokens for the JSON API (docs/api.md, Tokens; docs/rules.md §1.6).

A token is `cohort_pat_` and 43 random URL-safe characters. It is shown once, when made; the
table keeps its SHA-256 digest (the lookup key) and its first characters (for people to tell
tokens apart, and the rate limit's key). A token carries scopes, never more than its owner's
role may use (ROLE_SCOPES), and reaches only what its owner reaches today: every API call runs
as the owner, through the same scope helpers as the pages.

Participants hold no tokens: their own record is already theirs to download, and a token is a
long-lived credential that a personal account does not need.

A token ends when it expires (at most a year), when it is revoked (by its owner or a programme
manager, audited), and when its owner is deactivated or their role changes (`_end_on_user_change`,
the same moments that end the owner's signed-in sessions).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session as OrmSession

from cohort.core import audit
from cohort.extensions import db
from cohort.models import ApiToken, Role, User

security_log = logging.getLogger("cohort.security")

TOKEN_START = "cohort_pat_"  # noqa: S105 - the recognisable start of every token, not a secret
PREFIX_LENGTH = len(TOKEN_START) + 8
MAX_LIFETIME_DAYS = 365
NAME_LENGTH = 80

SCOPES: dict[str, str] = {
    "cohorts:read": "Read cohorts and their sessions",
    "enrolments:read": "Read enrolments",
    "enrolments:write": "Nominate and withdraw participants",
    "attendance:read": "Read attendance marks",
    "attendance:write": "Set attendance marks for a session",
    "assessments:read": "Read skills assessments",
    "outcomes:read": "Read outcomes and a cohort's standing per person",
    "reports:read": "Read department outcome figures",
}

# What each role may do on the pages (docs/rules.md §1.4), as scopes.
ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: tuple(SCOPES),
    Role.FACILITATOR: (
        "cohorts:read",
        "enrolments:read",
        "attendance:read",
        "attendance:write",
        "assessments:read",
        "outcomes:read",
    ),
    Role.SPONSOR: (
        "cohorts:read",
        "enrolments:read",
        "attendance:read",
        "assessments:read",
        "outcomes:read",
        "reports:read",
    ),
    Role.PARTICIPANT: (),
}

AUDIT_FIELDS = ("name", "prefix", "scopes", "expires_at", "revoked_at", "revoked_why")


class TokenError(Exception):
    """A token that cannot be made as asked; the message says why, for the form."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    row: ApiToken
    secret: str  # shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    return bool(ROLE_SCOPES.get(user.role))


def scopes_for(role: Role) -> tuple[str, ...]:
    return ROLE_SCOPES.get(role, ())


def latest_expiry(today: date) -> date:
    return today + timedelta(days=MAX_LIFETIME_DAYS)


def create(
    owner: User, name: str, scopes: list[str], expires_on: date, *, today: date | None = None
) -> NewToken:
    """Make a token for the owner, valid to the end of `expires_on` (UTC). Commits."""
    today = today or datetime.now(UTC).date()
    name = (name or "").strip()
    if not may_hold_tokens(owner):
        raise TokenError("Participants cannot make API tokens")
    if not name:
        raise TokenError("Enter a name for the token", "name")
    if len(name) > NAME_LENGTH:
        raise TokenError(f"Name must be {NAME_LENGTH} characters or fewer", "name")
    chosen = sorted(set(scopes or []))
    if not chosen:
        raise TokenError("Select at least one scope", "scopes")
    allowed = set(scopes_for(owner.role))
    if not set(chosen) <= allowed:
        raise TokenError("Select only scopes your role may use", "scopes")
    if expires_on <= today:
        raise TokenError("Expiry date must be in the future", "expires_on")
    if expires_on > latest_expiry(today):
        raise TokenError(
            f"Expiry date must be within a year, on or before {latest_expiry(today):%-d %B %Y}", "expires_on"
        )
    secret = TOKEN_START + secrets.token_urlsafe(32)
    row = ApiToken(
        user=owner,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_digest=digest(secret),
        scopes=chosen,
        role=owner.role,
        expires_at=datetime.combine(expires_on, time.max, tzinfo=UTC),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        owner,
        "create",
        row,
        f"Made API token {row.prefix}… ({name})",
        after=audit.snapshot(row, AUDIT_FIELDS),
    )
    db.session.commit()
    security_log.info("API access key #%s made for user %s", row.id, owner.id)
    return NewToken(row, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def is_live(row: ApiToken, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return row.revoked_at is None and row.expires_at > now


def revoke(actor: User, row: ApiToken) -> bool:
    """Revoke a token (its owner's or, for a programme manager, anyone's). Commits. False if
    it had already ended (revoked or expired), so a second press changes nothing."""
    locked = db.session.scalar(select(ApiToken).where(ApiToken.id == row.id).with_for_update())
    if locked is None or not is_live(locked):
        db.session.rollback()
        return False
    before = audit.snapshot(locked, AUDIT_FIELDS)
    locked.revoked_at = datetime.now(UTC)
    locked.revoked_why = (
        "revoked by the owner" if actor.id == locked.user_id else f"revoked by programme manager {actor.id}"
    )
    audit.record(
        actor,
        "revoke",
        locked,
        f"Revoked API token {locked.prefix}… ({locked.name}) of {locked.user.full_name}",
        before=before,
        after=audit.snapshot(locked, AUDIT_FIELDS),
    )
    db.session.commit()
    security_log.info("API access key #%s revoked by user %s", locked.id, actor.id)
    return True


def find_live(secret: str, now: datetime) -> ApiToken | None:
    """The live token with this secret, its owner active and still in the role it was made
    for; None otherwise. Looked up by digest (the secret itself is never compared)."""
    if not secret.startswith(TOKEN_START) or len(secret) > 200:
        return None
    wanted = digest(secret)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_digest == wanted))
    if row is None or not hmac.compare_digest(row.token_digest, wanted):
        return None
    owner = row.user
    if not is_live(row, now) or not owner.is_active_account or owner.role != row.role:
        return None
    return row


@event.listens_for(OrmSession, "before_flush")
def _end_on_user_change(session, flush_context, instances) -> None:
    """A person deactivated, or given another role, loses their tokens in the same transaction
    (as their signed-in sessions end, cohort/auth/accounts.py)."""
    for obj in list(session.dirty):
        if not isinstance(obj, User) or obj.id is None:
            continue
        state: Any = inspect(obj)
        role_changed = state.attrs.role.history.has_changes()
        deactivated = state.attrs.is_active_account.history.has_changes() and not obj.is_active_account
        if not (role_changed or deactivated):
            continue
        why = "account deactivated" if deactivated else "role changed"
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == obj.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC), revoked_why=why)
        )
        security_log.info("API access keys of user %s ended: %s", obj.id, why)
