"""Who may see what (docs/rules.md §1).

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
from sqlalchemy import Select, exists, select

from cohort.extensions import db
from cohort.models import Cohort, Enrolment, Role, User, cohort_facilitators

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


def visible_cohorts(user: User) -> Select:
    """A query for the cohorts this user may see."""
    query = select(Cohort)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.FACILITATOR:
        return query.where(
            exists().where(
                cohort_facilitators.c.cohort_id == Cohort.id,
                cohort_facilitators.c.user_id == user.id,
            )
        )
    if user.role == Role.PARTICIPANT:
        return query.where(exists().where(Enrolment.cohort_id == Cohort.id, Enrolment.user_id == user.id))
    if user.role == Role.SPONSOR:
        return query.where(
            exists().where(
                Enrolment.cohort_id == Cohort.id,
                Enrolment.user_id == User.id,
                User.department_id == user.department_id,
            )
        )
    return query.where(False)


def cohort_for(user: User, slug: str) -> Cohort:
    """The cohort with this slug if the user may see it, else 404."""
    cohort = db.session.scalars(visible_cohorts(user).where(Cohort.slug == slug)).first()
    if cohort is None:
        refuse(404, f"cohort {slug!r} not visible")
    return cohort


def can_manage_cohort(user: User, cohort: Cohort) -> bool:
    """Admins manage every cohort; facilitators the ones they are assigned to."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.FACILITATOR and any(f.id == user.id for f in cohort.facilitators)
