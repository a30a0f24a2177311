"""The standard programme: a sensible plan for any length, moved off each division's bank holidays."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from cohort.domain.bank_holidays import holidays
from cohort.domain.schedule import (
    ETHICS_MODULES,
    SessionKind,
    ethics_weeks,
    hackathon_weeks,
    standard_programme,
)
from cohort.domain.times import week_of

START = date(2026, 9, 28)


def test_twelve_week_plan():
    plan = standard_programme(START, 12, holidays("england-and-wales"))
    kinds = Counter(p.kind for p in plan)
    assert kinds == {
        SessionKind.WORKSHOP: 12,
        SessionKind.ETHICS: 4,
        SessionKind.HACKATHON: 2,
        SessionKind.SHOWCASE: 1,
    }
    workshops = [p for p in plan if p.kind == SessionKind.WORKSHOP]
    assert sorted(week_of(START, p.day) for p in workshops) == list(range(1, 13))
    assert all((p.start.hour, p.start.minute) == (9, 30) for p in workshops)
    ethics = [p for p in plan if p.kind == SessionKind.ETHICS]
    assert [p.title for p in ethics] == [title for title, _ in ETHICS_MODULES]
    assert [week_of(START, p.day) for p in ethics] == [2, 5, 8, 11]
    assert all(p.mandatory for p in ethics)
    assert not any(p.mandatory for p in plan if p.kind != SessionKind.ETHICS)
    assert [week_of(START, p.day) for p in plan if p.kind == SessionKind.HACKATHON] == [6, 10]
    [showcase] = [p for p in plan if p.kind == SessionKind.SHOWCASE]
    assert showcase.day == START + timedelta(weeks=11, days=4)  # Friday of week 12
    assert plan == sorted(plan, key=lambda p: (p.day, p.start, p.kind.value))
    assert all(p.day.weekday() < 5 for p in plan)
    assert all(p.moved_from is None for p in plan)  # no bank holiday in autumn 2026


def _clashes(plan):
    return [
        (a.title, b.title)
        for i, a in enumerate(plan)
        for b in plan[i + 1 :]
        if a.overlaps(b.day, b.start, b.end)
    ]


@pytest.mark.parametrize("weeks", [1, 2, 3, 4, 6, 8, 10, 12, 16, 24, 52])
def test_plan_scales_to_other_lengths(weeks):
    plan = standard_programme(START, weeks, holidays("england-and-wales"))
    kinds = Counter(p.kind for p in plan)
    assert kinds[SessionKind.WORKSHOP] == weeks
    assert kinds[SessionKind.ETHICS] == 4
    assert kinds[SessionKind.HACKATHON] == 2
    assert kinds[SessionKind.SHOWCASE] == 1
    assert all(1 <= p.week <= weeks for p in plan)
    assert all(p.day.weekday() < 5 for p in plan)
    assert all(p.start < p.end for p in plan)
    assert _clashes(plan) == []
    assert len({p.title for p in plan}) == len(plan)


def test_ethics_and_hackathon_weeks_spread():
    assert ethics_weeks(12) == [2, 5, 8, 11]
    assert ethics_weeks(8) == [2, 4, 6, 8]
    assert hackathon_weeks(12) == [6, 10]
    assert hackathon_weeks(1) == [1, 1]


def test_scotland_2_january_moves_to_the_next_working_day():
    # Week 7 of a cohort starting 20 November 2023 holds Tuesday 2 January 2024.
    start = date(2023, 11, 20)
    scotland = standard_programme(start, 12, holidays("scotland"))
    england = standard_programme(start, 12, holidays("england-and-wales"))
    [moved] = [p for p in scotland if p.moved_from == date(2024, 1, 2)]
    assert moved.title.startswith("Week 7 workshop")
    assert moved.day == date(2024, 1, 3)
    assert moved.moved_because == "2nd January"
    assert any(p.day == date(2024, 1, 2) and p.title.startswith("Week 7") for p in england)
    for plan, division in ((scotland, "scotland"), (england, "england-and-wales")):
        assert not [p for p in plan if p.day in holidays(division)]


def test_st_patricks_day_in_northern_ireland():
    # Hackathon 1 (week 6, a Wednesday) would be on 17 March 2027.
    start = date(2027, 2, 8)
    ni = standard_programme(start, 12, holidays("northern-ireland"))
    [moved] = [p for p in ni if p.moved_from == date(2027, 3, 17)]
    assert moved.kind == SessionKind.HACKATHON
    assert moved.day == date(2027, 3, 18)
    assert "St Patrick" in (moved.moved_because or "")
    england = standard_programme(start, 12, holidays("england-and-wales"))
    assert any(p.day == date(2027, 3, 17) and p.kind == SessionKind.HACKATHON for p in england)
    # Moved to the Thursday, it must not clash with the ethics module planned there.
    assert _clashes(ni) == []


def test_easter_monday_in_england_and_wales():
    # A cohort starting on Easter Monday 2027: the week 1 opening workshop moves to Tuesday.
    start = date(2027, 3, 29)
    for division in ("england-and-wales", "northern-ireland"):
        plan = standard_programme(start, 12, holidays(division))
        first = plan[0]
        assert (first.day, first.moved_from, first.moved_because) == (
            date(2027, 3, 30),
            date(2027, 3, 29),
            "Easter Monday",
        )
        assert first.week == 1
    scotland = standard_programme(start, 12, holidays("scotland"))
    assert scotland[0].day == date(2027, 3, 29) and scotland[0].moved_from is None


def test_good_friday_showcase_moves_past_easter_monday():
    # Week 12 of a cohort starting 4 January 2027 ends on Good Friday, 26 March.
    plan = standard_programme(date(2027, 1, 4), 12, holidays("england-and-wales"))
    [showcase] = [p for p in plan if p.kind == SessionKind.SHOWCASE]
    assert showcase.moved_from == date(2027, 3, 26)
    assert showcase.day == date(2027, 3, 30)  # Easter Monday is a holiday too


def test_no_holidays_given():
    assert standard_programme(START, 12) == standard_programme(START, 12, {})


def test_refuses_zero_weeks():
    with pytest.raises(ValueError):
        standard_programme(START, 0)
