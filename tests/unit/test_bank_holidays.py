"""Bank holidays per division come from govuk-bank-holidays' cached data, never the network."""

from __future__ import annotations

import socket
from datetime import date

import pytest

from cohort.domain import bank_holidays
from cohort.domain.schedule import next_working_day


def test_divisions_differ():
    assert date(2026, 1, 2) in bank_holidays.holidays("scotland")
    assert date(2026, 1, 2) not in bank_holidays.holidays("england-and-wales")
    assert date(2027, 3, 17) in bank_holidays.holidays("northern-ireland")
    assert date(2027, 3, 17) not in bank_holidays.holidays("england-and-wales")
    assert bank_holidays.holidays("england-and-wales")[date(2027, 3, 29)] == "Easter Monday"
    assert date(2027, 3, 29) not in bank_holidays.holidays("scotland")


def test_unknown_division_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        bank_holidays.holidays("atlantis")


def test_no_network(monkeypatch):
    bank_holidays.holidays.cache_clear()
    bank_holidays._source.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("bank holidays must come from the cached data, not the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert date(2026, 12, 25) in bank_holidays.holidays("england-and-wales")
    assert bank_holidays.known_until() >= date(2027, 12, 31)


@pytest.mark.parametrize(
    ("division", "day", "expected"),
    [
        ("scotland", date(2026, 1, 1), date(2026, 1, 5)),  # 1 and 2 January, then the weekend
        ("england-and-wales", date(2026, 1, 1), date(2026, 1, 2)),
        ("northern-ireland", date(2027, 3, 16), date(2027, 3, 18)),  # skips St Patrick's Day
        ("england-and-wales", date(2027, 3, 25), date(2027, 3, 30)),  # Good Friday, weekend, Easter Monday
        ("scotland", date(2027, 3, 25), date(2027, 3, 29)),  # no Easter Monday in Scotland
    ],
)
def test_next_working_day(division, day, expected):
    assert next_working_day(day, bank_holidays.holidays(division)) == expected
