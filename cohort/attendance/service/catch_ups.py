"""Catch-ups: recording how someone caught up a mandatory session they missed, audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from cohort.core import audit, changes
from cohort.domain.attendance import ATTENDED, Mark
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import (
    CatchUp,
    Enrolment,
    Session,
    User,
)
from cohort.models.base import utcnow

from .common import AttendanceError, _check_open, _who, current_marks


def record_catch_up(
    actor: User,
    enrolment: Enrolment,
    session: Session,
    what_was_done: str,
    completed_on: date,
    mark: Mark | None = None,
    at: datetime | None = None,
) -> CatchUp:
    """Record (or correct) how someone caught up a mandatory session they missed. Commits.

    `mark` is not used: the person's mark is read again under the session's lock (a register
    saved meanwhile may have marked them present); it is kept for callers written before that.
    """
    del mark
    at = at or utcnow()
    what_was_done = what_was_done.strip()
    if session.cohort_id != enrolment.cohort_id:
        raise AttendanceError("This session is not in the participant's cohort")
    _check_open(session)
    session = changes.lock(Session, [session.id])[0]
    current = current_marks(session, [enrolment.id]).get(enrolment.id)
    mark = current.mark if current is not None else None
    if not session.mandatory:
        raise AttendanceError("Catch-ups are recorded for mandatory sessions only")
    if session.cancelled:
        raise AttendanceError("This session was cancelled: there is nothing to catch up")
    if session.ends_at > at:
        raise AttendanceError("This session has not ended yet")
    if mark in ATTENDED:
        raise AttendanceError(f"{_who(enrolment)} attended this session: there is nothing to catch up")
    if london_date(session.starts_at) < enrolment.enrolled_on:
        raise AttendanceError(f"{_who(enrolment)} joined after this session: there is nothing to catch up")
    if not what_was_done:
        raise AttendanceError("Enter what was done to catch up", "what_was_done")
    if completed_on > london_date(at):
        raise AttendanceError("The date the catch-up was done must be today or in the past", "completed_on")
    if completed_on < london_date(session.starts_at):
        raise AttendanceError("The catch-up must be done on or after the day of the session", "completed_on")
    catch_up = db.session.scalar(
        select(CatchUp)
        .where(CatchUp.session_id == session.id, CatchUp.enrolment_id == enrolment.id)
        .execution_options(populate_existing=True)
    )
    before = None
    if catch_up is None:
        catch_up = CatchUp(session=session, enrolment=enrolment)
        db.session.add(catch_up)
    else:
        before = {"what_was_done": catch_up.what_was_done, "completed_on": catch_up.completed_on.isoformat()}
    catch_up.what_was_done = what_was_done
    catch_up.completed_on = completed_on
    catch_up.recorded_by_id = actor.id
    catch_up.recorded_at = at
    db.session.flush()
    audit.record(
        actor,
        "update" if before else "create",
        catch_up,
        f"Recorded a catch-up by {_who(enrolment)} for “{session.title}”",
        before=before,
        after={"what_was_done": what_was_done, "completed_on": completed_on.isoformat()},
    )
    db.session.commit()
    return catch_up
