"""A second factor for password accounts (docs/sign-in.md, Second factor).

Time-based one-time codes (RFC 6238: 6 digits, 30-second steps) from an authenticator app,
and ten recovery codes. Between a right password and a right code the person is not signed
in: the Flask session holds only a short-lived "pending" marker (who, when, where to go next),
which no page but the second factor's own accepts.

Every code is usable once: the step of the last code accepted is kept, and a code whose step
is not later is refused, by one conditional UPDATE so that two requests carrying the same code
at the same moment cannot both succeed (on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import pyotp
from flask import current_app, redirect, request, session, url_for
from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult

from cohort.auth.accounts import recent_failures
from cohort.auth.sessions import PASSWORD, begin_session
from cohort.extensions import db
from cohort.models import RecoveryCode, SecondFactor, SignInAttempt, User

security_log = logging.getLogger("cohort.security")

ISSUER = "Cohort"
STEP_SECONDS = 30
DIGITS = 6
PENDING_KEY = "second_factor_pending"
PENDING_SECONDS = 5 * 60
SETUP_KEY = "second_factor_setup"

RECOVERY_CODES = 10
RECOVERY_CODES_LOW = 3
# Lower-case letters and digits without look-alikes (no 0/o, 1/l/i): 31 symbols, so a
# 12-character code carries about 59 bits.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 12

# The published demo secret (README, Demo logins): development only, never in production
# (docs/sign-in.md, Second factor, "The demo accounts").
DEMO_SECRET = "COHORTDEMOCOHORTDEMOCOHORTDEMO22"  # noqa: S105 - published on purpose


# --- typed codes ----------------------------------------------------------------------------


def normalise_code(typed: str | None) -> str:
    """What was typed, without the spaces and hyphens people copy or type between digits."""
    return "".join(c for c in (typed or "") if c not in " -\u00a0\t")


def code_problem(typed: str | None) -> str | None:
    """Why a typed code cannot be a code, in words for the person, or None."""
    code = normalise_code(typed)
    if not code:
        return "Enter the 6-digit code from your authenticator app"
    if not all(c in "0123456789" for c in code):
        return "The code must only include numbers 0 to 9"
    if len(code) != DIGITS:
        return "The code must be 6 digits"
    return None


def normalise_recovery_code(typed: str | None) -> str:
    return normalise_code(typed).lower()


def recovery_code_problem(typed: str | None) -> str | None:
    code = normalise_recovery_code(typed)
    if not code:
        return "Enter one of your recovery codes"
    if len(code) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in code):
        return "A recovery code is 12 letters and numbers, like 4f7k-2m9p-x3q8"
    return None


def recovery_digest(code: str) -> str:
    """SHA-256 of the normalised code (docs/sign-in.md, Second factor: why not Argon2)."""
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def grouped_secret(secret: str) -> str:
    """The secret in groups of 4, for typing into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return _totp(secret).generate_otp(step)


def matching_step(secret: str, typed: str, now: float | None = None) -> int | None:
    """The latest step, of the previous, this and the next, whose code is the one typed."""
    code = normalise_code(typed)
    step = current_step(now)
    found = None
    for candidate in (step - 1, step, step + 1):  # every one compared: no early exit
        if hmac.compare_digest(code_at(secret, candidate), code):
            found = candidate
    return found


def provisioning_uri(secret: str, email: str) -> str:
    return _totp(secret).provisioning_uri(name=email, issuer_name=ISSUER)


# --- the factor in the database -------------------------------------------------------------


class Check(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"


def factor_of(user: User) -> SecondFactor | None:
    """The person's confirmed second factor, or None."""
    factor = db.session.get(SecondFactor, user.id)
    return factor if factor is not None and factor.confirmed_at is not None else None


def required_for(user: User) -> bool:
    return user.role in current_app.config["SECOND_FACTOR_ROLES"]


def _claim_step(user_id: int, step: int, *, confirming_secret: str | None = None) -> bool:
    """Record `step` as used, only if it is later than the last one: True if this request won.

    One conditional UPDATE: of two requests with the same code, the second finds the step
    already taken (PostgreSQL re-checks the condition once the first commits; SQLite runs
    writing requests one at a time)."""
    statement = update(SecondFactor).where(
        SecondFactor.user_id == user_id,
        or_(SecondFactor.last_used_step.is_(None), SecondFactor.last_used_step < step),
    )
    if confirming_secret is None:
        statement = statement.where(SecondFactor.confirmed_at.is_not(None)).values(last_used_step=step)
    else:
        statement = statement.where(
            SecondFactor.confirmed_at.is_(None), SecondFactor.secret == confirming_secret
        ).values(last_used_step=step, confirmed_at=datetime.now(UTC))
    claimed = _rowcount(statement) == 1
    db.session.expire_all()
    return claimed


def check_code(user: User, typed: str, now: float | None = None) -> Check:
    """Check a code from the person's app and, if right and unused, use it up. Flushes only."""
    factor = factor_of(user)
    if factor is None:
        return Check.WRONG
    step = matching_step(factor.secret, typed, now)
    if step is None:
        security_log.warning("second factor: wrong code for user %s from %s", user.id, _ip())
        return Check.WRONG
    if not _claim_step(user.id, step):
        security_log.warning(
            "second factor: code refused as already used for user %s from %s", user.id, _ip()
        )
        return Check.REPLAYED
    security_log.info("second factor: code accepted for user %s from %s", user.id, _ip())
    return Check.ACCEPTED


def use_recovery_code(user: User, typed: str) -> bool:
    """Use up one of the person's recovery codes, once. Flushes only."""
    used = _rowcount(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_digest == recovery_digest(typed),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=datetime.now(UTC))
    )
    if used != 1:
        security_log.warning("second factor: wrong or used recovery code for user %s from %s", user.id, _ip())
        return False
    security_log.info(
        "second factor: recovery code used by user %s from %s (%s left)",
        user.id,
        _ip(),
        recovery_codes_left(user),
    )
    return True


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes, the old ones gone. Flushes only; the caller shows them once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_digest=recovery_digest(code)) for code in codes)
    db.session.flush()
    return codes


def setup_secret(user: User) -> str:
    """The secret being set up in this browser: kept if this browser began the set-up, else a
    new one (so a set-up begun elsewhere, perhaps by someone who had the password, is not
    reused). Commits."""
    factor = db.session.get(SecondFactor, user.id)
    marker = session.get(SETUP_KEY)
    if (
        factor is not None
        and factor.confirmed_at is None
        and isinstance(marker, dict)
        and marker.get("user") == user.id
        and hmac.compare_digest(str(marker.get("secret", "")), _secret_marker(factor.secret))
    ):
        return factor.secret
    secret = pyotp.random_base32(32)
    if factor is None:
        db.session.add(SecondFactor(user_id=user.id, secret=secret))
    else:
        factor.secret = secret
        factor.confirmed_at = None
        factor.last_used_step = None
    db.session.commit()
    session[SETUP_KEY] = {"user": user.id, "secret": _secret_marker(secret)}
    security_log.info("second factor: set-up begun for user %s", user.id)
    return secret


def _secret_marker(secret: str) -> str:
    # The cookie is signed, not encrypted: it carries a digest of the secret, never the secret.
    return hashlib.sha256(f"second-factor-setup:{secret}".encode()).hexdigest()[:32]


def confirm_setup(user: User, typed: str, now: float | None = None) -> bool:
    """The first code from the app: the factor counts from now. Flushes only."""
    factor = db.session.get(SecondFactor, user.id)
    if factor is None or factor.confirmed_at is not None:
        return False
    secret = factor.secret
    step = matching_step(secret, typed, now)
    if step is None or not _claim_step(user.id, step, confirming_secret=secret):
        security_log.warning("second factor: wrong code at set-up for user %s from %s", user.id, _ip())
        return False
    session.pop(SETUP_KEY, None)
    security_log.info("second factor: set up and confirmed for user %s", user.id)
    return True


def remove_factor(user: User) -> bool:
    """Delete the person's factor and recovery codes; whether there was one. Flushes only."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    removed = _rowcount(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.expire_all()
    return bool(removed)


def demo_code(user: User) -> str | None:
    """For the published demo secret outside production: the code the page may show, "123 456"
    (the earliest step not yet used, of this and the next)."""
    if current_app.config["ENV_IS_PRODUCTION"]:
        return None
    factor = factor_of(user)
    if factor is None or factor.secret != DEMO_SECRET:
        return None
    step = current_step()
    if factor.last_used_step is not None and factor.last_used_step >= step:
        step = factor.last_used_step + 1
        if step > current_step() + 1:
            return None
    code = code_at(DEMO_SECRET, step)
    return f"{code[:3]} {code[3:]}"


# --- the sign-in throttle -------------------------------------------------------------------


def locked_out(user: User) -> bool:
    """Too many failed sign-ins for the person's address (password or code) in the window."""
    return recent_failures(user.email) >= current_app.config["SIGN_IN_MAX_FAILURES"]


def record_failure(user: User) -> None:
    """A wrong code counts as a failed sign-in for the address. Commits."""
    db.session.add(SignInAttempt(email=user.email, succeeded=False, ip_address=_ip()))
    db.session.commit()


def _rowcount(statement: Any) -> int:
    """How many rows an UPDATE or DELETE changed (the ORM's cache is not synchronised)."""
    result = cast(
        CursorResult, db.session.execute(statement, execution_options={"synchronize_session": False})
    )
    return result.rowcount or 0


def _ip() -> str | None:
    return request.remote_addr


# --- between the password and the code ------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: User
    next_path: str | None
    setup: bool  # on to set one up (the role requires it), rather than to enter a code


def begin_pending(user: User, next_path: str | None, *, setup: bool) -> None:
    """One pending sign-in per browser: anything from before is cleared."""
    session.clear()
    session[PENDING_KEY] = {
        "user": user.id,
        "at": time.time(),
        "next": next_path,
        "setup": setup,
        "since": _last_sign_in(user),
    }


def _last_sign_in(user: User) -> str | None:
    # A pending sign-in is void once the person has signed in since it began: a copy of the
    # cookie from before the code cannot finish another sign-in.
    return user.last_sign_in_at.isoformat() if user.last_sign_in_at else None


def end_pending() -> None:
    session.pop(PENDING_KEY, None)
    session.pop(SETUP_KEY, None)


def pending_sign_in() -> tuple[Pending | None, bool]:
    """The pending sign-in of this browser, and whether one was there but has expired."""
    from cohort.auth.oidc import password_sign_in_allowed

    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None, False
    at, user_id = marker.get("at"), marker.get("user")
    if not isinstance(at, int | float) or not isinstance(user_id, int):
        end_pending()
        return None, False
    if not 0 <= time.time() - at <= PENDING_SECONDS:
        end_pending()
        security_log.info("second factor: pending sign-in of user %s expired", user_id)
        return None, True
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.is_active_account
        or not password_sign_in_allowed(user)
        or marker.get("since") != _last_sign_in(user)
    ):
        end_pending()
        return None, False
    next_path = marker.get("next") if isinstance(marker.get("next"), str) else None
    return Pending(user=user, next_path=next_path, setup=bool(marker.get("setup"))), False


def after_password(user: User, next_path: str | None):
    """The response once a password has been checked: signed in, or on to the second factor."""
    if factor_of(user) is not None:
        begin_pending(user, next_path, setup=False)
        security_log.info("second factor: code asked of user %s", user.id)
        return redirect(url_for("auth.second_factor_code"))
    if required_for(user):
        begin_pending(user, next_path, setup=True)
        security_log.info("second factor: user %s must set one up before signing in", user.id)
        return redirect(url_for("auth.second_factor_setup"))
    begin_session(user, PASSWORD)
    return redirect(next_path or url_for("main.dashboard"))
