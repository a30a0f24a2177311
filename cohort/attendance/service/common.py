"""What the attendance service's parts share: the refusal, the closed-cohort check, and reading a
session's marks as they are (docs/decisions/0003-concurrent-registers-and-grids.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from cohort.core.closed import closed_reason
from cohort.core.errors import ServiceError
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    Enrolment,
    Session,
)

OPENS_BEFORE_START = timedelta(minutes=30)


class AttendanceError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


def _check_open(session: Session) -> None:
    """A finished or archived cohort's attendance no longer changes (status read in this transaction)."""
    if reason := closed_reason(session.cohort, "its attendance", lock=True):
        raise AttendanceError(reason)


def _who(enrolment: Enrolment) -> str:
    return enrolment.user.full_name


def _mark_snapshot(mark: AttendanceMark | None) -> dict | None:
    if mark is None:
        return None
    return {"mark": mark.mark.value, "note": mark.note, "source": mark.source.value}


def current_marks(session: Session, enrolment_ids: Sequence[int]) -> dict[int, AttendanceMark]:
    """enrolment id → its mark for the session as the database has it now (not as loaded before)."""
    rows = db.session.scalars(
        select(AttendanceMark)
        .where(AttendanceMark.session_id == session.id, AttendanceMark.enrolment_id.in_(list(enrolment_ids)))
        .execution_options(populate_existing=True)
    )
    return {m.enrolment_id: m for m in rows}
