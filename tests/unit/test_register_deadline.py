"""docs/rules.md §3.2: an ended session with no mark waits for the register until the end of
REGISTER_DEADLINE_WORKING_DAYS working days after it, and counts as absent only after that.
Every figure below is worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cohort.domain import bank_holidays
from cohort.domain.attendance import (
    AttendanceFigures,
    Mark,
    SessionFacts,
    attendance_figures,
    missed_mandatory,
    waiting_for_register,
)
from cohort.domain.working_time import register_closes

SCOTLAND = bank_holidays.holidays("scotland")  # St Andrew's Day: Monday 30 November 2026
ENGLAND = bank_holidays.holidays("england-and-wales")
# Friday 27 November 2026, 2pm to 4pm London time (GMT, so the same in UTC).
FRIDAY_ENDS = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def test_friday_session_and_a_bank_holiday_monday():
    # Scotland: Saturday, Sunday and Monday 30 Nov are not working days; Tuesday 1 Dec is the
    # first, Wednesday 2 Dec the second: the deadline is the end of Wednesday.
    assert register_closes(FRIDAY_ENDS, 2, SCOTLAND) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


def test_friday_session_without_a_bank_holiday():
    # England and Wales: Monday 30 Nov (1), Tuesday 1 Dec (2): the end of Tuesday.
    assert register_closes(FRIDAY_ENDS, 2, ENGLAND) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def test_christmas():
    # Thursday 24 Dec 2026: Friday 25 (Christmas), the weekend and Monday 28 (Boxing Day, moved)
    # are days off; Tuesday 29 (1), Wednesday 30 (2): the end of Wednesday 30 December.
    ends = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
    assert register_closes(ends, 2, ENGLAND) == datetime(2026, 12, 31, 0, 0, tzinfo=UTC)


def test_midnight_is_london_midnight_in_summer_time():
    # Tuesday 14 July 2026 (BST): Wednesday 15 (1), Thursday 16 (2): midnight at the end of
    # Thursday in London is 23:00 UTC on Thursday.
    ends = datetime(2026, 7, 14, 15, 0, tzinfo=UTC)
    assert register_closes(ends, 2, ENGLAND) == datetime(2026, 7, 16, 23, 0, tzinfo=UTC)


def test_across_the_clock_change():
    # Friday 23 Oct 2026 (BST); the clocks go back on Sunday 25. Monday 26 (1), Tuesday 27 (2):
    # midnight at the end of Tuesday is 00:00 UTC on Wednesday 28 (GMT again).
    ends = datetime(2026, 10, 23, 16, 0, tzinfo=UTC)
    assert register_closes(ends, 2, ENGLAND) == datetime(2026, 10, 28, 0, 0, tzinfo=UTC)


def test_no_working_days_means_no_wait():
    assert register_closes(FRIDAY_ENDS, 0, SCOTLAND) == FRIDAY_ENDS


def test_one_working_day():
    # Scotland: Tuesday 1 December, the first working day after Friday 27 November.
    assert register_closes(FRIDAY_ENDS, 1, SCOTLAND) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", [-1])
def test_nonsense_is_refused(bad):
    with pytest.raises(ValueError):
        register_closes(FRIDAY_ENDS, bad, ENGLAND)
    with pytest.raises(ValueError):
        register_closes(datetime(2026, 11, 27, 16, 0), 2, ENGLAND)


def _friday(n: int, *, mandatory=False) -> SessionFacts:
    return SessionFacts(
        id=n,
        starts_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
        ends_at=FRIDAY_ENDS,
        mandatory=mandatory,
        title="Ethics: Transparency",
        week=9,
        register_closes=register_closes(FRIDAY_ENDS, 2, SCOTLAND),
    )


def _earlier(n: int) -> SessionFacts:
    starts = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    return SessionFacts(
        id=n,
        starts_at=starts,
        ends_at=starts.replace(hour=12),
        register_closes=register_closes(starts.replace(hour=12), 2, SCOTLAND),
    )


ENROLLED = date(2026, 9, 28)


def test_the_same_afternoon_the_session_is_waiting_not_missed():
    # Two sessions: 10 Nov (present) and Friday 27 Nov (no mark), seen at 5pm that Friday.
    sessions = [_earlier(1), _friday(2)]
    at = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    figures = attendance_figures(sessions, {1: Mark.PRESENT}, ENROLLED, at)
    assert figures == AttendanceFigures(ended=1, present=1, waiting=1)
    assert (figures.missed, figures.counted, figures.display) == (0, 1, "100%")
    assert waiting_for_register(sessions[1], None, at)


def test_still_waiting_on_the_last_minute_of_the_deadline():
    at = datetime(2026, 12, 2, 23, 59, 59, tzinfo=UTC)
    figures = attendance_figures([_earlier(1), _friday(2)], {1: Mark.PRESENT}, ENROLLED, at)
    assert (figures.waiting, figures.unmarked, figures.display) == (1, 0, "100%")


def test_counted_absent_once_the_deadline_has_passed():
    # Thursday 3 December, 00:00: 1 attended of 2 counted → 50 %.
    at = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    figures = attendance_figures([_earlier(1), _friday(2)], {1: Mark.PRESENT}, ENROLLED, at)
    assert figures == AttendanceFigures(ended=2, present=1, unmarked=1)
    assert (figures.missed, figures.display) == (1, "50%")


def test_a_mark_counts_at_once_whatever_the_deadline():
    at = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    figures = attendance_figures([_earlier(1), _friday(2)], {1: Mark.PRESENT, 2: Mark.ABSENT}, ENROLLED, at)
    assert figures == AttendanceFigures(ended=2, present=1, absent=1)
    assert not waiting_for_register(_friday(2), Mark.ABSENT, at)


def test_only_waiting_sessions_give_no_data():
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    figures = attendance_figures([_friday(2)], {}, ENROLLED, at)
    assert (figures.waiting, figures.counted, figures.display) == (1, 0, "No data")


def test_a_mandatory_session_waiting_is_not_yet_missed():
    session = _friday(2, mandatory=True)
    waiting = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    after = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    assert missed_mandatory([session], {}, set(), ENROLLED, waiting) == []
    assert missed_mandatory([session], {}, set(), ENROLLED, after) == [session]
    assert missed_mandatory([session], {2: Mark.ABSENT}, set(), ENROLLED, waiting) == [session]


def test_without_a_deadline_an_unmarked_session_counts_at_once():
    plain = SessionFacts(id=3, starts_at=FRIDAY_ENDS.replace(hour=14), ends_at=FRIDAY_ENDS)
    figures = attendance_figures([plain], {}, ENROLLED, datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    assert (figures.unmarked, figures.waiting) == (1, 0)


def test_pooled_figures_add_the_waiting_up():
    total = AttendanceFigures(ended=1, present=1, waiting=1) + AttendanceFigures(ended=2, absent=2, waiting=2)
    assert (total.ended, total.waiting, total.missed) == (3, 3, 2)
