"""A cohort's timetable: adding, changing and cancelling sessions, each change audited
(docs/rules.md §2.5, §11). The standard programme is in `programme.py` beside this module.

Times come in as a date and London wall-clock times and are stored in UTC,
worked out with zoneinfo for that date, so a 09:30 session stays at 09:30
across the clock change.

Checks come in two strengths: problems (`ScheduleError`: end before start, a
facilitator booked twice, a time that does not exist) stop the change;
warnings (outside the cohort's weeks, on a bank holiday, at a weekend) need
the person to confirm, and are returned so the page can say what they are;
they are asked again only when a session's date changes.

Changing, cancelling or reinstating a session locks its row first, so the audit "before" is the
row as it is; a change also checks the version its edit page showed
(docs/decisions/0004-optimistic-edits-and-limits.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort import concurrency
from cohort.core import audit
from cohort.core.closed import closed_reason
from cohort.core.errors import ServiceError
from cohort.domain import bank_holidays
from cohort.domain.formatting import date_time
from cohort.domain.schedule import SessionKind
from cohort.domain.times import clock_time, london_to_utc, long_day, wall_clock_exists
from cohort.extensions import db
from cohort.models import Cohort, Role, Session, User
from cohort.models.base import utcnow

if TYPE_CHECKING:
    from cohort.schedule.messages import Watched

log = logging.getLogger("cohort.schedule")

SESSION_AUDIT_FIELDS = (
    "cohort_id",
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "location",
    "online_link",
    "facilitator_id",
    "mandatory",
    "cancelled_at",
    "cancellation_reason",
)


class ScheduleError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


@dataclass(frozen=True)
class ScheduleWarning:
    """Something unusual the person must confirm before the change is saved."""

    code: str  # outside-weeks, bank-holiday, weekend, existing-sessions
    message: str


class NeedsConfirmation(Exception):  # noqa: N818 - not an error: a question for the person
    def __init__(self, warnings: list[ScheduleWarning]):
        super().__init__("; ".join(w.message for w in warnings))
        self.warnings = warnings


@dataclass
class SessionDetails:
    kind: SessionKind
    title: str
    day: date
    start: time
    end: time
    description: str | None = None
    location: str | None = None
    online_link: str | None = None
    facilitator_id: int | None = None
    mandatory: bool = False

    @property
    def starts_at(self) -> datetime:
        return london_to_utc(self.day, self.start)

    @property
    def ends_at(self) -> datetime:
        return london_to_utc(self.day, self.end)


def snapshot(session: Session) -> dict:
    return audit.snapshot(session, SESSION_AUDIT_FIELDS)


def _cancelled(value) -> str:
    return "not cancelled" if value is None else f"cancelled on {concurrency.plain(value)}"


SESSION = concurrency.Tracked(
    title="Someone else changed this session after you opened it",
    entity_type="Session",
    labels={
        "kind": "the kind of session",
        "title": "the title",
        "description": "the description",
        "starts_at": "the start",
        "ends_at": "the end",
        "location": "the location",
        "online_link": "the online link",
        "facilitator_id": "the facilitator",
        "mandatory": "whether attendance is mandatory",
        "cancelled_at": "whether it is cancelled",
        "cancellation_reason": "the reason it is cancelled",
    },
    values=lambda session: {k: v for k, v in snapshot(session).items() if k != "cohort_id"},
    formats={
        "kind": concurrency.label_of({k.value: k.label for k in SessionKind}),
        "facilitator_id": concurrency.names_of(User, "full_name"),
        "cancelled_at": _cancelled,
    },
    anchors={"starts_at": "day", "ends_at": "end", "facilitator_id": "facilitator", "cancelled_at": ""},
)


def sessions_of(cohort: Cohort) -> list[Session]:
    """The cohort's sessions (cancelled ones too) in time order, with their facilitators (one query)."""
    return list(
        db.session.scalars(
            select(Session)
            .options(joinedload(Session.facilitator))
            .where(Session.cohort_id == cohort.id)
            .order_by(Session.starts_at, Session.id)
        )
    )


def cohort_last_day(cohort: Cohort) -> date:
    """The Sunday that ends the cohort's last week."""
    return cohort.start_date + timedelta(weeks=cohort.length_weeks, days=-1)


def holiday_on(cohort: Cohort, day: date) -> str | None:
    return bank_holidays.holidays(cohort.bank_holiday_division.value).get(day)


def facilitator_choices(cohort: Cohort, current: User | None = None) -> list[User]:
    """Who may run a session: the cohort's facilitators (and whoever already runs it)."""
    people = [f for f in cohort.facilitators if f.is_active_account and f.role == Role.FACILITATOR]
    if current is not None and all(p.id != current.id for p in people):
        people.append(current)
    return people


def clashes(facilitator_id: int, starts_at: datetime, ends_at: datetime, ignore_id: int | None = None):
    """Sessions (of any cohort, not cancelled) the facilitator runs that overlap the times."""
    query = (
        select(Session)
        .options(joinedload(Session.cohort))
        .where(
            Session.facilitator_id == facilitator_id,
            Session.cancelled_at.is_(None),
            Session.starts_at < ends_at,
            Session.ends_at > starts_at,
        )
        .order_by(Session.starts_at)
    )
    if ignore_id is not None:
        query = query.where(Session.id != ignore_id)
    return list(db.session.scalars(query))


def check(
    cohort: Cohort, details: SessionDetails, session: Session | None = None
) -> tuple[list[ScheduleError], list[ScheduleWarning]]:
    """The problems and warnings of a session's details, without changing anything."""
    errors: list[ScheduleError] = []
    warnings: list[ScheduleWarning] = []
    for name, value in (("start", details.start), ("end", details.end)):
        if not wall_clock_exists(details.day, value):
            errors.append(
                ScheduleError(
                    f"{'Start' if name == 'start' else 'End'} time {value:%H:%M} does not exist on "
                    f"{long_day(details.day)}: the clocks go forward. Choose another time",
                    name,
                )
            )
    if errors:
        return errors, warnings
    if details.ends_at <= details.starts_at:
        errors.append(ScheduleError("End time must be after the start time", "end"))
        return errors, warnings

    if details.facilitator_id is not None:
        allowed = {
            p.id for p in facilitator_choices(cohort, session.facilitator if session is not None else None)
        }
        if details.facilitator_id not in allowed:
            errors.append(ScheduleError("Choose a facilitator of this cohort from the list", "facilitator"))
        else:
            busy = clashes(
                details.facilitator_id,
                details.starts_at,
                details.ends_at,
                ignore_id=session.id if session is not None else None,
            )
            if busy:
                other, person = busy[0], db.session.get(User, details.facilitator_id)
                errors.append(
                    ScheduleError(
                        f"{person.full_name if person else 'The facilitator'} is already running "
                        f"“{other.title}” ({other.cohort.name}) from {date_time(other.starts_at)} "
                        f"to {clock_time(other.ends_at)}. Choose another facilitator or time",
                        "facilitator",
                    )
                )

    if session is not None and session.day == details.day:
        return errors, warnings  # its date was confirmed when it was set
    last_day = cohort_last_day(cohort)
    if not cohort.start_date <= details.day <= last_day:
        warnings.append(
            ScheduleWarning(
                "outside-weeks",
                f"{long_day(details.day)} is outside the cohort’s {cohort.length_weeks} weeks "
                f"({long_day(cohort.start_date)} to {long_day(last_day)})",
            )
        )
    if holiday := holiday_on(cohort, details.day):
        warnings.append(
            ScheduleWarning(
                "bank-holiday",
                f"{long_day(details.day)} is a bank holiday in {cohort.bank_holiday_division.label} ({holiday})",
            )
        )
    elif details.day.weekday() >= 5:
        warnings.append(ScheduleWarning("weekend", f"{long_day(details.day)} is at the weekend"))
    return errors, warnings


def _check_open(cohort: Cohort) -> None:
    """A finished or archived cohort's timetable no longer changes (status read in this transaction)."""
    if reason := closed_reason(cohort, "its sessions", lock=True):
        raise ScheduleError(reason)


def _validate(cohort: Cohort, details: SessionDetails, session: Session | None, confirmed: bool) -> None:
    if session is None:
        _check_open(cohort)
    errors, warnings = check(cohort, details, session)
    if errors:
        raise errors[0]
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)


def _apply(session: Session, details: SessionDetails) -> None:
    session.kind = details.kind
    session.title = details.title
    session.description = details.description or None
    session.starts_at = details.starts_at
    session.ends_at = details.ends_at
    session.location = details.location or None
    session.online_link = details.online_link or None
    session.facilitator_id = details.facilitator_id
    session.mandatory = details.mandatory


def create_session(
    actor: User | None, cohort: Cohort, details: SessionDetails, confirmed: bool = False, commit: bool = True
) -> Session:
    """Add a session; raises ScheduleError or NeedsConfirmation (nothing written)."""
    _validate(cohort, details, None, confirmed)
    session = Session(cohort=cohort, sequence=0)
    _apply(session, details)
    db.session.add(session)
    db.session.flush()
    audit.record(
        actor,
        "create",
        session,
        f"Added {details.kind.label.lower()} “{session.title}” to {cohort.name}",
        after=snapshot(session),
    )
    if commit:
        db.session.commit()
    return session


def watched(session: Session) -> Watched:
    # Imported here: cohort.schedule's package imports its routes, which import this module.
    from cohort.schedule.messages import watched

    return watched(session)


def _tell_people(session: Session, was: Watched) -> None:
    """E-mail the session's people about a change to its date, time or place, its cancellation
    or reinstatement, in this transaction (docs/messages.md, Session reminders, changes and
    registers not taken)."""
    from cohort.schedule.messages import queue_change

    queue_change(session, was, utcnow())


def _lock_open(session: Session) -> None:
    """The cohort must be open (its row share-locked), then the session's row is locked and read again."""
    _check_open(session.cohort)
    concurrency.lock(session)


def update_session(
    actor: User,
    session: Session,
    details: SessionDetails,
    confirmed: bool = False,
    version: str | None = None,
) -> bool:
    """Change a session; returns False when nothing changed. Commits. `version`: what the edit page
    showed (concurrency.StaleEdit when the session changed since; None is not checked)."""
    _lock_open(session)
    concurrency.check(SESSION, session, version, actor)
    _validate(session.cohort, details, session, confirmed)
    before, was = snapshot(session), watched(session)
    _apply(session, details)
    after = snapshot(session)
    if before == after:
        db.session.rollback()
        return False
    session.sequence += 1
    session.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor, "update", session, f"Changed “{session.title}” in {session.cohort.name}", before, after
    )
    _tell_people(session, was)
    db.session.commit()
    return True


def cancel_session(actor: User, session: Session, reason: str, at: datetime | None = None) -> None:
    """Cancel a session: it keeps its record (and marks) and drops out of rates. Commits."""
    _lock_open(session)
    if session.cancelled:
        raise ScheduleError("This session is already cancelled", "reason")
    reason = reason.strip()
    if not reason:
        raise ScheduleError("Enter why the session is cancelled", "reason")
    before, was = snapshot(session), watched(session)
    session.cancelled_at = at or utcnow()
    session.cancellation_reason = reason
    session.cancelled_by_id = actor.id
    session.sequence += 1
    session.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "cancel",
        session,
        f"Cancelled “{session.title}” in {session.cohort.name}",
        before=before,
        after=snapshot(session),
    )
    _tell_people(session, was)
    db.session.commit()


def reinstate_session(actor: User, session: Session) -> None:
    """Undo a cancellation. The facilitator must still be free. Commits."""
    _lock_open(session)
    if not session.cancelled:
        raise ScheduleError("This session is not cancelled")
    if session.facilitator_id is not None:
        for other in clashes(
            session.facilitator_id, session.starts_at, session.ends_at, ignore_id=session.id
        ):
            raise ScheduleError(
                f"{session.facilitator.full_name if session.facilitator else 'The facilitator'} "
                f"is now running “{other.title}” ({other.cohort.name}) at that time. "
                "Change the session's facilitator or time first"
            )
    before, was = snapshot(session), watched(session)
    session.cancelled_at = None
    session.cancellation_reason = None
    session.cancelled_by_id = None
    session.sequence += 1
    session.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "reinstate",
        session,
        f"Reinstated “{session.title}” in {session.cohort.name}",
        before=before,
        after=snapshot(session),
    )
    _tell_people(session, was)
    db.session.commit()
