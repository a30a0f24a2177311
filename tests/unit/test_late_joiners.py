"""docs/rules.md §2.4 and §5.3: the checks of someone who joined late say what was really
counted for them. Hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cohort.domain.attendance import SessionFacts
from cohort.domain.completion import CohortFacts, EnrolmentFacts, Outcome, Rules, State, outcome_for


def _session(n, day, *, title, mandatory=False, week=None):
    return SessionFacts(
        id=n,
        starts_at=datetime(2026, 11, day, 9, 30, tzinfo=UTC),
        ends_at=datetime(2026, 11, day, 16, 30, tzinfo=UTC),
        mandatory=mandatory,
        title=title,
        week=week,
    )


HACK_1 = _session(1, 4, title="Hackathon 1", week=6)
WORKSHOP_1 = _session(2, 10, title="Workshop 7", week=7)
ETHICS = _session(3, 12, title="Ethics: Accountability", mandatory=True, week=7)
HACK_2 = _session(4, 18, title="Hackathon 2", week=8)
WORKSHOP_2 = _session(5, 24, title="Workshop 9", week=9)
COHORT = CohortFacts(
    rules=Rules(),
    last_day=date(2026, 12, 18),
    sessions=[HACK_1, WORKSHOP_1, ETHICS, HACK_2, WORKSHOP_2],
    hackathons=[HACK_1, HACK_2],
)
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _checks(joined: date, marks=None):
    person = EnrolmentFacts(id=1, enrolled_on=joined, marks=marks or {5: "present"})
    standing = outcome_for(COHORT, person, AT)
    return standing, {c.rule: c for c in standing.checks}


def test_someone_who_joined_after_both_hackathons_is_told_they_did_not_count():
    # Joined Friday 20 November: 4 sessions (2 hackathons, a workshop, an ethics module) had ended.
    standing, checks = _checks(date(2026, 11, 20))
    assert standing.outcome == Outcome.ON_TRACK
    hackathon = checks["hackathon"]
    assert hackathon.state == State.MET
    assert hackathon.reason == (
        "Hackathon submissions: 2 hackathons ended before joining on 20 November 2026; none counted"
    )
    attendance = checks["attendance"]
    assert attendance.reason == "Attendance 100% (1 of 1 sessions) — needs 80%"
    assert attendance.details == ("4 sessions before joining on 20 November 2026 not counted",)
    assert checks["mandatory"].details == (
        "1 mandatory session before joining on 20 November 2026 not counted",
    )


def test_one_hackathon_before_joining_and_one_after():
    # Joined Thursday 5 November: hackathon 1 (4 Nov) is before; hackathon 2 (18 Nov) counts and,
    # with no team recorded, ended without a submission. Sessions 2 to 5 count: 1 present of 4.
    standing, checks = _checks(date(2026, 11, 5))
    hackathon = checks["hackathon"]
    assert hackathon.state == State.AT_RISK
    assert hackathon.reason == "Hackathon 2 (week 8) ended without a submission (not in a team)"
    assert hackathon.details == ("1 hackathon before joining on 5 November 2026 not counted",)
    assert checks["attendance"].reason == "Attendance 25% (1 of 4 sessions) — needs 80%"
    assert standing.outcome == Outcome.AT_RISK


def test_someone_there_from_the_start_gets_no_notes():
    _, checks = _checks(date(2026, 11, 2), marks={n: "present" for n in range(1, 6)})
    assert all(c.details == () for c in checks.values())
    assert checks["attendance"].reason == "Attendance 100% (5 of 5 sessions) — needs 80%"


def test_a_session_waiting_for_the_register_is_named_beside_the_attendance_check():
    # Workshop 9 (24 Nov) has no mark; its register deadline is still a day away at AT.
    from dataclasses import replace

    waiting = replace(WORKSHOP_2, register_closes=datetime(2026, 12, 2, 0, 0, tzinfo=UTC))
    cohort = replace(COHORT, sessions=[HACK_1, WORKSHOP_1, ETHICS, HACK_2, waiting])
    person = EnrolmentFacts(
        id=1, enrolled_on=date(2026, 11, 2), marks={1: "present", 2: "present", 3: "present", 4: "present"}
    )
    attendance = outcome_for(cohort, person, AT).check("attendance")
    assert attendance.reason == "Attendance 100% (4 of 4 sessions) — needs 80%"
    assert attendance.details == ("1 session waiting for the register, not counted until its deadline",)
