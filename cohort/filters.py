"""Template filters: dates and times shown the GOV.UK way, in Europe/London."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
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


def missing(value) -> bool:
    """No figure: None, or pandas' / numpy's way of saying so (NaN, NA, NaT)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, and pandas' NA/NaT, are not equal to themselves
    except TypeError:  # pd.NA refuses to be a bool
        return True


def _exact(value) -> Decimal:
    """A figure as the decimal people mean. Floats are means of rates or fractions turned to
    floats: their shortest form rounded to 9 places undoes float error, so 0.7949999999999999
    (a mean of 79.5 % rates) is 0.795 and 159/200 shows 80 %, not 79 %."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(repr(float(value))).quantize(Decimal("1e-9"))


def share(value, empty: str = "–") -> str:
    """A share from 0 to 1 (float, Fraction or Decimal) as a whole percentage rounded half up,
    as docs/rules.md §3.4 shows rates: 0.795 → "80%". Missing → `empty`."""
    if missing(value):
        return empty
    return f"{(_exact(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def decimal1(value, empty: str = "–") -> str:
    """A mean such as a skill uplift to one decimal place, with a sign: "+1.3", "−0.5", "0.0"."""
    if missing(value):
        return empty
    rounded = _exact(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded > 0:
        return f"+{rounded}"
    return f"−{-rounded}" if rounded < 0 else "0.0"


def reason_under(reason: str, title: str) -> str:
    """A rule's reason shown beside its title: without the title it starts with, so a row reads
    "Attendance | 85% (17 of 20 sessions) — needs 80%", not "Attendance | Attendance 85% …"."""
    if not reason.startswith(title):
        return reason
    rest = reason[len(title) :].lstrip(": ")
    return rest[:1].upper() + rest[1:] if rest and not rest[0].isdigit() else rest or reason


def init_filters(app: Flask) -> None:
    app.add_template_filter(share)
    app.add_template_filter(reason_under)
    app.add_template_filter(decimal1)
    app.add_template_filter(long_date)
    app.add_template_filter(date_time)

    from cohort.services.closed import closed_notice  # here: the services import this module

    app.add_template_global(closed_notice)
