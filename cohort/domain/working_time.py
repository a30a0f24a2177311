"""Working days and working hours in Europe/London (docs/messages.md, Session reminders,
changes and registers not taken).

A working day is Monday to Friday and not a bank holiday of the cohort's division. Working
hours are 09:00 to 17:30 London time on a working day. Both are worked out on London dates and
wall-clock times, so the clock change moves nothing: 09:00 is 09:00 in March and in October.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time, timedelta

from cohort.domain.times import london_date, london_to_utc

DAY_STARTS = time(9, 0)
DAY_ENDS = time(17, 30)
WORKING_DAY = timedelta(hours=8, minutes=30)  # DAY_STARTS to DAY_ENDS

# Longer than any run of days off (a weekend and the Christmas bank holidays) by far: a day
# loop that finds no working day in this many days has been given nonsense.
_MAX_DAYS_OFF = 30


def is_working_day(day: date, holidays: Container[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def previous_working_day(day: date, holidays: Container[date]) -> date:
    """The last working day before `day` (Friday for a Monday; Friday for the Tuesday after a
    bank holiday Monday)."""
    for n in range(1, _MAX_DAYS_OFF + 1):
        candidate = day - timedelta(days=n)
        if is_working_day(candidate, holidays):
            return candidate
    raise ValueError(f"no working day in the {_MAX_DAYS_OFF} days before {day}")


def add_working_time(start: datetime, duration: timedelta, holidays: Container[date]) -> datetime:
    """The instant `duration` of working hours after `start` (aware), counting only 09:00–17:30
    London time on working days. Time outside working hours does not count: two working hours
    after 16:30 on a Friday is 10:00 on Monday (one hour on Friday, one on Monday), or on Tuesday
    after a bank holiday Monday. A zero duration from outside working hours is the start of the
    next working period."""
    if start.tzinfo is None:
        raise ValueError("naive datetime: times are timezone-aware")
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    remaining = duration
    day = london_date(start)
    for _ in range(_MAX_DAYS_OFF + int(duration / WORKING_DAY) + 1):
        if is_working_day(day, holidays):
            opens, closes = london_to_utc(day, DAY_STARTS), london_to_utc(day, DAY_ENDS)
            if start < closes:
                begin = max(start, opens)
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)
    raise ValueError(f"no working time found after {start}")


def register_closes(session_ends: datetime, working_days: int, holidays: Container[date]) -> datetime:
    """The end of a session's register deadline (docs/rules.md §3.2): midnight, London time, at the
    end of the `working_days`-th working day after the day the session ended. Until then an ended
    session with no mark is waiting for the register, not missed. 0 working days: no wait (the
    deadline is the session's end). A session ending on Friday 4 December with 2 working days and
    bank holiday Monday 7 December closes at the end of Wednesday 9 December (Tuesday 1, Wednesday 2).
    """
    if session_ends.tzinfo is None:
        raise ValueError("naive datetime: times are timezone-aware")
    if working_days < 0:
        raise ValueError("working days must not be negative")
    if working_days == 0:
        return session_ends
    day = london_date(session_ends)
    counted = 0
    for _ in range(working_days * _MAX_DAYS_OFF):
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
            if counted == working_days:
                return london_to_utc(day + timedelta(days=1), time(0, 0))
    raise ValueError(f"no {working_days} working days found after {session_ends}")
