"""Hackathon rules with hand-computed cases: ranking and ties, team sizes, lateness,
teams by department mix, require_hackathon."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from cohort.domain.hackathons import (
    HackathonTaken,
    can_join,
    hackathon_checks,
    is_late,
    is_score,
    rank_submissions,
    require_hackathon_holds,
    settings_problem,
    team_size_problem,
    teams_of,
)

NOON = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)


def test_ranking_by_mean_total_with_judge_count():
    # A: totals 16 and 18 -> mean 17 (2 judges); B: 20 -> 20 (1 judge); C: 12, 13, 14 -> 13 (3 judges)
    ranked = rank_submissions({"A": [16, 18], "B": [20], "C": [12, 13, 14]})
    assert [(r.key, r.rank, r.mean_total, r.judges) for r in ranked] == [
        ("B", 1, 20, 1),
        ("A", 2, 17, 2),
        ("C", 3, 13, 3),
    ]
    assert not any(r.tied for r in ranked)


def test_ties_share_a_rank_and_the_next_rank_skips():
    # A: (15 + 17) / 2 = 16; B: 16; C: (18 + 14 + 16) / 3 = 16; D: 19; E: 10
    ranked = rank_submissions({"A": [15, 17], "B": [16], "C": [18, 14, 16], "D": [19], "E": [10]})
    assert [(r.key, r.rank, r.tied) for r in ranked] == [
        ("D", 1, False),
        ("A", 2, True),
        ("B", 2, True),
        ("C", 2, True),
        ("E", 5, False),
    ]


def test_means_are_compared_exactly_not_as_floats():
    # 31/3 = 10.333… and 10.33 are different; 62/6 is the same as 31/3.
    ranked = rank_submissions({"A": [10, 10, 11], "B": [11, 10, 10, 11, 10, 10], "C": [10, 11]})
    assert ranked[0].key == "C" and ranked[0].mean_total == Fraction(21, 2)
    assert ranked[1].rank == ranked[2].rank == 2 and ranked[1].mean_total == Fraction(31, 3)
    assert ranked[1].mean_display == "10.3"
    assert ranked[0].mean_display == "10.5"


def test_unscored_submissions_come_last_without_a_rank():
    ranked = rank_submissions({"A": [], "B": [8]})
    assert [(r.key, r.rank, r.judges, r.mean_display) for r in ranked] == [
        ("B", 1, 1, "8.0"),
        ("A", None, 0, "No scores"),
    ]
    assert rank_submissions({}) == []


def test_mean_display_rounds_half_up():
    # (15 + 16) / 2 = 15.5; (14 + 15 + 15 + 15) / 4 = 14.75 -> 14.8
    ranked = rank_submissions({"A": [15, 16], "B": [14, 15, 15, 15]})
    assert [r.mean_display for r in ranked] == ["15.5", "14.8"]


@pytest.mark.parametrize(
    ("value", "ok"), [(1, True), (5, True), (0, False), (6, False), (True, False), ("3", False), (3.0, False)]
)
def test_scores_are_whole_numbers_from_1_to_5(value, ok):
    assert is_score(value) is ok


def test_team_size_limits():
    assert team_size_problem(2, 2, 6) is None
    assert team_size_problem(6, 2, 6) is None
    assert team_size_problem(1, 2, 6) == "Teams in this hackathon need at least 2 members"
    assert team_size_problem(7, 2, 6) == "Teams in this hackathon can have at most 6 members"
    assert can_join(5, 6) is None
    assert "full" in can_join(6, 6)


def test_settings_limits():
    assert settings_problem(2, 6) is None
    assert settings_problem(0, 6) == "The smallest team size must be at least 1"
    assert settings_problem(4, 3) == "The smallest team size cannot be more than the largest"
    assert settings_problem(2, 21) == "The largest team size must be 20 or fewer"


def test_late_means_after_the_deadline():
    assert not is_late(NOON - timedelta(seconds=1), NOON)
    assert not is_late(NOON, NOON)
    assert is_late(NOON + timedelta(seconds=1), NOON)


def test_teams_of_n_spread_departments():
    people = [(f"moj{i}", "MOJ") for i in range(4)] + [(f"dvla{i}", "DVLA") for i in range(4)]
    people += [("wg0", "WG"), ("sg0", "SG")]
    teams = teams_of(people, 4)
    # 10 people in teams of at most 4: 3 teams, sizes 4, 3, 3
    assert sorted(len(t) for t in teams) == [3, 3, 4]
    assert sorted(key for team in teams for key in team) == sorted(key for key, _ in people)
    departments = dict(people)
    for team in teams:
        counts = Counter(departments[k] for k in team)
        # 4 MOJ over 3 teams: no team has more than 2 of them; same for DVLA
        assert max(counts.values()) <= 2
    # Exactly one team has two from MOJ (4 people, 3 teams)
    assert sum(Counter(departments[k] for k in t)["MOJ"] == 2 for t in teams) == 1


def test_teams_of_n_hand_worked():
    people = [("a", "X"), ("b", "X"), ("c", "Y"), ("d", "Y"), ("e", "Z")]
    # X and Y have 2 each (X first by name), then Z; dealt round 3 teams (ceil(5 / 2)):
    # a->1, b->2, c->3, d->1, e->2
    assert teams_of(people, 2) == [["a", "d"], ["b", "e"], ["c"]]
    assert teams_of([], 4) == []
    with pytest.raises(ValueError):
        teams_of(people, 0)


def _hack(title, days_ago, **kw):
    return HackathonTaken(title=title, ends_at=NOON - timedelta(days=days_ago), **kw)


def test_require_hackathon_counts_ended_hackathons_with_on_time_work():
    done = _hack("Hackathon 1", 10, in_team=True, submitted=True)
    future = _hack("Hackathon 2", -5)  # not ended: does not count yet
    cancelled = _hack("Hackathon 0", 20, cancelled=True)
    assert require_hackathon_holds([done, future, cancelled], NOON)
    assert [c.reason for c in hackathon_checks([done, future, cancelled], NOON)] == [
        "Hackathon 1: submitted on time"
    ]
    assert require_hackathon_holds([], NOON)


@pytest.mark.parametrize(
    ("taken", "reason"),
    [
        ({}, "Hackathon 1: not in a team"),
        ({"in_team": True}, "Hackathon 1: team made no submission"),
        ({"in_team": True, "submitted": True, "late": True}, "Hackathon 1: submission was late"),
    ],
)
def test_require_hackathon_fails_with_a_reason(taken, reason):
    hackathons = [_hack("Hackathon 1", 1, **taken)]
    assert not require_hackathon_holds(hackathons, NOON)
    assert hackathon_checks(hackathons, NOON)[0].reason == reason


def test_a_hackathon_ending_exactly_now_counts():
    assert not require_hackathon_holds([_hack("Hackathon 1", 0)], NOON)
