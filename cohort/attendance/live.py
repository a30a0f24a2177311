"""The live count on the facilitator's check-in screen (docs/rules.md §2.6): a small JSON answer
that cohort/static/js/check-in-count.js asks for every 10 seconds. Without JavaScript the page's
Refresh link shows the same count. Staff of the cohort only (others: 403, out of scope: 404)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select

from cohort.attendance import bp
from cohort.auth.access import cohort_for, roles_required
from cohort.domain.attendance import ATTENDED
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import AttendanceMark, Enrolment, EnrolmentStatus, MarkSource, Role, Session
from cohort.schedule.routes import session_for


def check_in_count(session: Session) -> tuple[int, int]:
    """(people checked in, people on the register): the session's self check-ins that gave
    present or late, of the cohort's active participants who had joined by the session's day.
    One query."""
    checked_in = (
        select(func.count(AttendanceMark.id))
        .where(
            AttendanceMark.session_id == session.id,
            AttendanceMark.source == MarkSource.CHECK_IN,
            AttendanceMark.mark.in_(ATTENDED),
        )
        .scalar_subquery()
    )
    expected = (
        select(func.count(Enrolment.id))
        .where(
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.enrolled_on <= london_date(session.starts_at),
        )
        .scalar_subquery()
    )
    row = db.session.execute(select(checked_in, expected)).one()
    return int(row[0] or 0), int(row[1] or 0)


def count_words(checked_in: int, expected: int) -> str:
    return f"{checked_in} of {expected} checked in"


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/check-in/count")
@roles_required(Role.ADMIN, Role.FACILITATOR)
def check_in_count_json(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    checked_in, expected = check_in_count(session)
    response = jsonify(checked_in=checked_in, expected=expected, text=count_words(checked_in, expected))
    response.headers["Cache-Control"] = "no-store"
    return response
