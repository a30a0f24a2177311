"""The demo's outbox: besides the messages the demo's own changes send (certificates, reports
ready, hackathon results, a cancelled session), the timed messages as the worker would send
them, so Admin → Outbox shows each kind a programme manager will meet (docs/messages.md)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import Message, Session


def seed_demo_messages(now: datetime) -> int:
    """Reminders of the next session (as at 09:00 on the working day before it, or now if that
    has passed), registers not taken and the week's at-risk notes as at `now`; then how many
    messages the outbox holds."""
    from cohort.attendance.reminders import queue_due_register_messages
    from cohort.completion.messages import queue_weekly_at_risk
    from cohort.domain import bank_holidays
    from cohort.domain.times import in_london, london_to_utc
    from cohort.domain.working_time import previous_working_day
    from cohort.schedule.messages import queue_due_session_messages

    upcoming = db.session.scalar(
        select(Session)
        .where(Session.starts_at > now, Session.cancelled_at.is_(None))
        .order_by(Session.starts_at)
    )
    if upcoming is not None:
        day = in_london(upcoming.starts_at).date()
        holidays = bank_holidays.holidays(upcoming.cohort.bank_holiday_division.value)
        reminder_at = london_to_utc(previous_working_day(day, holidays), time(9))
        queue_due_session_messages(max(reminder_at, now))
    queue_due_register_messages(now)
    queue_weekly_at_risk(now)
    db.session.commit()
    return db.session.scalar(select(func.count(Message.id))) or 0
