"""Signed, time-limited, single-use links for setting a password.

Two kinds, signed with different salts so one can never be taken for the other: the invitation
link (PASSWORD_LINK_HOURS, sent to a new person or by a programme manager) and the reset link
from "Forgotten your password?" (PASSWORD_RESET_MINUTES, short because anyone may ask for one).
Both open the same page, /set-password/<token>, whose token the log redaction already hides
(docs/operations.md, Secrets).

The token carries a fingerprint of the account's current password hash, so
once the link has been used (the hash changes) it no longer works; a second
link sent later makes no earlier one valid again either, because an unused
link from before still matches until a password is set: that is intended,
both were handed to the same person.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cohort.extensions import db
from cohort.models import User

LinkKind = Literal["invitation", "reset"]
_SALTS: dict[LinkKind, str] = {"invitation": "cohort.set-password", "reset": "cohort.reset-password"}


def _serializer(kind: LinkKind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[kind])


def _max_age(kind: LinkKind) -> int:
    if kind == "reset":
        return current_app.config["PASSWORD_RESET_MINUTES"] * 60
    return current_app.config["PASSWORD_LINK_HOURS"] * 3600


def _fingerprint(user: User) -> str:
    material = f"{user.id}:{user.password_hash or 'no-password'}:{user.is_active_account}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _payload(user: User) -> dict:
    # "n": every link made is a different one, even two made in the same second.
    return {"u": user.id, "f": _fingerprint(user), "n": secrets.token_hex(4)}


def make_password_token(user: User) -> str:
    return _serializer("invitation").dumps(_payload(user))


def make_reset_token(user: User) -> str:
    return _serializer("reset").dumps(_payload(user))


def read_password_token(token: str) -> tuple[User | None, LinkKind | None, str | None]:
    """(user, kind of link, None) for a valid token, or (None, kind or None, the reason it is not)."""
    for kind in _SALTS:
        try:
            data = _serializer(kind).loads(token, max_age=_max_age(kind))
        except SignatureExpired:  # signed with this kind's salt, but too old
            return None, kind, "expired"
        except BadSignature:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return None, None, "invalid"
        user = db.session.get(User, data["u"])
        if user is None or not user.is_active_account or data.get("f") != _fingerprint(user):
            return None, kind, "used"
        return user, kind, None
    return None, None, "invalid"


def user_for_password_token(token: str) -> tuple[User | None, str | None]:
    """The user a valid token (of either kind) is for, or None with the reason it is not valid."""
    user, _kind, problem = read_password_token(token)
    return user, problem
