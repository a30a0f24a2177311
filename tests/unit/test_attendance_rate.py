"""docs/rules.md §3 attendance rate and §4.1 attendance flags, on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from cohort.domain.attendance import (
    AttendanceFigures,
    Mark,
    SessionFacts,
    attendance_figures,
    missed_mandatory,
    percentage,
    risk_flags,
    tally,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ENROLLED = date(2026, 9, 28)


def session(n: int, days_ago: float, *, cancelled=False, mandatory=False, hours=3, title="", week=None):
    """A session that started `days_ago` days before NOW (negative: in the future)."""
    starts = NOW - timedelta(days=days_ago)
    return SessionFacts(
        id=n,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        cancelled=cancelled,
        mandatory=mandatory,
        title=title or f"Session {n}",
        week=week,
    )


def test_all_present():
    sessions = [session(i, 10 + i) for i in range(4)]
    figures = attendance_figures(sessions, dict.fromkeys(range(4), Mark.PRESENT), ENROLLED, NOW)
    assert (figures.attended, figures.counted, figures.rate, figures.display) == (4, 4, 1, "100%")


def test_late_counts_as_attended_and_excused_is_left_out():
    # 5 ended: present, late, excused, absent, present → attended 3, counted 5 - 1 = 4 → 75 %.
    sessions = [session(i, 20 - i) for i in range(5)]
    marks = {0: Mark.PRESENT, 1: Mark.LATE, 2: Mark.EXCUSED, 3: Mark.ABSENT, 4: "present"}
    figures = attendance_figures(sessions, marks, ENROLLED, NOW)
    assert figures == AttendanceFigures(ended=5, present=2, late=1, excused=1, absent=1, unmarked=0)
    assert (figures.attended, figures.counted, figures.excused) == (3, 4, 1)
    assert figures.rate == Fraction(3, 4)
    assert figures.display == "75%"


def test_unmarked_ended_sessions_count_as_absent():
    sessions = [session(i, 10 + i) for i in range(4)]
    figures = attendance_figures(sessions, {0: Mark.PRESENT}, ENROLLED, NOW)
    assert (figures.attended, figures.counted, figures.unmarked, figures.missed) == (1, 4, 3, 3)
    assert figures.display == "25%"


def test_cancelled_sessions_are_ignored():
    sessions = [session(0, 10), session(1, 9, cancelled=True), session(2, 8)]
    figures = attendance_figures(sessions, {0: Mark.PRESENT, 2: Mark.PRESENT}, ENROLLED, NOW)
    assert (figures.ended, figures.counted, figures.display) == (2, 2, "100%")


def test_sessions_before_the_enrolment_date_are_ignored():
    # A late joiner is not marked absent for what came before (London date of the start).
    sessions = [session(0, 30), session(1, 3), session(2, 1)]
    enrolled = (NOW - timedelta(days=5)).date()
    figures = attendance_figures(sessions, {1: Mark.PRESENT}, enrolled, NOW)
    assert (figures.ended, figures.attended, figures.counted) == (2, 1, 2)
    assert figures.display == "50%"


def test_a_session_on_the_enrolment_day_counts():
    starts = datetime(2026, 10, 5, 8, 30, tzinfo=UTC)  # 9:30am in London
    s = SessionFacts(id=1, starts_at=starts, ends_at=starts + timedelta(hours=3))
    assert attendance_figures([s], {}, date(2026, 10, 5), NOW).counted == 1
    assert attendance_figures([s], {}, date(2026, 10, 6), NOW).counted == 0


def test_enrolment_day_is_the_london_date():
    # 23:30 UTC on 4 October is 00:30 on 5 October in London (summer time).
    starts = datetime(2026, 10, 4, 23, 30, tzinfo=UTC)
    s = SessionFacts(id=1, starts_at=starts, ends_at=starts + timedelta(hours=1))
    assert attendance_figures([s], {}, date(2026, 10, 5), NOW).counted == 1


def test_future_and_running_sessions_are_ignored():
    sessions = [
        session(0, 10),
        session(1, -2),  # in two days
        session(2, 0.05, hours=3),  # started an hour ago, still running
    ]
    figures = attendance_figures(sessions, {0: Mark.ABSENT, 1: Mark.PRESENT, 2: Mark.PRESENT}, ENROLLED, NOW)
    assert (figures.ended, figures.attended, figures.counted, figures.display) == (1, 0, 1, "0%")


def test_a_session_ending_exactly_now_has_ended():
    starts = NOW - timedelta(hours=2)
    s = SessionFacts(id=1, starts_at=starts, ends_at=NOW)
    assert attendance_figures([s], {1: Mark.PRESENT}, ENROLLED, NOW).counted == 1


def test_no_sessions_is_no_data():
    figures = attendance_figures([], {}, ENROLLED, NOW)
    assert figures.rate is None and figures.percentage is None
    assert figures.display == "No data"
    assert not figures.below(0.8)


def test_only_excused_is_no_data():
    sessions = [session(0, 5), session(1, 4)]
    figures = attendance_figures(sessions, {0: Mark.EXCUSED, 1: Mark.EXCUSED}, ENROLLED, NOW)
    assert (figures.ended, figures.excused, figures.counted, figures.display) == (2, 2, 0, "No data")


def test_exactly_80_percent_is_not_below_80():
    figures = tally([Mark.PRESENT] * 4 + [Mark.ABSENT])
    assert figures.rate == Fraction(4, 5)
    assert figures.display == "80%"
    assert not figures.below(0.80)  # the float 0.8 is read as exactly 4/5
    assert risk_flags(figures, 0.80) == []


def test_79_5_percent_shows_as_80_but_is_below_80():
    figures = tally([Mark.PRESENT] * 159 + [None] * 41)  # 159 / 200 = 79.5 %
    assert figures.display == "80%"
    assert figures.below(0.8)
    [flag] = risk_flags(figures, 0.8)
    assert flag.rule == "attendance"
    assert flag.message == "Attendance 79.5% (159 of 200 sessions) — needs 80%"


@pytest.mark.parametrize(
    ("attended", "counted", "shown"),
    [(1, 3, 33), (2, 3, 67), (1, 8, 13), (5, 8, 63), (159, 200, 80), (1, 200, 1), (199, 200, 100), (0, 7, 0)],
)
def test_percentages_round_half_up(attended, counted, shown):
    assert percentage(Fraction(attended, counted)) == shown


def test_attendance_flag_names_the_figure_and_threshold():
    figures = tally([Mark.PRESENT] * 19 + [Mark.ABSENT] * 6)  # 76 %
    assert [f.message for f in risk_flags(figures, 0.8)] == ["Attendance 76% (19 of 25 sessions) — needs 80%"]


def test_missed_mandatory_sessions_without_catch_up():
    sessions = [
        session(1, 30, mandatory=True, title="Ethics: Transparency", week=2),
        session(2, 20, mandatory=True, title="Ethics: Accountability", week=5),
        session(3, 10, mandatory=True, title="Ethics: Bias and fairness", week=8),
        session(4, 9, mandatory=False),  # not mandatory
        session(5, 5, mandatory=True, cancelled=True),  # cancelled
        session(6, -3, mandatory=True),  # not yet
        session(7, 4, mandatory=True, title="Ethics: Data protection", week=9),
    ]
    marks = {1: Mark.LATE, 2: Mark.EXCUSED, 3: Mark.ABSENT, 4: Mark.ABSENT}
    # 2 excused with catch-up; 3 absent, no catch-up; 7 unmarked, no catch-up.
    missed = missed_mandatory(sessions, marks, caught_up={2}, enrolled_on=ENROLLED, at=NOW)
    assert [s.id for s in missed] == [3, 7]
    figures = attendance_figures(sessions, marks, ENROLLED, NOW)
    flags = risk_flags(figures, 0.8, missed)
    assert [f.message for f in flags] == [
        # Ended and counted: 1 late, 3 absent, 4 absent, 7 unmarked (2 excused is left out,
        # 5 is cancelled, 6 is in the future): 1 attended of 4 counted.
        "Attendance 25% (1 of 4 sessions) — needs 80%",
        "Ethics: Bias and fairness (week 8) missed, no catch-up",
        "Ethics: Data protection (week 9) missed, no catch-up",
    ]
    assert [f.rule for f in flags] == ["attendance", "mandatory", "mandatory"]


def test_pooled_figures_add_up():
    a = tally([Mark.PRESENT, Mark.ABSENT])
    b = tally([Mark.LATE, Mark.EXCUSED, None])
    pooled = a + b
    assert (pooled.attended, pooled.counted, pooled.unmarked) == (2, 4, 1)
    assert pooled.display == "50%"
