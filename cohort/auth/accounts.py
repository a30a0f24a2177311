"""Accounts: signing in, passwords, inviting people, roles and deactivation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from cohort.auth.messages import queue_invitation, queue_password_reset
from cohort.auth.passwords import hash_password, needs_rehash, verify_password
from cohort.auth.sessions import end_sessions
from cohort.core import audit
from cohort.core.errors import ServiceError
from cohort.extensions import db
from cohort.models import Department, Role, SignInAttempt, User, UserSession, normalise_email

security_log = logging.getLogger("cohort.security")

USER_AUDIT_FIELDS = ("email", "full_name", "role", "department_id", "job_title", "is_active_account")


class AccountError(ServiceError):
    """A change to an account that cannot be made, with a message for the person."""


@dataclass
class SignInResult:
    user: User | None
    locked_out: bool = False


def recent_failures(email: str) -> int:
    window = timedelta(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])
    since = datetime.now(UTC) - window
    return (
        db.session.scalar(
            select(func.count(SignInAttempt.id)).where(
                SignInAttempt.email == email,
                SignInAttempt.succeeded.is_(False),
                SignInAttempt.at >= since,
            )
        )
        or 0
    )


def authenticate(email: str, password: str, ip_address: str | None) -> SignInResult:
    """Check a sign-in; record the attempt either way. Commits."""
    email = normalise_email(email)[:254]
    if recent_failures(email) >= current_app.config["SIGN_IN_MAX_FAILURES"]:
        security_log.warning("sign-in refused (locked out) for %r from %s", email, ip_address)
        return SignInResult(user=None, locked_out=True)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.is_active_account:
        verify_password(None, password)  # same time as a real check: no account oracle
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    db.session.add(SignInAttempt(email=email, succeeded=ok, ip_address=ip_address))
    if ok:
        assert user is not None
        # (`last_sign_in_at` is set when the session begins, after any second factor.)
        if needs_rehash(user.password_hash or ""):
            user.password_hash = hash_password(password)
    db.session.commit()
    # An address with no account is not logged: it may be a password typed in the wrong box.
    who = repr(email) if user is not None else "an address with no account"
    security_log.info("sign-in %s for %s from %s", "succeeded" if ok else "failed", who, ip_address)
    return SignInResult(user=user if ok else None)


def set_password(
    user: User, password: str, actor: User | None = None, keep: UserSession | None = None
) -> None:
    """Set a new password and end every session of the person but `keep` (the one changing
    it, if any). Commits."""
    had_password = user.has_password
    user.password_hash = hash_password(password)
    end_sessions(user, "password changed" if had_password else "password set", keep=keep, commit=False)
    audit.record(
        actor or user,
        "update",
        user,
        f"{'Changed' if had_password else 'Set'} password for {user.email}",
        before={"password": "set" if had_password else "not set"},
        after={"password": "changed" if had_password else "set"},
    )
    db.session.commit()


def email_taken(email: str, except_user: User | None = None) -> bool:
    query = select(User.id).where(User.email == normalise_email(email))
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) is not None


def _check_department(role: Role, department: Department | None) -> None:
    if role == Role.SPONSOR and department is None:
        raise AccountError("A department sponsor must belong to a department", "department")


def invite_user(
    actor: User | None,
    *,
    email: str,
    full_name: str,
    role: Role,
    department: Department | None,
    job_title: str | None = None,
    commit: bool = True,
    send_invitation: bool = False,
) -> User:
    """Create an account with no password yet and, with `send_invitation`, queue the invitation
    e-mail in the same transaction (otherwise the caller does, or a programme manager later)."""
    if email_taken(email):
        raise AccountError("A user with this email address already exists", "email")
    _check_department(role, department)
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=role,
        department=department,
        job_title=(job_title or "").strip() or None,
        is_active_account=True,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "create",
        user,
        f"Invited {user.full_name} ({user.email}) as {role.label}",
        after=audit.snapshot(user, USER_AUDIT_FIELDS),
    )
    if send_invitation:
        queue_invitation(user, actor=actor)
    if commit:
        db.session.commit()
    return user


def update_user(
    actor: User,
    user: User,
    *,
    full_name: str,
    role: Role,
    department: Department | None,
    job_title: str | None,
) -> None:
    if user.id == actor.id and role != Role.ADMIN:
        raise AccountError("You cannot remove your own programme manager role", "role")
    _check_department(role, department)
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    user.full_name = full_name.strip()
    user.department = department
    user.job_title = (job_title or "").strip() or None
    if user.role != role:
        user.role = role
        # What the person may see has changed: make them sign in again.
        end_sessions(user, "role changed", commit=False)
    db.session.flush()
    audit.record(
        actor,
        "update",
        user,
        f"Updated {user.full_name} ({user.email})",
        before=before,
        after=audit.snapshot(user, USER_AUDIT_FIELDS),
    )
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account")
    if user.is_active_account == active:
        return
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    user.is_active_account = active
    if not active:
        end_sessions(user, "account deactivated", commit=False)
    audit.record(
        actor,
        "update",
        user,
        f"{'Reactivated' if active else 'Deactivated'} {user.full_name} ({user.email})",
        before=before,
        after=audit.snapshot(user, USER_AUDIT_FIELDS),
    )
    db.session.commit()


def send_invitation(actor: User, user: User, occasion: str) -> None:
    """ "Send a new invitation" from the person's page: a fresh password link by e-mail. Commits.

    `occasion` is the nonce drawn when the page was shown (cohort/auth/messages.py), so a
    double click sends one message. Refused for a deactivated account, and for someone who has
    set a password: they use "Forgotten your password?" instead.
    """
    if not user.is_active_account:
        raise AccountError("This account is deactivated. Reactivate it before sending an invitation")
    if user.has_password:
        raise AccountError(
            f"{user.full_name} has already set a password. If they have forgotten it, they can use "
            "‘Forgotten your password?’ on the sign-in page"
        )
    queue_invitation(user, f"resend-{occasion}", actor)
    db.session.commit()


def request_password_reset(email: str, ip_address: str | None, now: datetime | None = None) -> None:
    """ "Forgotten your password?": e-mail a reset link if the address has an active account and
    it has had fewer than PASSWORD_RESETS_PER_HOUR this hour. Commits. The caller shows the same
    page whatever happened, so nobody can learn from it whether an address has an account."""
    email = normalise_email(email)[:254]
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.is_active_account:
        db.session.rollback()
        # Not logged by address: it may be mistyped, or someone else's.
        security_log.info(
            "forgotten-password request for an address with no active account from %s", ip_address
        )
        return
    message = queue_password_reset(user, now or datetime.now(UTC))
    db.session.commit()
    if message is None:
        security_log.warning(
            "password reset refused for user %s from %s: too many this hour", user.id, ip_address
        )
    else:
        security_log.info("reset e-mail queued for user %s from %s", user.id, ip_address)


def end_sessions_for(actor: User, user: User, keep: UserSession | None = None) -> int:
    """A programme manager signs someone out everywhere (their own current browser kept).
    Audited. Commits."""
    ended = end_sessions(user, f"ended by programme manager {actor.id}", keep=keep, commit=False)
    if ended:
        audit.record(
            actor,
            "update",
            user,
            f"Signed {user.full_name} ({user.email}) out of every browser",
            before={"signed_in_browsers": ended + (1 if keep else 0)},
            after={"signed_in_browsers": 1 if keep else 0},
        )
    db.session.commit()
    return ended
