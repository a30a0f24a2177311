"""Refusing a request (docs/rules.md §1): the request-side half of cohort/policy.py.

Two layers, both needed:
- `roles_required` on a route: the wrong role gets 403 (the page exists, you
  may not use it);
- the `*_for` scoping helpers on every object: something outside the user's
  scope answers 404, so its existence is never confirmed.
Every refusal is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import NoReturn

from flask import abort, request
from flask_login import current_user, login_required

from cohort.extensions import db
from cohort.models import Cohort, Role, User
from cohort.policy import visible_cohorts

security_log = logging.getLogger("cohort.security")


def refuse(status: int, why: str) -> NoReturn:
    user = current_user.id if current_user.is_authenticated else None
    security_log.warning(
        "refused %s %s for user %s: %s (%s)", request.method, request.path, user, why, status
    )
    abort(status)


def roles_required(*roles: Role) -> Callable:
    """Signed in, with one of these roles; otherwise 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                refuse(403, f"role {current_user.role} not in {[r.value for r in roles]}")
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.ADMIN)


def cohort_for(user: User, slug: str) -> Cohort:
    """The cohort with this slug if the user may see it, else 404."""
    cohort = db.session.scalars(visible_cohorts(user).where(Cohort.slug == slug)).first()
    if cohort is None:
        refuse(404, f"cohort {slug!r} not visible")
    return cohort
