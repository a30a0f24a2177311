"""Calendar feeds (iCalendar, RFC 5545) built with the icalendar library, over plain values.

Events carry Europe/London wall-clock times (DTSTART;TZID=Europe/London:…T093000)
with the matching VTIMEZONE, so calendar programs keep a 09:30 session at 09:30
on both sides of the clock change. UIDs are stable (one per session for ever);
SEQUENCE goes up with every change so programs apply it; a cancelled session
stays in the feed with STATUS:CANCELLED, so programs remove it from people's days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from cohort.domain.times import LONDON

PRODID = "-//AI Accelerator Programme//Cohort//EN"
UID_DOMAIN = "cohort.ai-accelerator"


def session_uid(session_id: int) -> str:
    return f"session-{session_id}@{UID_DOMAIN}"


@dataclass(frozen=True)
class FeedEvent:
    session_id: int
    title: str
    starts_at: datetime  # aware (UTC in the database)
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None
    kind: str | None = None
    cancelled: bool = False


def _event(item: FeedEvent) -> Event:
    event = Event()
    event.add("uid", session_uid(item.session_id))
    event.add("dtstamp", item.updated_at)
    event.add("created", item.created_at)
    event.add("last-modified", item.updated_at)
    event.add("sequence", item.sequence)
    event.add("summary", f"Cancelled: {item.title}" if item.cancelled else item.title)
    event.add("dtstart", item.starts_at.astimezone(LONDON))
    event.add("dtend", item.ends_at.astimezone(LONDON))
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    if item.kind:
        event.add("categories", [item.kind])
    return event


def _calendar(method: str, events: list[FeedEvent]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    for item in events:
        calendar.add_component(_event(item))
    if events:
        # Only the years the events need, so the VTIMEZONE stays small.
        first = min(e.starts_at for e in events).date().replace(month=1, day=1)
        last = max(e.ends_at for e in events).date().replace(month=12, day=31)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def build_calendar(name: str, events: Iterable[FeedEvent]) -> bytes:
    calendar = _calendar("PUBLISH", list(events))
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar.to_ical()


def event_file(item: FeedEvent) -> tuple[str, str]:
    """One session as a calendar file to attach to an e-mail: (content type, text). The same UID
    and SEQUENCE as the feeds, so opening it updates the event already in the calendar; a
    cancelled session is sent with METHOD:CANCEL, which calendar programs take as removing it."""
    method = "CANCEL" if item.cancelled else "PUBLISH"
    text = _calendar(method, [item]).to_ical().decode("utf-8")
    return f"text/calendar; method={method}", text
