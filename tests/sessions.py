"""Builders for timetable sessions in tests (London wall-clock times, stored in UTC)."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_to_utc
from cohort.extensions import db
from cohort.models import Cohort, Session, User


def make_session(
    cohort: Cohort,
    day: date | None = None,
    start: time = time(9, 30),
    end: time = time(12, 30),
    *,
    kind: SessionKind = SessionKind.WORKSHOP,
    title: str | None = None,
    facilitator: User | None = None,
    mandatory: bool | None = None,
) -> Session:
    """A session of the cohort; by default the Tuesday of its first week, 9:30am to 12:30pm."""
    day = day or cohort.start_date + timedelta(days=1)
    session = Session(
        cohort=cohort,
        kind=kind,
        title=title or f"{kind.label} on {day:%d %B}",
        starts_at=london_to_utc(day, start),
        ends_at=london_to_utc(day, end),
        facilitator=facilitator,
        mandatory=kind.mandatory_by_default if mandatory is None else mandatory,
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    return session


def session_id_in(cohort: Cohort) -> int:
    """The id of the cohort's first session, making one if it has none (for URL tables)."""
    found = db.session.scalar(
        select(Session.id).where(Session.cohort_id == cohort.id).order_by(Session.id).limit(1)
    )
    return found if found is not None else make_session(cohort).id
