"""How figures, words and moments are written on pages, in PDFs and in messages: one place.

Plain Python (no Flask, no database), so the rules, services, reports and templates all
write a percentage, a count or a date the same way. Templates reach these functions as
filters and globals registered once, by `cohort.filters.init_filters`
(docs/architecture.md §9).

- Percentages: whole, rounded half up (docs/rules.md §3.4): 0.795 → "80%".
- Means: one decimal place, rounded half up (docs/rules.md §9), with a sign for an uplift.
- Counts: "1 enrolment", "2 enrolments", "5,012 rows": thousands with a comma.
- Dates and times: GOV.UK style, in Europe/London (docs/rules.md §11.1): "1 September 2026",
  "1 September 2026 at 9:30am", "Tuesday 8 September 2026", "9:30am to 12:30pm".
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from cohort.domain.times import LONDON, clock_time, long_day, time_range

__all__ = [
    "LONDON",
    "clock_time",
    "date_time",
    "decimal1",
    "long_date",
    "long_day",
    "missing",
    "noun",
    "percent",
    "plural",
    "reason_under",
    "time_range",
    "whole_percent",
]


# Figures -----------------------------------------------------------------------------------


def missing(value: Any) -> bool:
    """No figure: None, or pandas' / numpy's way of saying so (NaN, NA, NaT)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, and pandas' NA/NaT, are not equal to themselves
    except TypeError:  # pd.NA refuses to be a bool
        return True


def _exact(value: Any) -> Decimal:
    """A figure as the decimal people mean. Floats are stored thresholds (0.8), means of rates
    or fractions turned to floats: their shortest form rounded to 9 places undoes float error,
    so 0.7949999999999999 (a mean of 79.5 % rates) is 0.795 and 159/200 shows 80 %, not 79 %."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value))).quantize(Decimal("1e-9"))


@functools.lru_cache(maxsize=4096)  # the same few rates come up again and again in a report
def _whole_percent_of_fraction(value: Fraction) -> int:
    exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def whole_percent(value: Fraction | Decimal | float | int) -> int:
    """A share from 0 to 1 as a whole percentage, rounded half up (docs/rules.md §3.4):
    159/200 (79.5 %) → 80, a stored threshold 0.8 → 80, 0.125 → 13 (never the float's or
    Python's round-half-even 12)."""
    if isinstance(value, Fraction):
        return _whole_percent_of_fraction(value)
    return int((_exact(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(value: Any, empty: str = "–") -> str:
    """A share from 0 to 1 (Fraction, Decimal or float) as "80%"; missing → `empty`."""
    if missing(value):
        return empty
    return f"{whole_percent(value)}%"


def decimal1(value: Any, empty: str = "–") -> str:
    """A mean such as a skill uplift to one decimal place, with a sign: "+1.3", "−0.5", "0.0"."""
    if missing(value):
        return empty
    rounded = _exact(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded > 0:
        return f"+{rounded}"
    return f"−{-rounded}" if rounded < 0 else "0.0"


# Words -------------------------------------------------------------------------------------


def noun(count: int, singular: str, plural_form: str | None = None) -> str:
    """The word alone, for the count: "entry" for 1, "entries" for 0 or 2; "rows" by default."""
    return singular if count == 1 else (plural_form or singular + "s")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun: "0 rows", "1 row", "5,012 rows", "1 person", "2 people"."""
    return f"{count:,} {noun(count, singular, plural_form)}"


def reason_under(reason: str, title: str) -> str:
    """A rule's reason shown beside its title: without the title it starts with, so a row reads
    "Attendance | 85% (17 of 20 sessions) — needs 80%", not "Attendance | Attendance 85% …"."""
    if not reason.startswith(title):
        return reason
    rest = reason[len(title) :].lstrip(": ")
    return rest[:1].upper() + rest[1:] if rest and not rest[0].isdigit() else rest or reason


# Dates and times ---------------------------------------------------------------------------


def long_date(value: date | datetime | None) -> str:
    """1 September 2026 (GOV.UK style: no leading zero, full month); a moment is taken in
    London time, so 23:30 UTC on 31 August in summer is 1 September."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def date_time(value: datetime | None) -> str:
    """1 September 2026 at 9:30am, in London time (minutes always shown: 9:00am)."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{long_date(local)} at {hour}:{local:%M}{suffix}"
