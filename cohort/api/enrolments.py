"""Enrolments, one at a time (docs/api.md, Enrolments): read one; nominate a person into a
cohort; withdraw. Writes go through cohort/enrolments/service.py, as the enrol and withdraw
pages do, so the same rules apply (room in the cohort, open cohorts only, participants only, the
cohort's row locked). Programme managers only, as on the pages (docs/rules.md §1.4)."""

from __future__ import annotations

from datetime import date

from flask_login import current_user
from flask_smorest import Blueprint  # type: ignore[import-untyped]
from sqlalchemy import select

from cohort.api import core
from cohort.api.cohorts import scoped_cohort
from cohort.api.core import READ_ERRORS
from cohort.api.schemas import EnrolmentSchema, NominationSchema, WithdrawalSchema
from cohort.enrolments.service import (
    EnrolmentError,
    NewPerson,
    default_enrolment_date,
    enrol_person,
    withdraw,
)
from cohort.extensions import db
from cohort.models import Cohort, Department, Enrolment
from cohort.participants.queries import enrolment_list
from cohort.policy import is_programme_manager

blp = Blueprint("api_enrolments", __name__, url_prefix="/api/v1", description="Enrolments")

WRITE_ERRORS = (400, 401, 403, 404, 409, 422, 429)


def enrolment_row(e: Enrolment) -> dict:
    return {
        "id": e.id,
        "cohort": e.cohort.slug,
        "name": e.user.full_name,
        "email": e.user.email,
        "department": e.user.department.code if e.user.department else None,
        "status": e.status.value,
        "enrolled_on": e.enrolled_on,
        "withdrawn_on": e.withdrawn_on,
    }


def _visible(enrolment_id: int) -> Enrolment:
    found = (
        db.session.scalars(enrolment_list(current_user).where(Enrolment.id == enrolment_id)).unique().first()
    )
    if found is None:
        core.refuse(404, "Not found, or not in your scope.", f"enrolment {enrolment_id} not in scope")
    return found


def _programme_managers_only() -> None:
    if not is_programme_manager(current_user):
        core.refuse(403, "Only programme managers enrol and withdraw people.", "not a programme manager")


def _refused(error: EnrolmentError):
    db.session.rollback()
    if error.field:
        core.abort_invalid({"json": {error.field: [str(error)]}})
    raise core.Refusal(409, str(error)) from error  # a full or closed cohort


@blp.route("/enrolments/<id:enrolment_id>")
@core.operation(blp, "enrolments:read", *READ_ERRORS)
@blp.etag
@blp.response(200, EnrolmentSchema)
def get_enrolment(enrolment_id: int):
    """One enrolment in your scope."""
    return enrolment_row(_visible(enrolment_id))


@blp.route("/enrolments/<id:enrolment_id>", methods=["PATCH"], endpoint="withdraw_enrolment")
@core.operation(blp, "enrolments:write", *WRITE_ERRORS, 412, 428)
@blp.etag
@blp.arguments(WithdrawalSchema)
@blp.response(200, EnrolmentSchema)
def withdraw_enrolment(data, enrolment_id: int):
    """Withdraw an active enrolment, with a reason: send {"status": "withdrawn", "reason": …} and
    the enrolment's ETag in If-Match."""
    _programme_managers_only()
    enrolment = _visible(enrolment_id)
    # The cohort's row locked, the enrolment read again: If-Match is checked against what the
    # withdrawal sees (cohort/enrolments/service.py _lock_enrolment).
    db.session.execute(select(Cohort).where(Cohort.id == enrolment.cohort_id).with_for_update()).scalar_one()
    db.session.refresh(enrolment)
    blp.check_etag(enrolment_row(enrolment), EnrolmentSchema)
    try:
        withdraw(current_user, enrolment, data["reason"], data["withdrawn_on"] or date.today())
    except EnrolmentError as error:
        _refused(error)
    return enrolment_row(enrolment)


@blp.route("/cohorts/<slug>/enrolments", methods=["POST"])
@core.operation(blp, "enrolments:write", *WRITE_ERRORS)
@blp.arguments(NominationSchema)
@blp.response(201, EnrolmentSchema)
def nominate(data, slug: str):
    """Enrol one person, as the enrol page: an existing participant by e-mail, or a new one (with
    full_name and department), who is sent an invitation to set a password."""
    _programme_managers_only()
    cohort = scoped_cohort(current_user, slug)
    department_id = None
    if data["department"]:
        department_id = db.session.scalar(
            select(Department.id).where(Department.code == data["department"].upper())
        )
        if department_id is None:
            core.abort_invalid({"json": {"department": ["No department has this code"]}})
    person = NewPerson(
        email=data["email"],
        full_name=(data["full_name"] or "").strip() or None,
        department_id=department_id,
        job_title=(data["job_title"] or "").strip() or None,
        grade=(data["grade"] or "").strip() or None,
    )
    try:
        result = enrol_person(
            current_user,
            cohort,
            person,
            on=data["enrolled_on"] or default_enrolment_date(cohort, date.today()),
        )
    except EnrolmentError as error:
        _refused(error)
    return enrolment_row(result.enrolment)
