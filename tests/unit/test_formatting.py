"""How pages write figures, counts and dates (cohort/domain/formatting.py): the rules people
read, at their boundaries (docs/rules.md §3.4, §11.1)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from cohort.domain.formatting import (
    clock_time,
    date_time,
    decimal1,
    long_date,
    long_day,
    noun,
    percent,
    plural,
    time_range,
    whole_percent,
)


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0 certificates"), (1, "1 certificate"), (2, "2 certificates"), (5012, "5,012 certificates")],
)
def test_a_count_takes_the_singular_only_for_one(count, shown):
    assert plural(count, "certificate") == shown


@pytest.mark.parametrize(("count", "shown"), [(0, "0 people"), (1, "1 person"), (2, "2 people")])
def test_an_irregular_plural_is_given(count, shown):
    assert plural(count, "person", "people") == shown


def test_the_word_alone_follows_the_count():
    assert [noun(n, "entry", "entries") for n in (0, 1, 2)] == ["entries", "entry", "entries"]


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (Fraction(159, 200), "80%"),  # 79.5 % rounds half up
        (Fraction(317, 400), "79%"),  # 79.25 %
        (Fraction(1, 200), "1%"),  # 0.5 % rounds up, not to even (0 %)
        (Fraction(1, 400), "0%"),  # 0.25 %
        (0.125, "13%"),  # Python's round(12.5) would give 12
        (0.7949999999999999, "80%"),  # a float mean of 79.5 % rates
        (0.8, "80%"),  # a stored threshold
        (Decimal("0.005"), "1%"),
        (0, "0%"),
        (1, "100%"),
    ],
)
def test_a_share_shows_as_a_whole_percentage_rounded_half_up(share, shown):
    assert percent(share) == shown


def test_no_figure_shows_the_words_given():
    assert percent(None) == "–"
    assert percent(None, "No data") == "No data"
    assert percent(float("nan"), "No data") == "No data"


def test_a_threshold_is_a_whole_number_for_forms():
    assert whole_percent(0.8) == 80
    assert whole_percent(Fraction(4, 5)) == 80
    assert whole_percent(0.575) == 58  # 57.5 %, not the float's 57.49999…


@pytest.mark.parametrize(("mean", "shown"), [(1.25, "+1.3"), (-0.45, "−0.5"), (0.04, "0.0"), (0, "0.0")])
def test_a_mean_has_one_decimal_place_and_a_sign(mean, shown):
    assert decimal1(mean) == shown


def test_a_moment_is_dated_in_london_across_the_clock_change():
    # Summer time: 23:30 UTC on 31 August is already 1 September in London.
    assert long_date(datetime(2026, 8, 31, 23, 30, tzinfo=UTC)) == "1 September 2026"
    assert date_time(datetime(2026, 8, 31, 23, 30, tzinfo=UTC)) == "1 September 2026 at 12:30am"
    # The clocks go back at 01:00 UTC on 25 October 2026: 00:30 UTC is 1:30am BST, 01:30 UTC is 1:30am GMT.
    assert date_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "25 October 2026 at 1:30am"
    assert date_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "25 October 2026 at 1:30am"
    # Winter: 23:30 UTC on 31 December is still 31 December.
    assert long_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "31 December 2026"
    # A session at 9:30am stays at 9:30am after the clocks go forward on 29 March 2026.
    before = datetime(2026, 3, 28, 9, 30, tzinfo=UTC)
    after = datetime(2026, 3, 30, 8, 30, tzinfo=UTC)
    assert (clock_time(before), clock_time(after)) == ("9:30am", "9:30am")
    assert long_day(after) == "Monday 30 March 2026"


def test_dates_and_times_are_written_the_gov_uk_way():
    assert long_date(date(2026, 9, 1)) == "1 September 2026"
    assert long_date(None) == ""
    assert date_time(datetime(2026, 9, 1, 12, 0, tzinfo=UTC)) == "1 September 2026 at 1:00pm"
    start, end = datetime(2026, 9, 8, 8, 30, tzinfo=UTC), datetime(2026, 9, 8, 11, 0, tzinfo=UTC)
    assert time_range(start, end) == "9:30am to 12pm"
