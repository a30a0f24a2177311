"""Cohorts and their sessions (docs/api.md, Resources): scope as the cohort pages."""

from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint  # type: ignore[import-untyped]
from sqlalchemy import func, select

from cohort.api import core
from cohort.api.core import READ_ERRORS
from cohort.api.schemas import CohortQuerySchema, CohortSchema, SessionSchema
from cohort.auth.access import cohort_for
from cohort.extensions import db
from cohort.models import Cohort, Session
from cohort.policy import visible_cohorts
from cohort.schedule.feeds import SLUG
from cohort.schedule.routes import session_for

blp = Blueprint(
    "api_cohorts", __name__, url_prefix="/api/v1/cohorts", description="Cohorts and their sessions"
)


def operation(scope: str, *statuses: int):
    return core.operation(blp, scope, *statuses)


def scoped_cohort(current_user, slug: str) -> Cohort:
    if not SLUG.fullmatch(slug):
        abort(404)
    return cohort_for(current_user, slug)


def _session_row(s: Session) -> dict:
    return {
        "id": s.id,
        "kind": s.kind.value,
        "title": s.title,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "mandatory": s.mandatory,
        "cancelled": s.cancelled_at is not None,
    }


@blp.route("")
@operation("cohorts:read", *READ_ERRORS)
@blp.etag
@blp.arguments(CohortQuerySchema, location="query")
@blp.response(200, CohortSchema(many=True))
@blp.paginate()
def list_cohorts(query, pagination_parameters):
    """The cohorts in your scope, oldest first (start date, then name)."""
    from flask_login import current_user

    statement = visible_cohorts(current_user)
    if "status" in query:
        statement = statement.where(Cohort.status == query["status"])
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    page = db.session.scalars(
        statement.order_by(Cohort.start_date, Cohort.name, Cohort.id)
        .offset(core.page_window(pagination_parameters)[0])
        .limit(core.page_window(pagination_parameters)[1])
    ).all()
    return [
        {
            "slug": c.slug,
            "name": c.name,
            "status": c.status.value,
            "start_date": c.start_date,
            "length_weeks": c.length_weeks,
            "capacity": c.capacity,
        }
        for c in page
    ]


@blp.route("/<slug>")
@operation("cohorts:read", *READ_ERRORS)
@blp.etag
@blp.response(200, CohortSchema)
def get_cohort(slug: str):
    """One cohort in your scope."""
    from flask_login import current_user

    c = scoped_cohort(current_user, slug)
    return {
        "slug": c.slug,
        "name": c.name,
        "status": c.status.value,
        "start_date": c.start_date,
        "length_weeks": c.length_weeks,
        "capacity": c.capacity,
    }


@blp.route("/<slug>/sessions")
@operation("cohorts:read", *READ_ERRORS)
@blp.etag
@blp.response(200, SessionSchema(many=True))
def list_sessions(slug: str):
    """A cohort's sessions, in time order."""
    from flask_login import current_user

    c = scoped_cohort(current_user, slug)
    rows = db.session.scalars(
        select(Session).where(Session.cohort_id == c.id).order_by(Session.starts_at, Session.id)
    ).all()
    return [_session_row(s) for s in rows]


@blp.route("/<slug>/sessions/<id:session_id>")
@operation("cohorts:read", *READ_ERRORS)
@blp.etag
@blp.response(200, SessionSchema)
def get_session(slug: str, session_id: int):
    """One session of a cohort."""
    from flask_login import current_user

    return _session_row(session_for(scoped_cohort(current_user, slug), session_id))
