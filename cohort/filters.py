"""Template filters: dates and times shown the GOV.UK way, in Europe/London."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

LONDON = ZoneInfo("Europe/London")


def long_date(value: date | datetime | None) -> str:
    """1 September 2026 (GOV.UK style: no leading zero, full month)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def date_time(value: datetime | None) -> str:
    """1 September 2026 at 9:30am, in London time."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{long_date(local)} at {hour}:{local:%M}{suffix}"


def init_filters(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(date_time)
