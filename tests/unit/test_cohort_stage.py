"""A cohort's stage and a programme manager's next step (docs/rules.md §2.3), worked by hand.

The cohort: 12 weeks from Monday 7 September 2026, so its last day is Friday 27 November 2026.
London is on GMT from 25 October, so after that a London day starts at 00:00 UTC; before it, at
23:00 UTC the day before (BST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cohort.domain.cohort_stage import (
    NextStep,
    Setup,
    Stage,
    cohort_stage,
    next_step,
    open_statuses,
    programme_ended,
)

START = date(2026, 9, 7)
LAST_DAY = date(2026, 11, 27)
SHOWCASE_ENDS = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # 16:00 in London on the last day


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def stage(at: datetime, ends=(SHOWCASE_ENDS,), status: str = "running") -> Stage:
    return cohort_stage(status, START, LAST_DAY, ends, at)


def test_before_the_start_is_planned():
    assert stage(utc(2026, 9, 6, 22, 59)) == Stage.PLANNED  # Sunday 6th, 23:59 in London (BST)
    assert stage(utc(2026, 9, 6, 23, 0)) == Stage.RUNNING  # Monday 7th, 00:00 in London


def test_whatever_open_status_is_stored_the_dates_decide():
    for status in ("planned", "open", "running"):
        assert stage(utc(2026, 8, 1), status=status) == Stage.PLANNED
        assert stage(utc(2026, 10, 1), status=status) == Stage.RUNNING
        assert stage(utc(2026, 11, 28), status=status) == Stage.ENDED


def test_on_the_last_day_it_runs_until_the_last_session_ends():
    assert stage(utc(2026, 11, 27, 9)) == Stage.RUNNING
    assert stage(utc(2026, 11, 27, 15, 59)) == Stage.RUNNING
    assert stage(SHOWCASE_ENDS) == Stage.ENDED
    assert stage(utc(2026, 11, 28, 0, 0)) == Stage.ENDED  # the day after


def test_a_last_session_ended_before_the_last_day_waits_for_the_last_day():
    ends = (utc(2026, 11, 24, 12),)  # Tuesday of week 12
    assert stage(utc(2026, 11, 25, 9), ends) == Stage.RUNNING
    assert stage(utc(2026, 11, 26, 23, 59), ends) == Stage.RUNNING
    assert stage(utc(2026, 11, 27, 0, 0), ends) == Stage.ENDED


def test_a_session_after_the_last_day_keeps_it_running():
    ends = (SHOWCASE_ENDS, utc(2026, 12, 1, 17))  # a showcase moved to Tuesday 1 December
    assert stage(utc(2026, 11, 30, 12), ends) == Stage.RUNNING
    assert stage(utc(2026, 12, 1, 17), ends) == Stage.ENDED


def test_no_sessions_ends_the_day_after_the_last_day():
    assert stage(utc(2026, 11, 27, 23, 59), ends=()) == Stage.RUNNING  # still the last day
    assert stage(utc(2026, 11, 28, 0, 0), ends=()) == Stage.ENDED
    assert stage(utc(2026, 8, 1), ends=()) == Stage.PLANNED
    assert not programme_ended(LAST_DAY, [], utc(2026, 11, 27, 12))
    assert programme_ended(LAST_DAY, [], utc(2026, 11, 28, 12))


def test_the_ended_cohort_in_the_users_report():
    """A cohort that ended on Friday 6 November, seen on Friday 27 November: ended, not running."""
    six_nov = date(2026, 11, 6)
    ends = (utc(2026, 11, 6, 16),)
    assert cohort_stage("running", date(2026, 8, 17), six_nov, ends, utc(2026, 11, 27, 10)) == Stage.ENDED


def test_finished_and_archived_come_from_the_stored_status():
    assert stage(utc(2026, 10, 1), status="finished") == Stage.FINISHED
    assert stage(utc(2027, 1, 1), status="finished") == Stage.FINISHED
    assert stage(utc(2027, 1, 1), status="archived") == Stage.ARCHIVED
    assert Stage.FINISHED.closed and Stage.ARCHIVED.closed and not Stage.ENDED.closed
    assert Stage.ENDED.label == "Ended — waiting to be finished"


@pytest.mark.parametrize(
    ("the_stage", "setup", "expected"),
    [
        (Stage.PLANNED, Setup(sessions=0, participants=0, facilitators=0), NextStep.APPLY_PROGRAMME),
        (Stage.PLANNED, Setup(sessions=19, participants=0, facilitators=0), NextStep.ADD_PARTICIPANTS),
        (Stage.PLANNED, Setup(sessions=19, participants=25, facilitators=0), NextStep.ADD_FACILITATORS),
        (Stage.PLANNED, Setup(sessions=19, participants=25, facilitators=2), None),
        (Stage.RUNNING, Setup(sessions=0, participants=25, facilitators=2), NextStep.APPLY_PROGRAMME),
        (Stage.RUNNING, Setup(sessions=19, participants=25, facilitators=2), None),
        (Stage.ENDED, Setup(sessions=0, participants=0, facilitators=0), NextStep.FINISH),
        (Stage.ENDED, Setup(sessions=19, participants=25, facilitators=2), NextStep.FINISH),
        (Stage.FINISHED, Setup(sessions=19, participants=25, facilitators=2), NextStep.ARCHIVE),
        (Stage.ARCHIVED, Setup(sessions=19, participants=25, facilitators=2), None),
    ],
)
def test_the_next_step(the_stage, setup, expected):
    assert next_step(the_stage, setup) == expected


def test_the_edit_page_never_offers_finished_to_an_open_cohort():
    for status in ("planned", "open", "running"):
        assert "finished" not in open_statuses(status)
        assert status in open_statuses(status)
    assert open_statuses("finished") == ["finished", "archived"]
    assert open_statuses("archived") == ["archived"]
