"""E-mails about sessions: the reminder the working day before, and the note that a session
has changed, been cancelled or is back on (docs/messages.md, Session reminders, changes and
registers not taken).

Both go to the people of the session's cohort: participants with an active place and the
cohort's facilitators (and the session's own facilitator). Each carries the session as a
calendar file with the feeds' UID and SEQUENCE, so opening it updates the event people already
have. Keys make each message once: a reminder per session date, a change per session version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.domain import bank_holidays
from cohort.domain.times import in_london, london_to_utc, long_day, time_range
from cohort.domain.working_time import previous_working_day
from cohort.extensions import db
from cohort.jobs import crontab, periodic_job
from cohort.messages.links import service_url
from cohort.messages.outbox import Attachment, message_key, queue_message
from cohort.models import Cohort, Enrolment, EnrolmentStatus, Message, Session, User
from cohort.models.cohort import CLOSED_STATUSES
from cohort.schedule.feeds import feed_event
from cohort.schedule.ics import event_file

log = logging.getLogger("cohort.schedule")

REMINDER_FROM = time(9, 0)  # London time, on the working day before the session
# The longest run of days off before a session (Christmas, Easter) is under a week; two weeks
# ahead finds every session whose reminder can be due without reading the whole timetable.
LOOK_AHEAD = timedelta(days=14)


# Queueing to several people in one transaction ------------------------------------------


def queue_to_each(kind: str, people: list[User], **message) -> int:
    """queue_message to each person, in the caller's transaction; how many were queued (the
    deliveries start when the caller commits: docs/messages.md, Exactly once)."""
    return sum(1 for person in people if queue_message(kind, person, **message))


# Who and what ---------------------------------------------------------------------------


def people_of(session: Session) -> list[User]:
    """Participants with an active place in the session's cohort, its facilitators and the
    session's own facilitator, each once. Closed accounts and opt-outs are left out by
    queue_message."""
    participants = db.session.scalars(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(User.id)
    ).all()
    people = {p.id: p for p in participants}
    for person in [*session.cohort.facilitators, session.facilitator]:
        if person is not None:
            people.setdefault(person.id, person)
    return list(people.values())


def _link(session: Session) -> str:
    return service_url("schedule.show_session", slug=session.cohort.slug, session_id=session.id)


def _attachment(session: Session) -> Attachment:
    content_type, text = event_file(feed_event(session, _link(session)))
    return Attachment("session.ics", content_type, text)


def _context(session: Session) -> dict:
    return {
        "title": session.title,
        "cohort_name": session.cohort.name,
        "day": long_day(session.starts_at),
        "times": time_range(session.starts_at, session.ends_at),
        "place": session.location or "",
        "online_link": session.online_link or "",
        "description": session.description or "",
        "mandatory": "yes" if session.mandatory else "",
        "facilitator": session.facilitator.full_name if session.facilitator else "",
        "link": _link(session),
    }


def _about(session: Session) -> str:
    return f"session:{session.id}"


# Reminders ------------------------------------------------------------------------------


def reminder_due_at(session: Session) -> datetime:
    """09:00 London time on the working day before the session (the cohort's bank holidays and
    weekends skipped): Friday for a Monday, Friday for the Tuesday after a bank holiday."""
    holidays = bank_holidays.holidays(session.cohort.bank_holiday_division.value)
    return london_to_utc(previous_working_day(session.day, holidays), REMINDER_FROM)


def queue_reminders(session: Session) -> int:
    """Queue the session's reminder to each of its people who has not had it for this date;
    how many were queued. The caller commits."""
    about, occasion = _about(session), session.day.isoformat()
    people = people_of(session)
    keys = {p.id: message_key("session_reminder", about, p, occasion) for p in people}
    # One read for the keys already sent, so a run that finds everything done costs one query.
    sent = set(db.session.scalars(select(Message.key).where(Message.key.in_(list(keys.values())))))
    to_send = [p for p in people if keys[p.id] not in sent]
    if not to_send:
        return 0
    return queue_to_each(
        "session_reminder",
        to_send,
        about=about,
        occasion=occasion,
        context=_context(session),
        attachment=_attachment(session),
    )


def sessions_to_remind(now: datetime) -> list[Session]:
    """Sessions still to start, not cancelled, of cohorts still running, whose reminder is due."""
    candidates = db.session.scalars(
        select(Session)
        .join(Cohort, Cohort.id == Session.cohort_id)
        .options(joinedload(Session.cohort), joinedload(Session.facilitator))
        .where(
            Session.cancelled_at.is_(None),
            Session.starts_at > now,
            Session.starts_at <= now + LOOK_AHEAD,
            Cohort.status.not_in(CLOSED_STATUSES),
        )
        .order_by(Session.starts_at, Session.id)
    ).all()
    return [s for s in candidates if reminder_due_at(s) <= now]


def queue_due_session_messages(now: datetime) -> int:
    """Queue every reminder due at `now` (aware); how many. Commits after each session, so
    one session's people are delivered to while the next is worked out. Running it again
    queues nothing more (the keys)."""
    queued = 0
    for session in sessions_to_remind(now):
        queued += queue_reminders(session)
        db.session.commit()
    if queued:
        log.info("queued %s session reminders", queued)
    return queued


@periodic_job(crontab(minute="*/15"))
def send_session_reminders() -> None:
    # Every quarter of an hour: the reminders go out soon after 09:00 London time, whatever the
    # UTC offset, and a run missed while the worker was down is made up by the next.
    queue_due_session_messages(datetime.now(UTC))


# Changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Watched:
    """What of a session people must hear about when it changes (docs/messages.md)."""

    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_link: str | None
    cancelled: bool


def watched(session: Session) -> Watched:
    return Watched(
        session.starts_at, session.ends_at, session.location, session.online_link, session.cancelled
    )


def _changes(was: Watched, now: Watched) -> list[str]:
    lines = []
    if in_london(was.starts_at).date() != in_london(now.starts_at).date():
        lines.append(f"Date: was {long_day(was.starts_at)}, now {long_day(now.starts_at)}")
    if time_range(was.starts_at, was.ends_at) != time_range(now.starts_at, now.ends_at):
        lines.append(
            f"Time: was {time_range(was.starts_at, was.ends_at)}, now {time_range(now.starts_at, now.ends_at)}"
        )
    for label, before, after in (
        ("Place", was.location, now.location),
        ("Online link", was.online_link, now.online_link),
    ):
        if (before or "") != (after or ""):
            lines.append(f"{label}: was {before or 'none'}, now {after or 'none'}")
    return lines


def queue_change(session: Session, was: Watched, now: datetime) -> int:
    """Tell the session's people what changed since `was`: its date, times, place or link, or
    that it is cancelled or back on. Nothing when none of those changed (a new title or
    description), or when the session had ended before and after the change. Keyed by the
    session's SEQUENCE, which goes up with every saved change under the session's row lock, so
    each change is told once. Call after the change is applied, before the caller commits."""
    current = watched(session)
    if max(was.ends_at, current.ends_at) <= now:
        return 0
    lines: list[str] = []
    if current.cancelled and not was.cancelled:
        change = "cancelled"
    elif was.cancelled and not current.cancelled:
        change = "reinstated"
    else:
        change, lines = "changed", _changes(was, current)
        if not lines:
            return 0
    context = {
        **_context(session),
        "change": change,
        "changes": lines,
        "reason": session.cancellation_reason or "",
    }
    return queue_to_each(
        "session_changed",
        people_of(session),
        about=_about(session),
        occasion=f"v{session.sequence}",
        context=context,
        attachment=_attachment(session),
    )
