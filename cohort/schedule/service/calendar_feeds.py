"""A person's secret calendar feed link: making, replacing and turning it off, each audited."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from cohort.core import audit
from cohort.extensions import db
from cohort.models import CalendarFeed, User
from cohort.models.base import utcnow


def regenerate_calendar_feed(user: User) -> CalendarFeed:
    """A new secret calendar link for the person; any old one stops working. Commits."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    had = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    db.session.flush()
    audit.record(
        user,
        "calendar-link",
        user,
        f"{'Replaced' if had else 'Made'} the calendar feed link of {user.full_name} ({user.email})",
    )
    db.session.commit()
    return feed


def revoke_calendar_feed(user: User) -> bool:
    """Turn the person's calendar link off; False when there was none. Commits."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        return False
    db.session.delete(feed)
    audit.record(
        user, "calendar-link", user, f"Turned off the calendar feed link of {user.full_name} ({user.email})"
    )
    db.session.commit()
    return True
