"""Working days and working hours, worked by hand (09:00–17:30 London time, Monday to Friday,
not on the division's bank holidays)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from cohort.domain.bank_holidays import holidays
from cohort.domain.times import london_to_utc
from cohort.domain.working_time import add_working_time, is_working_day, previous_working_day

ENGLAND = holidays("england-and-wales")
SCOTLAND = holidays("scotland")
TWO_HOURS = timedelta(hours=2)


def london(day: date, hh: int, mm: int = 0) -> datetime:
    return london_to_utc(day, time(hh, mm))


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2026, 5, 22), ENGLAND)  # Friday
    assert not is_working_day(date(2026, 5, 23), ENGLAND)  # Saturday
    assert not is_working_day(date(2026, 5, 24), ENGLAND)  # Sunday
    assert not is_working_day(date(2026, 5, 25), ENGLAND)  # Spring bank holiday
    assert is_working_day(date(2026, 5, 26), ENGLAND)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 8), date(2026, 9, 7)),  # Tuesday → Monday
        (date(2026, 9, 7), date(2026, 9, 4)),  # Monday → Friday
        (date(2026, 5, 26), date(2026, 5, 22)),  # Tuesday after the bank holiday → Friday
        (date(2026, 4, 7), date(2026, 4, 2)),  # after Easter Monday and Good Friday → Thursday
        (date(2026, 12, 29), date(2026, 12, 24)),  # after Christmas Day and the substitute day
        (date(2026, 9, 6), date(2026, 9, 4)),  # a Sunday session: the Friday
    ],
)
def test_previous_working_day(day, expected):
    assert previous_working_day(day, ENGLAND) == expected


def test_previous_working_day_follows_the_division():
    # Monday 3 August 2026 is a bank holiday in Scotland only (the Summer bank holiday).
    assert date(2026, 8, 3) in SCOTLAND and date(2026, 8, 3) not in ENGLAND
    assert previous_working_day(date(2026, 8, 4), ENGLAND) == date(2026, 8, 3)
    assert previous_working_day(date(2026, 8, 4), SCOTLAND) == date(2026, 7, 31)


def test_two_working_hours_inside_one_day():
    assert add_working_time(london(date(2026, 9, 8), 12, 30), TWO_HOURS, ENGLAND) == london(
        date(2026, 9, 8), 14, 30
    )


def test_ending_exactly_at_the_end_of_the_day():
    assert add_working_time(london(date(2026, 9, 8), 15, 30), TWO_HOURS, ENGLAND) == london(
        date(2026, 9, 8), 17, 30
    )


def test_friday_afternoon_carries_to_monday():
    # 16:30 to 17:30 on Friday is one working hour; the second is 09:00 to 10:00 on Monday.
    friday = date(2026, 9, 11)
    assert add_working_time(london(friday, 16, 30), TWO_HOURS, ENGLAND) == london(date(2026, 9, 14), 10, 0)


def test_friday_afternoon_before_a_bank_holiday_monday_carries_to_tuesday():
    friday = date(2026, 5, 22)
    assert add_working_time(london(friday, 16, 30), TWO_HOURS, ENGLAND) == london(date(2026, 5, 26), 10, 0)


def test_evening_and_weekend_and_bank_holiday_starts_count_from_the_next_morning():
    assert add_working_time(london(date(2026, 9, 8), 19, 0), TWO_HOURS, ENGLAND) == london(
        date(2026, 9, 9), 11, 0
    )
    assert add_working_time(london(date(2026, 9, 8), 7, 0), TWO_HOURS, ENGLAND) == london(
        date(2026, 9, 8), 11, 0
    )
    assert add_working_time(london(date(2026, 9, 12), 13, 0), TWO_HOURS, ENGLAND) == london(
        date(2026, 9, 14), 11, 0
    )
    assert add_working_time(london(date(2026, 5, 25), 13, 0), TWO_HOURS, ENGLAND) == london(
        date(2026, 5, 26), 11, 0
    )


def test_a_working_day_later_is_the_same_time_on_the_next_working_day():
    day = timedelta(hours=8, minutes=30)
    assert add_working_time(london(date(2026, 9, 14), 10, 0), day, ENGLAND) == london(
        date(2026, 9, 15), 10, 0
    )
    assert add_working_time(london(date(2026, 9, 11), 14, 0), day, ENGLAND) == london(
        date(2026, 9, 14), 14, 0
    )


def test_the_clock_change_does_not_move_working_hours():
    # Clocks go forward on Sunday 29 March 2026: Friday's 16:30 is 16:30 GMT, Monday's 10:00 is 09:00 UTC.
    due = add_working_time(london(date(2026, 3, 27), 16, 30), TWO_HOURS, ENGLAND)
    assert due == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    # Clocks go back on Sunday 25 October 2026: Monday's 10:00 is 10:00 UTC again.
    due = add_working_time(london(date(2026, 10, 23), 16, 30), TWO_HOURS, ENGLAND)
    assert due == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)


def test_zero_and_bad_durations():
    assert add_working_time(london(date(2026, 9, 8), 10, 0), timedelta(0), ENGLAND) == london(
        date(2026, 9, 8), 10, 0
    )
    assert add_working_time(london(date(2026, 9, 8), 18, 0), timedelta(0), ENGLAND) == london(
        date(2026, 9, 9), 9, 0
    )
    with pytest.raises(ValueError):
        add_working_time(london(date(2026, 9, 8), 10, 0), -TWO_HOURS, ENGLAND)
    with pytest.raises(ValueError):
        add_working_time(datetime(2026, 9, 8, 10, 0), TWO_HOURS, ENGLAND)
