"""Enrolments, a session's attendance marks and a cohort's outcomes (docs/api.md, Resources):
the same queries and scopes as the pages. A sponsor's token sees their own department's people
only; a facilitator's, their own cohorts'."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint  # type: ignore[import-untyped]
from sqlalchemy import func, select

from cohort.api import core
from cohort.api.cohorts import scoped_cohort
from cohort.api.core import READ_ERRORS
from cohort.api.schemas import EnrolmentQuerySchema, EnrolmentSchema, StandingSchema
from cohort.completion.queries import cohort_outcomes
from cohort.extensions import db
from cohort.models import Cohort, Department, Enrolment, EnrolmentStatus
from cohort.models.base import utcnow
from cohort.participants.queries import enrolment_list
from cohort.policy import department_scope

blp = Blueprint(
    "api_people", __name__, url_prefix="/api/v1", description="Enrolments, attendance and outcomes"
)


def _own_department() -> int | None:
    """A sponsor sees their own department's people only (docs/rules.md §1.2)."""
    return department_scope(current_user)


@blp.route("/enrolments")
@core.operation(blp, "enrolments:read", *READ_ERRORS)
@blp.etag
@blp.arguments(EnrolmentQuerySchema, location="query")
@blp.response(200, EnrolmentSchema(many=True))
@blp.paginate()
def list_enrolments(query, pagination_parameters):
    """Enrolments in your scope, by cohort start, then name, then id. A cohort or department
    outside your scope gives an empty list, as the participants page does."""
    cohort_id = department_id = None
    if "cohort" in query:
        cohort_id = scoped_cohort(current_user, query["cohort"]).id
    if "department" in query:
        department_id = db.session.scalar(
            select(Department.id).where(Department.code == query["department"].upper())
        )
        if department_id is None:
            department_id = -1  # an unknown department has nobody
    status = EnrolmentStatus(query["status"]) if "status" in query else None
    statement = enrolment_list(current_user, cohort_id=cohort_id, department_id=department_id, status=status)
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).with_only_columns(Enrolment.id).subquery())
    )
    from cohort.models import User

    rows = db.session.scalars(
        statement.order_by(None)
        .order_by(Cohort.start_date, User.full_name, Enrolment.id)
        .offset(core.page_window(pagination_parameters)[0])
        .limit(core.page_window(pagination_parameters)[1])
    ).unique()
    return [
        {
            "id": e.id,
            "cohort": e.cohort.slug,
            "name": e.user.full_name,
            "email": e.user.email,
            "department": e.user.department.code if e.user.department else None,
            "status": e.status.value,
            "enrolled_on": e.enrolled_on,
            "withdrawn_on": e.withdrawn_on,
        }
        for e in rows
    ]


@blp.route("/cohorts/<slug>/outcomes")
@core.operation(blp, "outcomes:read", *READ_ERRORS)
@blp.etag
@blp.response(200, StandingSchema(many=True))
def cohort_standing(slug: str):
    """Each person's standing in the cohort with the reasons rule by rule, as the outcomes page."""
    cohort = scoped_cohort(current_user, slug)
    found = cohort_outcomes(cohort, utcnow(), department_id=_own_department())
    return [
        {
            "enrolment_id": row.enrolment.id,
            "name": row.enrolment.user.full_name,
            "department": row.department.code if row.department else None,
            "outcome": row.standing.outcome.value,
            "overridden": row.standing.override is not None,
            "checks": [
                {
                    "rule": check.rule,
                    "title": check.title,
                    "state": check.state.value,
                    "holds": check.holds,
                    "reason": check.reason,
                    "details": list(check.details),
                }
                for check in row.standing.checks
            ],
        }
        for row in found.rows
    ]
