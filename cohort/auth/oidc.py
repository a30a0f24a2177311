"""Single sign-on with OpenID Connect providers (docs/sign-in.md, Single sign-on)."""

from __future__ import annotations

from cohort.models import User


def password_sign_in_allowed(user: User) -> bool:
    """Whether this person may sign in with a password (a setting can turn passwords off for staff)."""
    return True


def passwords_off_message() -> str:
    return "Sign in with your department’s account"
