"""Registers not taken: a note to the cohort's facilitators two working hours after a session
ends with no register, then to the programme managers a working day later if it is still not
taken (docs/messages.md, Session reminders, changes and registers not taken).

Working hours are 09:00–17:30 London time on working days of the cohort's division
(cohort/domain/working_time.py), so a session that ends late on a Friday is chased on Monday.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from cohort.domain import bank_holidays
from cohort.domain.times import long_day, time_range
from cohort.domain.working_time import WORKING_DAY, add_working_time
from cohort.extensions import db
from cohort.jobs import crontab, periodic_job
from cohort.messages.links import service_url
from cohort.models import AttendanceMark, Cohort, Enrolment, EnrolmentStatus, Role, Session, User
from cohort.models.attendance import MarkSource
from cohort.models.cohort import CLOSED_STATUSES
from cohort.schedule.messages import queue_to_each

log = logging.getLogger("cohort.attendance")

FACILITATORS_AFTER = timedelta(hours=2)  # working hours after the session ends
MANAGERS_AFTER = WORKING_DAY  # working time after the facilitators' note was due
# Sessions that ended longer ago than this are not chased: on the first run of this job, years of
# old sessions must not all be chased at once.
LOOK_BACK = timedelta(days=14)


@dataclass(frozen=True)
class Due:
    facilitators: datetime
    managers: datetime


def due_times(session: Session) -> Due:
    holidays = bank_holidays.holidays(session.cohort.bank_holiday_division.value)
    facilitators = add_working_time(session.ends_at, FACILITATORS_AFTER, holidays)
    return Due(facilitators, add_working_time(facilitators, MANAGERS_AFTER, holidays))


def register_missing(session: Session) -> bool:
    """No register is saved: no mark was recorded through the register, and someone with an
    active place has no mark at all (a check-in that marked everyone needs no register)."""
    by_register = db.session.scalar(
        select(
            exists().where(
                AttendanceMark.session_id == session.id, AttendanceMark.source == MarkSource.REGISTER
            )
        )
    )
    if by_register:
        return False
    unmarked = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            ~exists().where(
                AttendanceMark.session_id == session.id, AttendanceMark.enrolment_id == Enrolment.id
            ),
        )
    )
    return bool(unmarked)


def _facilitators(session: Session) -> list[User]:
    people = {p.id: p for p in session.cohort.facilitators}
    if session.facilitator is not None:
        people.setdefault(session.facilitator.id, session.facilitator)
    return list(people.values())


def _managers() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.is_active_account.is_(True)).order_by(User.id)
        )
    )


def _context(session: Session, audience: str) -> dict:
    return {
        "title": session.title,
        "cohort_name": session.cohort.name,
        "day": long_day(session.starts_at),
        "times": time_range(session.starts_at, session.ends_at),
        "facilitator": session.facilitator.full_name if session.facilitator else "",
        "audience": audience,
        "link": service_url("attendance.register", slug=session.cohort.slug, session_id=session.id),
    }


def _queue(session: Session, audience: str, people: list[User]) -> int:
    return queue_to_each(
        "register_missing",
        people,
        about=f"session:{session.id}",
        occasion=audience,
        context=_context(session, audience),
    )


def sessions_to_chase(now: datetime) -> list[Session]:
    """Ended sessions, not cancelled, of cohorts still running, ended within LOOK_BACK and at
    least two hours ago (two working hours are never less)."""
    return list(
        db.session.scalars(
            select(Session)
            .join(Cohort, Cohort.id == Session.cohort_id)
            .options(joinedload(Session.cohort), joinedload(Session.facilitator))
            .where(
                Session.cancelled_at.is_(None),
                Session.ends_at <= now - FACILITATORS_AFTER,
                Session.ends_at > now - LOOK_BACK,
                Cohort.status.not_in(CLOSED_STATUSES),
            )
            .order_by(Session.ends_at, Session.id)
        )
    )


def queue_due_register_messages(now: datetime) -> int:
    """Queue every 'register not taken' note due at `now` (aware); how many. Commits after each
    session. Running it again queues nothing more: the keys end in "facilitator" or "manager"."""
    queued = 0
    for session in sessions_to_chase(now):
        due = due_times(session)
        if due.facilitators > now or not register_missing(session):
            continue
        queued += _queue(session, "facilitator", _facilitators(session))
        if due.managers <= now:
            queued += _queue(session, "manager", _managers())
        db.session.commit()
    if queued:
        log.info("queued %s notes of registers not taken", queued)
    return queued


@periodic_job(crontab(minute="*/15"))
def chase_registers_not_taken() -> None:
    queue_due_register_messages(datetime.now(UTC))
