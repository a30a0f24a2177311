"""Signed-in sessions, one row per browser (docs/sign-in.md, Sessions).

The session cookie (signed by Flask) carries a random token; `user_sessions` keeps its
SHA-256 digest, the device and how the person signed in. Every request finds its row:
a row that is gone (signed out, ended from another device, ended by a programme manager,
password changed) or has passed the idle or absolute timeout signs nobody in.

Signing out ends this session only. Changing a password, resetting a second factor,
deactivating an account and changing a role end them all.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import cast

from flask import current_app, g, request, session
from flask_login import login_user
from sqlalchemy import CursorResult, delete, select, update

from cohort.database import writing
from cohort.extensions import db
from cohort.models import User, UserSession
from cohort.security import start_session

security_log = logging.getLogger("cohort.security")

# How a session was begun (UserSession.method): descriptions, not secrets.
PASSWORD = "password"  # noqa: S105
PASSWORD_AND_CODE = "password and code"  # noqa: S105
PASSWORD_AND_RECOVERY_CODE = "password and recovery code"  # noqa: S105


def single_sign_on(provider_name: str) -> str:
    return f"single sign-on ({provider_name})"[:80]


# `last_seen_at` is written at most this often: enough for the idle timeout and the
# "Where you're signed in" page, without a write on every request.
LAST_SEEN_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def describe_device(user_agent: str | None) -> str:
    """A coarse name for the browser, "Chrome on Windows"; the full string is not kept."""
    from ua_parser import parse as parse_user_agent  # at the first sign-in, not at start-up

    parsed = parse_user_agent(user_agent or "")
    browser = parsed.user_agent.family if parsed.user_agent else None
    system = parsed.os.family if parsed.os else None
    if browser and system:
        return f"{browser} on {system}"[:120]
    return (browser or system or "Unknown browser")[:120]


def begin_session(user: User, method: str) -> UserSession:
    """Sign the person in on this browser with a new session. Commits.

    The Flask session is cleared first, so nothing from before sign-in carries over and the
    cookie's contents change (the session id rotates)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user=user,
        token_digest=token_digest(token),
        method=method,
        device=describe_device(request.user_agent.string),
        ip_address=request.remote_addr,
    )
    db.session.add(row)
    user.last_sign_in_at = datetime.now(UTC)
    db.session.commit()
    session.clear()
    user.session_token = token
    user.current_session = row
    login_user(user)
    start_session()
    security_log.info("session %s begun for user %s by %s", row.id, user.id, method)
    return row


def _expired(row: UserSession, now: datetime) -> bool:
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    return row.created_at + absolute < now or row.last_seen_at + idle < now


def load_session_user(token: str) -> User | None:
    """The active user signed in with this token, or nobody (Flask-Login's user loader)."""
    found = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_digest == token_digest(token), User.is_active_account.is_(True))
    ).first()
    if found is None:
        return None
    row, user = found
    now = datetime.now(UTC)
    if _expired(row, now):
        with writing():
            end_session(row, "timed out")
        return None
    if row.last_seen_at + LAST_SEEN_EVERY < now:
        # Its own short transaction, before the view starts: a GET that writes nothing else
        # still moves the idle clock, and a view that rolls back does not undo it.
        with writing():
            db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
            db.session.commit()
    user.session_token = token
    user.current_session = row
    g.user_session_id = row.id
    return user


def sessions_of(user: User) -> list[UserSession]:
    """The person's sessions, most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end_session(row: UserSession, why: str) -> None:
    """End one session (its cookie signs nobody in from the next request). Commits."""
    db.session.execute(delete(UserSession).where(UserSession.id == row.id))
    db.session.commit()
    security_log.info("session %s of user %s ended: %s", row.id, row.user_id, why)


def end_sessions(user: User, why: str, *, keep: UserSession | None = None, commit: bool = True) -> int:
    """End every session of the person, but `keep` if given; how many ended.

    Called inside the transaction that makes the change (password, role, deactivation), so
    the sessions end exactly when the change is saved."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    ended = _rowcount(statement)
    if commit:
        db.session.commit()
    security_log.info("%s session(s) of user %s ended: %s", ended, user.id, why)
    return ended


def end_expired_sessions(now: datetime | None = None) -> int:
    """Delete sessions past the absolute timeout (housekeeping; the idle ones are caught
    at their next request or here once they pass the absolute limit). Commits."""
    now = now or datetime.now(UTC)
    cutoff = now - current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    ended = _rowcount(delete(UserSession).where(UserSession.created_at < cutoff))
    db.session.commit()
    return ended


def _rowcount(statement) -> int:
    """How many rows a DELETE removed."""
    result = cast(
        CursorResult, db.session.execute(statement, execution_options={"synchronize_session": False})
    )
    return result.rowcount or 0
