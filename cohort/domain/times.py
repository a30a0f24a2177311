"""Wall-clock times in Europe/London and the UTC instants they are stored as (docs/rules.md §11.1).

A session at 09:30 stays at 09:30 across the clock change: the UTC instant is
worked out for that date with zoneinfo, never by adding a fixed offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_to_utc(day: date, wall_clock: time) -> datetime:
    """The UTC instant of a London wall-clock time on a date.

    An ambiguous time (the hour repeated when the clocks go back) is taken as
    its first occurrence; use `wall_clock_exists` to refuse times skipped when
    the clocks go forward.
    """
    return datetime.combine(day, wall_clock, tzinfo=LONDON).astimezone(UTC)


def wall_clock_exists(day: date, wall_clock: time) -> bool:
    """False for a time skipped when the clocks go forward (01:30 on the last Sunday of March)."""
    local = datetime.combine(day, wall_clock, tzinfo=LONDON)
    back = local.astimezone(UTC).astimezone(LONDON)
    return (back.date(), back.time()) == (day, wall_clock.replace(tzinfo=None))


def in_london(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: times are stored timezone-aware in UTC")
    return instant.astimezone(LONDON)


def london_date(instant: datetime) -> date:
    return in_london(instant).date()


def week_of(start_date: date, instant: datetime | date) -> int:
    """Week number of a moment in a cohort that starts on `start_date` (week 1 is its first 7 days).

    Before the start gives 0 or less; after the last week gives more than its length.
    """
    day = instant if not isinstance(instant, datetime) else london_date(instant)
    return (day - start_date).days // 7 + 1


def week_start(start_date: date, week: int) -> date:
    """The Monday of a cohort's week (week 1 starts on the cohort's start date)."""
    return start_date + timedelta(weeks=week - 1)


def clock_time(instant: datetime) -> str:
    """9:30am, 2pm, 12:15pm: GOV.UK style, in London time."""
    local = in_london(instant)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}:{local:%M}{suffix}"


def long_day(day: date | datetime) -> str:
    """Tuesday 8 September 2026 (a moment is taken in London time)."""
    if isinstance(day, datetime):
        day = london_date(day)
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_range(starts_at: datetime, ends_at: datetime) -> str:
    """9:30am to 12:30pm, in London time."""
    return f"{clock_time(starts_at)} to {clock_time(ends_at)}"
