"""A session's attendance marks, read and set (docs/api.md, Attendance).

Setting marks goes through the register's own service (cohort/attendance/service/registers.py
save_register), so the register's rules apply unchanged: nobody marked present or late before
the session opens, nothing on a cancelled session or a finished cohort, one audit event per mark.
The ETag is that of the marks as a GET shows them; a PUT must send it in If-Match, and is
checked against the marks read under the session's lock, so of two PUTs made from the same
ETag one is saved and the other is refused with 412 (docs/architecture.md §7).
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint  # type: ignore[import-untyped]

from cohort.api import core
from cohort.api.cohorts import scoped_cohort
from cohort.api.core import READ_ERRORS
from cohort.api.schemas import MarkSchema, MarksInSchema
from cohort.attendance import queries as attendance
from cohort.attendance.service import KEEP, AttendanceError, Entry, save_register
from cohort.core import changes
from cohort.domain.attendance import Mark
from cohort.extensions import db
from cohort.models import Cohort, EnrolmentStatus, Session
from cohort.policy import department_scope, may_manage_cohort
from cohort.schedule.routes import session_for

blp = Blueprint("api_attendance", __name__, url_prefix="/api/v1", description="Attendance")

PATH = "/cohorts/<slug>/sessions/<id:session_id>/attendance"


def _own_department() -> int | None:
    return department_scope(current_user)


def marks_of(cohort: Cohort, session: Session, department_id: int | None = None) -> list[dict]:
    enrolments = attendance.enrolments_of(cohort, (EnrolmentStatus.ACTIVE,), department_id)
    marks = attendance.register_marks(session)
    rows = []
    for e in enrolments:
        mark = marks.get(e.id)
        rows.append(
            {
                "enrolment_id": e.id,
                "name": e.user.full_name,
                "mark": mark.mark.value if mark else None,
                "source": mark.source.value if mark else None,
                "recorded_at": mark.recorded_at if mark else None,
            }
        )
    return rows


@blp.route(PATH)
@core.operation(blp, "attendance:read", *READ_ERRORS)
@blp.etag
@blp.response(200, MarkSchema(many=True))
def session_attendance(slug: str, session_id: int):
    """A session's marks, one row per active enrolment (by name), null where none is recorded.
    A sponsor's token sees their own department's people only."""
    cohort = scoped_cohort(current_user, slug)
    return marks_of(cohort, session_for(cohort, session_id), _own_department())


@blp.route(PATH, methods=["PUT"], endpoint="set_session_attendance")
@core.operation(blp, "attendance:write", 400, 401, 403, 404, 409, 412, 422, 428, 429)
@blp.etag
@blp.arguments(MarksInSchema)
@blp.response(200, MarkSchema(many=True))
def set_session_attendance(data, slug: str, session_id: int):
    """Set marks for a session, as the register does. Send the ETag of the marks you read in
    If-Match. Only the people listed change; a note not sent is left as it is."""
    cohort = scoped_cohort(current_user, slug)
    if not may_manage_cohort(current_user, cohort):
        core.refuse(
            403, "Only the cohort's programme managers and facilitators take its register.", "not managing"
        )
    session = session_for(cohort, session_id)
    # Under the session's lock, the marks If-Match is checked against are those the save sees.
    changes.lock(Session, [session.id])
    blp.check_etag(marks_of(cohort, session), MarkSchema(many=True))
    enrolments = attendance.enrolments_of(cohort, (EnrolmentStatus.ACTIVE,))
    active = {e.id for e in enrolments}
    problems = {
        str(n): {"enrolment_id": ["Not an active enrolment in this cohort"]}
        for n, row in enumerate(data["marks"])
        if row["enrolment_id"] not in active
    }
    seen: set[int] = set()
    for n, row in enumerate(data["marks"]):
        if row["enrolment_id"] in seen:
            problems.setdefault(str(n), {})["enrolment_id"] = ["Listed more than once"]
        seen.add(row["enrolment_id"])
    if problems:
        db.session.rollback()
        core.abort_invalid({"json": {"marks": problems}})
    entries = {
        row["enrolment_id"]: Entry(Mark(row["mark"]), KEEP if row["note"] is None else row["note"])
        for row in data["marks"]
    }
    try:
        save_register(current_user, session, enrolments, None, entries)
    except AttendanceError as error:
        db.session.rollback()
        if error.field:  # a row the rules refuse (present before the session opens)
            core.abort_invalid({"json": {"marks": {"_schema": [str(error)]}}})
        raise core.Refusal(409, str(error)) from error  # a cancelled session, a finished cohort
    return marks_of(cohort, session)
