"""The completion engine of docs/rules.md §5 on hand-computed cases: every rule, every boundary.

The cohort in these tests starts on Monday 7 September 2026 and runs 12 weeks, so its last
day is Friday 27 November 2026. Times are UTC; in September and October London is UTC+1.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from cohort.domain.attendance import Mark, SessionFacts
from cohort.domain.completion import (
    DEFAULT_RULES,
    CohortFacts,
    EnrolmentFacts,
    HackathonEntry,
    Outcome,
    Override,
    RuleCheck,
    Rules,
    State,
    final_outcome,
    outcome_for,
    outcomes,
    programme_over,
)

START = date(2026, 9, 7)
LAST_DAY = date(2026, 11, 27)
AFTER_END = datetime(2026, 11, 30, 12, tzinfo=UTC)  # the Monday after the last day
MID = datetime(2026, 10, 16, 18, tzinfo=UTC)  # a Friday evening in week 6


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def session(id: int, day: date, *, mandatory=False, title=None, cancelled=False, week=None) -> SessionFacts:
    return SessionFacts(
        id=id,
        starts_at=at(day, 9),
        ends_at=at(day, 12),
        cancelled=cancelled,
        mandatory=mandatory,
        title=title or f"Workshop {id}",
        week=week if week is not None else (day - START).days // 7 + 1,
    )


def weekly(n: int, first_id: int = 1) -> list[SessionFacts]:
    """n workshops, one on each Tuesday from week 1 (the last one in week n ≤ 12)."""
    return [session(first_id + i, START + timedelta(days=1 + 7 * i)) for i in range(n)]


def cohort(sessions, *, hackathons=(), targets=None, rules=DEFAULT_RULES, recorded=True) -> CohortFacts:
    return CohortFacts(
        rules=rules,
        last_day=LAST_DAY,
        sessions=list(sessions) + list(hackathons),
        hackathons=list(hackathons),
        targets=targets or {},
        skill_names={1: "Python and software engineering", 2: "MLOps", 3: "Responsible AI"},
        hackathons_recorded=recorded,
    )


def person(marks=None, **kwargs) -> EnrolmentFacts:
    return EnrolmentFacts(
        id=kwargs.pop("id", 1), enrolled_on=kwargs.pop("enrolled_on", START), marks=marks or {}, **kwargs
    )


def present(sessions, *absent_ids, mark=Mark.ABSENT) -> dict[int, Mark]:
    return {s.id: (mark if s.id in absent_ids else Mark.PRESENT) for s in sessions}


def reasons(standing) -> dict[str, str]:
    return {c.rule: c.reason for c in standing.checks}


def states(standing) -> dict[str, State]:
    return {c.rule: c.state for c in standing.checks}


# Attendance ------------------------------------------------------------------------------


def test_exactly_80_percent_holds_before_and_after_the_end():
    sessions = weekly(10)  # 10 Tuesdays, weeks 1–10
    who = person(present(sessions, 3, 7))  # 8 of 10
    during = outcome_for(cohort(sessions), who, at(date(2026, 11, 17), 13))
    assert during.outcome == Outcome.ON_TRACK
    assert reasons(during)["attendance"] == "Attendance 80% (8 of 10 sessions) — needs 80%"
    after = outcome_for(cohort(sessions), who, AFTER_END)
    assert after.outcome == Outcome.COMPLETED
    assert after.reasons == []
    assert after.figures.attended == 8 and after.figures.counted == 10


def test_79_5_percent_is_below_80_though_it_rounds_to_80():
    # 159 of 200: shown rounded half up it would be 80 %, but the rule compares 0.795 < 0.8.
    sessions = [
        SessionFacts(i, at(START) + timedelta(hours=i), at(START) + timedelta(hours=i, minutes=30), week=1)
        for i in range(1, 201)
    ]
    who = person({s.id: (Mark.PRESENT if s.id <= 159 else Mark.ABSENT) for s in sessions})
    during = outcome_for(cohort(sessions), who, MID)
    assert during.outcome == Outcome.AT_RISK
    assert during.figures.percentage == 80
    assert reasons(during)["attendance"] == "Attendance 79.5% (159 of 200 sessions) — needs 80%"
    after = outcome_for(cohort(sessions), who, AFTER_END)
    assert after.outcome == Outcome.NOT_COMPLETED
    assert after.reasons == ["Attendance 79.5% (159 of 200 sessions) — needs 80%"]
    assert states(after)["attendance"] == State.NOT_MET


def test_no_ended_sessions_is_on_track_with_no_data():
    sessions = weekly(10)
    standing = outcome_for(cohort(sessions), person(), at(START, 8))  # Monday of week 1, before anything
    assert standing.outcome == Outcome.ON_TRACK
    assert reasons(standing)["attendance"] == "Attendance: no sessions counted yet — needs 80%"
    assert standing.figures.rate is None


def test_no_sessions_counted_by_the_end_does_not_complete():
    # Everything excused: nothing counts, so the rate cannot be shown to hold.
    sessions = weekly(3)
    who = person({s.id: Mark.EXCUSED for s in sessions})
    standing = outcome_for(cohort(sessions), who, AFTER_END)
    assert standing.outcome == Outcome.NOT_COMPLETED
    assert reasons(standing)["attendance"] == "Attendance: no sessions counted — needs 80%"
    relaxed = outcome_for(cohort(sessions, rules=Rules.of(min_attendance=0)), who, AFTER_END)
    assert relaxed.outcome == Outcome.COMPLETED


def test_unmarked_ended_sessions_count_as_absent_and_cancelled_ones_do_not_count():
    sessions = weekly(5) + [session(99, date(2026, 9, 9), cancelled=True)]
    who = person({1: Mark.PRESENT, 2: Mark.LATE, 3: Mark.PRESENT})  # 4 and 5 not marked
    standing = outcome_for(cohort(sessions), who, MID)
    assert reasons(standing)["attendance"] == "Attendance 60% (3 of 5 sessions) — needs 80%"
    assert standing.outcome == Outcome.AT_RISK


def test_a_late_joiner_is_not_marked_absent_for_what_came_before():
    sessions = weekly(10)
    who = person({s.id: Mark.PRESENT for s in sessions[4:]}, enrolled_on=date(2026, 10, 5))  # week 5
    standing = outcome_for(cohort(sessions), who, AFTER_END)
    assert reasons(standing)["attendance"] == "Attendance 100% (6 of 6 sessions) — needs 80%"
    assert standing.outcome == Outcome.COMPLETED


# Mandatory sessions -------------------------------------------------------------------------


ETHICS = session(50, date(2026, 10, 6), mandatory=True, title="Ethics: Bias and fairness")  # week 5


def test_excused_mandatory_session_without_catch_up_is_a_risk_then_a_failure():
    sessions = [*weekly(10), ETHICS]
    marks = {**present(weekly(10)), ETHICS.id: Mark.EXCUSED}
    during = outcome_for(cohort(sessions), person(marks), MID)
    assert during.outcome == Outcome.AT_RISK
    assert during.reasons == ["Ethics: Bias and fairness (week 5) missed, no catch-up"]
    # Excused: it does not count towards the rate (10 of 10 at the end).
    after = outcome_for(cohort(sessions), person(marks), AFTER_END)
    assert after.outcome == Outcome.NOT_COMPLETED
    assert reasons(after)["attendance"] == "Attendance 100% (10 of 10 sessions) — needs 80%"
    assert states(after)["mandatory"] == State.NOT_MET


def test_excused_mandatory_session_with_a_catch_up_holds():
    sessions = [*weekly(10), ETHICS]
    marks = {**present(weekly(10)), ETHICS.id: Mark.EXCUSED}
    who = person(marks, caught_up={ETHICS.id})
    during = outcome_for(cohort(sessions), who, MID)
    assert during.outcome == Outcome.ON_TRACK
    assert reasons(during)["mandatory"] == "Mandatory sessions: every one so far attended or caught up"
    after = outcome_for(cohort(sessions), who, AFTER_END)
    assert after.outcome == Outcome.COMPLETED
    assert reasons(after)["mandatory"] == "Mandatory sessions: every one attended or caught up"


def test_mandatory_sessions_not_required():
    sessions = [*weekly(10), ETHICS]
    marks = {**present(weekly(10)), ETHICS.id: Mark.EXCUSED}
    rules = Rules.of(require_mandatory=False)
    after = outcome_for(cohort(sessions, rules=rules), person(marks), AFTER_END)
    assert after.outcome == Outcome.COMPLETED
    assert states(after)["mandatory"] == State.NOT_REQUIRED


def test_mandatory_session_still_to_come_is_not_missed():
    sessions = [*weekly(10), ETHICS]
    standing = outcome_for(cohort(sessions), person(present(weekly(3))), at(date(2026, 9, 25)))
    assert states(standing)["mandatory"] == State.MET


# Hackathons ---------------------------------------------------------------------------------


HACK = session(60, date(2026, 10, 15), title="Hackathon: court backlogs")  # week 6, ended by MID


def test_a_late_submission_does_not_count():
    sessions = weekly(10)
    marks = {**present(sessions), HACK.id: Mark.PRESENT}
    late = person(marks, hackathons={HACK.id: HackathonEntry.LATE})
    during = outcome_for(cohort(sessions, hackathons=[HACK]), late, MID)
    assert during.outcome == Outcome.AT_RISK
    assert during.reasons == ["Hackathon: court backlogs (week 6): submitted after the deadline"]
    after = outcome_for(cohort(sessions, hackathons=[HACK]), late, AFTER_END)
    assert after.outcome == Outcome.NOT_COMPLETED
    on_time = person(marks, hackathons={HACK.id: "on_time"})
    done = outcome_for(cohort(sessions, hackathons=[HACK]), on_time, AFTER_END)
    assert done.outcome == Outcome.COMPLETED
    assert (
        reasons(done)["hackathon"] == "Hackathon submissions: 1 hackathon ended, every one with a submission"
    )


def test_no_submission_and_no_team():
    sessions = weekly(10)
    marks = {**present(sessions), HACK.id: Mark.PRESENT}
    facts = cohort(sessions, hackathons=[HACK])
    none = outcome_for(facts, person(marks, hackathons={HACK.id: HackathonEntry.NO_SUBMISSION}), MID)
    assert none.reasons == ["Hackathon: court backlogs (week 6) ended without a submission"]
    alone = outcome_for(facts, person(marks), MID)
    assert alone.reasons == ["Hackathon: court backlogs (week 6) ended without a submission (not in a team)"]
    assert alone.outcome == Outcome.AT_RISK


def test_a_hackathon_still_to_come_is_not_a_risk():
    facts = cohort(weekly(5), hackathons=[HACK])
    standing = outcome_for(facts, person(present(weekly(5))), at(date(2026, 10, 9)))
    assert reasons(standing)["hackathon"] == "Hackathon submissions: no hackathon has ended yet"
    assert standing.outcome == Outcome.ON_TRACK


def test_a_cohort_with_no_hackathon_meets_the_rule():
    sessions = weekly(10)
    standing = outcome_for(cohort(sessions), person(present(sessions)), AFTER_END)
    assert reasons(standing)["hackathon"] == "Hackathon submissions: the cohort has no hackathon"
    assert standing.outcome == Outcome.COMPLETED


def test_hackathons_not_recorded_in_the_service():
    sessions = weekly(10)
    facts = cohort(sessions, hackathons=[HACK], recorded=False)
    marks = {**present(sessions), HACK.id: Mark.PRESENT}
    during = outcome_for(facts, person(marks), MID)
    assert during.outcome == Outcome.ON_TRACK
    assert states(during)["hackathon"] == State.UNKNOWN
    assert outcome_for(facts, person(marks), AFTER_END).outcome == Outcome.NOT_COMPLETED


def test_hackathon_not_required():
    sessions = weekly(10)
    facts = cohort(sessions, hackathons=[HACK], rules=Rules.of(require_hackathon=False))
    standing = outcome_for(facts, person({**present(sessions), HACK.id: Mark.PRESENT}), AFTER_END)
    assert standing.outcome == Outcome.COMPLETED
    assert reasons(standing)["hackathon"] == "Hackathon submissions: not required for this cohort"


# Skills -------------------------------------------------------------------------------------


def test_a_skill_never_assessed_is_not_at_target():
    sessions = weekly(10)
    facts = cohort(sessions, targets={1: 3, 2: 2, 3: 3})
    who = person(present(sessions), levels={1: 3, 2: 4})  # Responsible AI never assessed
    during = outcome_for(facts, who, MID)
    assert during.outcome == Outcome.ON_TRACK  # skills still have time to grow
    assert states(during)["skills"] == State.NOT_YET
    after = outcome_for(facts, who, AFTER_END)
    assert after.outcome == Outcome.NOT_COMPLETED
    check = after.check("skills")
    assert check.reason == "Skills at target 2 of 3 — needs 3"
    assert check.details == ("Responsible AI: not assessed, target 3",)


def test_a_skill_below_target_names_its_level():
    sessions = weekly(10)
    facts = cohort(sessions, targets={1: 3, 2: 2})
    after = outcome_for(facts, person(present(sessions), levels={1: 2, 2: 2}), AFTER_END)
    assert after.check("skills").details == ("Python and software engineering: level 2, target 3",)


# Settings other than the defaults ----------------------------------------------------------


def test_settings_other_than_the_defaults():
    sessions = [*weekly(10), ETHICS]
    marks = {**present(weekly(10), 1, 2, 3, 4), ETHICS.id: Mark.ABSENT}  # 6 of 11 = 54.5 %
    facts = dict(targets={1: 3, 2: 3, 3: 3}, hackathons=[HACK])
    who = person(marks, levels={1: 3, 2: 1})  # 1 of 3 skills at target; no hackathon entry
    strict = outcome_for(cohort(sessions, **facts), who, AFTER_END)
    assert strict.outcome == Outcome.NOT_COMPLETED
    assert len(strict.reasons) == 4
    # 50 % attendance, 1 of 3 skills (a third rounds up to 1), no mandatory or hackathon rule.
    rules = Rules.of(
        min_attendance="0.5", require_mandatory=False, require_hackathon=False, skills_at_target=0.33
    )
    relaxed = outcome_for(cohort(sessions, rules=rules, **facts), who, AFTER_END)
    assert relaxed.outcome == Outcome.COMPLETED
    assert reasons(relaxed)["attendance"] == "Attendance 50% (6 of 12 sessions) — needs 50%"
    assert reasons(relaxed)["skills"] == "Skills at target 1 of 3 — needs 1"
    # 0.7 of 10 skills means 7, not 8 (the float 0.7 is just under 7/10).
    assert Rules.of(skills_at_target=0.7).skills_at_target == Fraction(7, 10)


def test_settings_outside_0_to_1_are_refused():
    with pytest.raises(ValueError):
        Rules.of(min_attendance=1.5)
    with pytest.raises(ValueError):
        Rules.of(skills_at_target=-0.1)


# Before and after the last session ------------------------------------------------------------


def test_before_and_after_the_last_session():
    sessions = weekly(12)  # the last on Tuesday 24 November, ending 12:00 UTC
    last = sessions[-1]
    facts = cohort(sessions)
    who = person(present(sessions))
    assert not programme_over(facts, last.ends_at - timedelta(minutes=1))
    assert outcome_for(facts, who, last.ends_at - timedelta(minutes=1)).outcome == Outcome.ON_TRACK
    # The last session has ended, but the cohort's last day (Friday 27th) has not come.
    assert not programme_over(facts, last.ends_at)
    assert programme_over(facts, at(LAST_DAY, 0))
    assert outcome_for(facts, who, at(LAST_DAY, 0)).outcome == Outcome.COMPLETED


def test_a_session_added_late_keeps_the_cohort_running():
    sessions = weekly(12) + [session(80, date(2026, 12, 1), title="Showcase")]
    assert not programme_over(cohort(sessions), AFTER_END)
    assert programme_over(cohort(sessions), at(date(2026, 12, 2)))


def test_no_sessions_is_over_the_day_after_the_last_day():
    """docs/rules.md §5.2: with nothing on the timetable, the last day (Friday 27th) itself is not over."""
    assert not programme_over(cohort([]), datetime(2026, 11, 27, 23, 59, tzinfo=UTC))
    assert programme_over(cohort([]), datetime(2026, 11, 28, 0, 0, tzinfo=UTC))  # midnight in London
    assert programme_over(cohort([]), AFTER_END)


# Status, overrides, recorded outcomes ---------------------------------------------------------


def test_withdrawn_and_transferred():
    sessions = weekly(10)
    for status in ("withdrawn", "transferred"):
        standing = outcome_for(cohort(sessions), person(status=status), MID)
        assert standing.outcome == Outcome(status)
        assert standing.checks == []


def test_an_override_replaces_the_outcome_after_the_end_and_keeps_the_rules_outcome():
    sessions = weekly(10)
    why = Override(Outcome.COMPLETED, "Missed three weeks with a medical certificate", by="Priya Admin")
    who = person(present(sessions, 1, 2, 3), override=why)  # 70 %
    after = outcome_for(cohort(sessions), who, AFTER_END)
    assert after.outcome == Outcome.COMPLETED
    assert after.computed == Outcome.NOT_COMPLETED
    assert after.override.reason == "Missed three weeks with a medical certificate"
    assert after.override.by == "Priya Admin"
    assert after.reasons == [
        "Attendance 70% (7 of 10 sessions) — needs 80%"
    ]  # the rules' reasons stay visible
    assert final_outcome(after) == Outcome.COMPLETED
    # Before the end the rules' outcome is shown; the override waits for the end.
    during = outcome_for(cohort(sessions), who, MID)
    assert during.outcome == Outcome.AT_RISK and during.override is not None


def test_an_override_needs_a_written_reason_and_a_final_outcome():
    with pytest.raises(ValueError, match="reason"):
        Override(Outcome.COMPLETED, "   ")
    with pytest.raises(ValueError):
        Override(Outcome.ON_TRACK, "Because")


def test_a_recorded_outcome_stands_with_the_reasons_kept():
    sessions = weekly(10)
    kept = [RuleCheck("attendance", "Attendance", State.MET, "Attendance 90% (9 of 10 sessions) — needs 80%")]
    # Marks changed after the cohort was finished: the recorded outcome and its reasons stand.
    who = person(present(sessions, 1, 2, 3, 4), status="completed", recorded_checks=kept)
    standing = outcome_for(cohort(sessions), who, AFTER_END)
    assert standing.outcome == Outcome.COMPLETED and standing.recorded
    assert standing.checks == kept
    assert standing.computed == Outcome.NOT_COMPLETED


def test_final_outcome_needs_the_end():
    sessions = weekly(10)
    with pytest.raises(ValueError):
        final_outcome(outcome_for(cohort(sessions), person(present(sessions)), MID))


def test_outcomes_for_many():
    sessions = weekly(10)
    found = outcomes(
        cohort(sessions),
        [person(present(sessions), id=1), person(present(sessions, 1, 2, 3), id=2)],
        AFTER_END,
    )
    assert {k: v.outcome for k, v in found.items()} == {1: Outcome.COMPLETED, 2: Outcome.NOT_COMPLETED}


# No Flask, no database ---------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_engine_imports_no_flask_and_no_database():
    root = Path(__file__).resolve().parents[2]
    seen, todo = set(), ["cohort.domain.completion"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in _imports(root / (module.replace(".", "/") + ".py")):
            top = name.split(".")[0]
            assert top not in {"flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "werkzeug"}, (
                module,
                name,
            )
            if name.startswith("cohort."):
                assert name.startswith("cohort.domain."), (module, name)
                todo.append(name)
    assert "cohort.domain.attendance" in seen
