"""Template filters: dates and times shown the GOV.UK way, in Europe/London."""

from __future__ import annotations

import math
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


def share(value, empty: str = "–") -> str:
    """A share from 0 to 1 (float, Fraction or Decimal) as a whole percentage rounded half up,
    as DESIGN.md §4 shows rates: 0.795 → "80%". Missing (None, NaN) → `empty`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
    else:
        exact = Decimal(str(value)) * 100
    return f"{exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def decimal1(value, empty: str = "–") -> str:
    """A mean such as a skill uplift to one decimal place, with a sign: "+1.3", "−0.5", "0.0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded > 0:
        return f"+{rounded}"
    return f"−{-rounded}" if rounded < 0 else "0.0"


def init_filters(app: Flask) -> None:
    app.add_template_filter(share)
    app.add_template_filter(decimal1)
    app.add_template_filter(long_date)
    app.add_template_filter(date_time)

    from cohort.services.closed import closed_notice  # here: the services import this module

    app.add_template_global(closed_notice)
