"""UK bank holidays per division, from govuk-bank-holidays' cached copy (never the network)."""

from __future__ import annotations

from datetime import date
from functools import cache

from govuk_bank_holidays.bank_holidays import BankHolidays

DIVISIONS = ("england-and-wales", "scotland", "northern-ireland")


@cache
def _source() -> BankHolidays:
    return BankHolidays(use_cached_holidays=True)


@cache
def holidays(division: str) -> dict[date, str]:
    """Every known bank holiday of a division: date → its name ("Easter Monday")."""
    if division not in DIVISIONS:
        raise ValueError(f"unknown bank holiday division {division!r}")
    return {h["date"]: h["title"] for h in _source().get_holidays(division=division)}


def known_until() -> date:
    """The last date the cached data covers: after it, no holiday is known."""
    return max(max(holidays(d)) for d in DIVISIONS)
