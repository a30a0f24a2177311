"""Signed, time-limited, single-use links for setting a password.

The token carries a fingerprint of the account's current password hash, so
once the link has been used (the hash changes) it no longer works; a second
link sent later makes no earlier one valid again either, because an unused
link from before still matches until a password is set: that is intended,
both were handed to the same person.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cohort.extensions import db
from cohort.models import User

_SALT = "cohort.set-password"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    material = f"{user.id}:{user.password_hash or 'no-password'}:{user.is_active_account}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def make_password_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_password_token(token: str) -> tuple[User | None, str | None]:
    """The user a valid token is for, or None with the reason it is not valid."""
    max_age = current_app.config["PASSWORD_LINK_HOURS"] * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None, "invalid"
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active_account or data.get("f") != _fingerprint(user):
        return None, "used"
    return user, None
