"""Levels, uplift, skills at target and "where they stand today" (docs/rules.md §6, §5.3), by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from cohort.domain.attendance import AttendanceFigures, SessionFacts
from cohort.domain.progress import (
    Checkpoint,
    Outcome,
    SkillsAtTarget,
    State,
    at_target,
    is_level,
    latest,
    latest_level,
    level_label,
    level_name,
    mean,
    parse_level,
    signed,
    skills_at_target,
    uplift,
    where_they_stand,
)
from cohort.skills.framework import ML_ENGINEER_FRAMEWORK

B, M, F = Checkpoint.BASELINE, Checkpoint.MIDPOINT, Checkpoint.FINAL


def test_level_names_follow_the_capability_framework():
    assert [level_name(n) for n in range(5)] == ["None", "Awareness", "Working", "Practitioner", "Expert"]
    assert level_label(3) == "3 – Practitioner"
    assert level_label(None) == level_name(None) == "Not assessed"


@pytest.mark.parametrize("value", [0, 1, 4])
def test_levels_zero_to_four(value):
    assert is_level(value)


@pytest.mark.parametrize("value", [-1, 5, 99, True, 2.0, "3", None])
def test_not_levels(value):
    assert not is_level(value)


@pytest.mark.parametrize(("text", "level"), [("", None), ("  ", None), ("0", 0), (" 4 ", 4)])
def test_parse_level(text, level):
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["5", "-1", "04", "two", "3.0", "٣", "9" * 10_000, "\x00"])
def test_parse_level_refuses_anything_else(text):
    with pytest.raises(ValueError, match="whole number from 0 to 4"):
        parse_level(text)


def test_latest_is_the_latest_checkpoint_with_a_level():
    assert latest({}) is None
    assert latest({B: 1}) == (B, 1)
    assert latest({B: 1, M: 3}) == (M, 3)
    assert latest({B: 1, M: 3, F: 2}) == (F, 2)  # a lower final level still counts: it is the latest
    assert latest({B: 1, M: None, F: None}) == (B, 1)
    assert latest_level({M: 0}) == 0  # level 0 is a level, not "nothing"


def test_uplift_is_latest_minus_baseline():
    assert uplift({}) is None
    assert uplift({M: 3}) is None  # no baseline: nothing to measure from
    assert uplift({B: 2}) == 0
    assert uplift({B: 1, M: 2, F: 4}) == 3
    assert uplift({B: 3, M: 2}) == -1
    assert [signed(v) for v in (3, 0, -1, None)] == ["+3", "0", "−1", "–"]


def test_at_target_is_at_or_above():
    assert at_target(3, 3)
    assert at_target(4, 3)
    assert not at_target(2, 3)
    assert not at_target(None, 1)


def test_skills_at_target_counts_the_cohorts_skills_only():
    targets = {1: 3, 2: 3, 3: 2}
    levels = {1: 3, 2: 2, 3: None, 99: 4}  # 99: a skill the cohort does not assess
    assert skills_at_target(levels, targets) == SkillsAtTarget(1, 3)


@pytest.mark.parametrize(
    ("share", "total", "needed"),
    [(1.0, 8, 8), (0.75, 8, 6), (0.7, 8, 6), (0.8, 10, 8), (0.5, 3, 2), (0, 8, 0), (1.0, 0, 0)],
)
def test_skills_needed_rounds_up(share, total, needed):
    assert SkillsAtTarget(0, total).needed(share) == needed


def test_skills_share_threshold_uses_the_exact_value():
    # 0.7 as a float is just under 7/10; 7 of 10 must still meet it.
    assert SkillsAtTarget(7, 10).holds(0.7)
    assert not SkillsAtTarget(6, 10).holds(0.7)


def _figures(attended: int, counted: int) -> AttendanceFigures:
    return AttendanceFigures(ended=counted, present=attended, absent=counted - attended)


def test_on_track_with_every_rule_met_so_far():
    standing = where_they_stand(
        figures=_figures(17, 20),
        min_attendance=0.8,
        skills=SkillsAtTarget(8, 8),
        hackathons_ended=1,
    )
    assert standing.outcome == Outcome.ON_TRACK
    assert [c.rule for c in standing.checks] == ["attendance", "mandatory", "hackathon", "skills"]
    assert [c.reason for c in standing.checks] == [
        "Attendance 85% (17 of 20 sessions) — needs 80%",
        "Mandatory sessions: every one so far attended or caught up",
        "Hackathon submissions: 1 hackathon ended, every one with a submission",
        "Skills at target 8 of 8 — needs 8",
    ]
    assert standing.reasons == []


def test_attendance_below_makes_at_risk_with_figure_and_threshold():
    standing = where_they_stand(figures=_figures(19, 25), min_attendance=0.8)  # 76 %
    assert standing.outcome == Outcome.AT_RISK
    assert standing.checks[0].state == State.AT_RISK
    assert standing.reasons == ["Attendance 76% (19 of 25 sessions) — needs 80%"]


def test_attendance_boundary_exactly_at_threshold_holds():
    assert where_they_stand(figures=_figures(4, 5), min_attendance=0.8).outcome == Outcome.ON_TRACK


def test_attendance_just_below_does_not_read_as_the_threshold():
    # 159/200 = 79.5 %, shown rounded as 80 %, but it is below 80 %.
    standing = where_they_stand(figures=_figures(159, 200), min_attendance=0.8)
    assert standing.outcome == Outcome.AT_RISK
    assert standing.reasons == ["Attendance 79.5% (159 of 200 sessions) — needs 80%"]


def test_no_sessions_yet_is_not_a_risk():
    standing = where_they_stand(figures=AttendanceFigures(), min_attendance=0.8)
    assert standing.outcome == Outcome.ON_TRACK
    assert standing.checks[0].reason == "Attendance: no sessions counted yet — needs 80%"


def test_missed_mandatory_session_without_catch_up():
    at = datetime(2026, 10, 1, tzinfo=UTC)
    missed = [SessionFacts(7, at, at, mandatory=True, title="Ethics: Bias and fairness", week=5)]
    standing = where_they_stand(figures=_figures(10, 10), min_attendance=0.8, missed_mandatory=missed)
    assert standing.outcome == Outcome.AT_RISK
    assert standing.reasons == ["Ethics: Bias and fairness (week 5) missed, no catch-up"]
    relaxed = where_they_stand(
        figures=_figures(10, 10), min_attendance=0.8, missed_mandatory=missed, require_mandatory=False
    )
    assert relaxed.outcome == Outcome.ON_TRACK
    assert relaxed.checks[1].state == State.NOT_REQUIRED


def test_hackathon_ended_without_submission():
    standing = where_they_stand(
        figures=_figures(10, 10),
        min_attendance=0.8,
        hackathons_ended=2,
        hackathons_without_submission=["Hackathon: court backlogs"],
    )
    assert standing.outcome == Outcome.AT_RISK
    assert standing.reasons == ["Hackathon: court backlogs ended without a submission"]
    relaxed = where_they_stand(
        figures=_figures(10, 10),
        min_attendance=0.8,
        hackathons_without_submission=["Hackathon: court backlogs"],
        require_hackathon=False,
    )
    assert relaxed.outcome == Outcome.ON_TRACK


def test_skills_below_target_is_not_a_risk_before_the_end():
    standing = where_they_stand(figures=_figures(10, 10), min_attendance=0.8, skills=SkillsAtTarget(6, 8))
    assert standing.outcome == Outcome.ON_TRACK
    assert standing.checks[3].state == State.NOT_YET
    assert standing.reasons == ["Skills at target 6 of 8 — needs 8"]


def test_after_the_end_completed_only_when_every_rule_holds():
    done = where_they_stand(
        figures=_figures(8, 10),
        min_attendance=0.8,
        skills=SkillsAtTarget(6, 8),
        skills_share=0.75,
        finished=True,
    )
    assert done.outcome == Outcome.COMPLETED
    assert "Skills at target 6 of 8 — needs 6" in [c.reason for c in done.checks]
    short = where_they_stand(
        figures=_figures(8, 10),
        min_attendance=0.8,
        skills=SkillsAtTarget(5, 8),
        skills_share=0.75,
        finished=True,
    )
    assert short.outcome == Outcome.NOT_COMPLETED
    assert short.checks[3].state == State.NOT_MET
    assert short.reasons == ["Skills at target 5 of 8 — needs 6"]


def test_several_failures_give_one_reason_per_rule():
    at = datetime(2026, 10, 1, tzinfo=UTC)
    missed = [
        SessionFacts(1, at, at, mandatory=True, title="Ethics: Transparency", week=2),
        SessionFacts(2, at, at, mandatory=True, title="Ethics: Data protection", week=9),
    ]
    standing = where_they_stand(
        figures=_figures(3, 10),
        min_attendance=0.8,
        missed_mandatory=missed,
        hackathons_ended=1,
        hackathons_without_submission=["Hackathon 1"],
        skills=SkillsAtTarget(0, 8),
        finished=True,
    )
    assert standing.outcome == Outcome.NOT_COMPLETED
    assert standing.reasons == [
        "Attendance 30% (3 of 10 sessions) — needs 80%",
        "Ethics: Transparency (week 2) missed, no catch-up; Ethics: Data protection (week 9) missed, no catch-up",
        "Hackathon 1 ended without a submission",
        "Skills at target 0 of 8 — needs 8",
    ]


def test_mean_is_exact_and_skips_missing():
    assert mean([1, 2, None]) == Fraction(3, 2)
    assert mean([None]) is None


def test_seed_framework_is_complete():
    assert 8 <= len(ML_ENGINEER_FRAMEWORK) <= 10
    names = [s["name"] for s in ML_ENGINEER_FRAMEWORK]
    assert len(set(names)) == len(names)
    for skill in ML_ENGINEER_FRAMEWORK:
        assert skill["category"] and skill["description"]
        assert len(skill["levels"]) == 5 and all(skill["levels"])


def test_hackathons_not_recorded_yet_is_not_a_risk_but_not_a_pass():
    standing = where_they_stand(figures=_figures(10, 10), min_attendance=0.8, hackathons_ended=None)
    assert standing.outcome == Outcome.ON_TRACK
    assert standing.checks[2].state == State.UNKNOWN
    assert standing.checks[2].reason == "Hackathon submissions: not recorded in this service yet"
    finished = where_they_stand(
        figures=_figures(10, 10), min_attendance=0.8, hackathons_ended=None, finished=True
    )
    assert finished.outcome == Outcome.NOT_COMPLETED
