"""Hackathon rules as plain functions (docs/rules.md §7 and §5.8): ranking submissions,
team sizes, late submissions, forming teams by department mix, and `require_hackathon`.

No Flask or database here: everything takes and returns plain values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Generic, TypeVar

MIN_SCORE, MAX_SCORE = 1, 5
CRITERIA_COUNT = 4
MAX_TOTAL = MAX_SCORE * CRITERIA_COUNT

K = TypeVar("K", bound=Hashable)  # what the caller knows a submission or a person by


# Ranking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked(Generic[K]):
    """One submission's place in the results. `rank` is None when no judge has scored it;
    `tied` is true when another submission has the same rank."""

    key: K
    rank: int | None
    mean_total: Fraction | None
    judges: int
    tied: bool = False

    @property
    def mean_display(self) -> str:
        """The mean total to one decimal place, rounded half up ("15.5"), or "No scores"."""
        if self.mean_total is None:
            return "No scores"
        tenths = math.floor(self.mean_total * 10 + Fraction(1, 2))
        return f"{tenths // 10}.{tenths % 10}"


def rank_submissions(totals: Mapping[K, Sequence[int]]) -> list[Ranked[K]]:
    """Rank submissions by the mean of their judges' totals (each total is the sum of the
    four criteria, 4–20), highest first. Equal means share a rank and the next rank skips
    ("1, 1, 3"): ties are shown as ties, not broken. Means are compared exactly (as
    fractions), so 31/3 and 10.333… are never confused. Unscored submissions come last,
    without a rank. Within a tie, the given order is kept."""
    scored = [
        (key, Fraction(sum(values), len(values)), len(values)) for key, values in totals.items() if values
    ]
    unscored = [key for key, values in totals.items() if not values]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
    ranked: list[Ranked[K]] = []
    previous: Fraction | None = None
    rank = 0
    means = [scored[i][1] for i in order]
    for position, i in enumerate(order, start=1):
        key, mean, judges = scored[i]
        if mean != previous:
            rank = position
            previous = mean
        ranked.append(Ranked(key, rank, mean, judges, tied=means.count(mean) > 1))
    ranked += [Ranked(key, None, None, 0) for key in unscored]
    return ranked


def is_score(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and MIN_SCORE <= value <= MAX_SCORE


# Team sizes and deadlines --------------------------------------------------------------


def team_size_problem(size: int, minimum: int, maximum: int) -> str | None:
    """Why a team of `size` does not fit the hackathon's limits, or None when it does."""
    if size > maximum:
        return f"Teams in this hackathon can have at most {maximum} members"
    if size < minimum:
        return f"Teams in this hackathon need at least {minimum} members"
    return None


def can_join(size_now: int, maximum: int) -> str | None:
    """Why one more person cannot join a team of `size_now`, or None."""
    if size_now + 1 > maximum:
        return f"This team is full: teams in this hackathon can have at most {maximum} members"
    return None


def settings_problem(minimum: int, maximum: int, limit: int = 20) -> str | None:
    if minimum < 1:
        return "The smallest team size must be at least 1"
    if maximum > limit:
        return f"The largest team size must be {limit} or fewer"
    if minimum > maximum:
        return "The smallest team size cannot be more than the largest"
    return None


def is_late(submitted_at: datetime, deadline: datetime) -> bool:
    """A submission made after the deadline is late; one made exactly at it is not."""
    return submitted_at > deadline


# Forming teams ---------------------------------------------------------------------------


def teams_of(people: Iterable[tuple[K, str]], size: int) -> list[list[K]]:
    """Put people into teams of about `size`, spreading each department across teams.

    `people` are (key, department) pairs. The number of teams is the fewest that keeps
    every team at `size` or fewer; team sizes then differ by at most one. People are
    dealt round the teams department by department (largest department first, people
    in the given order), so two people of one department share a team only when that
    department has more people than there are teams.
    """
    if size < 1:
        raise ValueError("Team size must be at least 1")
    people = list(people)
    if not people:
        return []
    count = math.ceil(len(people) / size)
    by_department: dict[str, list[K]] = {}
    for key, department in people:
        by_department.setdefault(department, []).append(key)
    ordered = [
        key
        for _, keys in sorted(by_department.items(), key=lambda item: (-len(item[1]), item[0]))
        for key in keys
    ]
    teams: list[list[K]] = [[] for _ in range(count)]
    for index, key in enumerate(ordered):
        teams[index % count].append(key)
    return teams


# require_hackathon (docs/rules.md §5.8) -------------------------------------------------


@dataclass(frozen=True)
class HackathonTaken:
    """One hackathon of the cohort, from one enrolment's point of view."""

    title: str
    ends_at: datetime
    cancelled: bool = False
    in_team: bool = False
    submitted: bool = False
    late: bool = False


@dataclass(frozen=True)
class HackathonCheck:
    title: str
    met: bool
    reason: str


def hackathon_checks(hackathons: Iterable[HackathonTaken], at: datetime) -> list[HackathonCheck]:
    """For each hackathon that has ended by `at` (cancelled ones do not count): whether the
    person was in a team whose submission was made before the deadline, and why not."""
    checks = []
    for h in sorted(hackathons, key=lambda h: h.ends_at):
        if h.cancelled or h.ends_at > at:
            continue
        if not h.in_team:
            checks.append(HackathonCheck(h.title, False, f"{h.title}: not in a team"))
        elif not h.submitted:
            checks.append(HackathonCheck(h.title, False, f"{h.title}: team made no submission"))
        elif h.late:
            checks.append(HackathonCheck(h.title, False, f"{h.title}: submission was late"))
        else:
            checks.append(HackathonCheck(h.title, True, f"{h.title}: submitted on time"))
    return checks


def require_hackathon_holds(hackathons: Iterable[HackathonTaken], at: datetime) -> bool:
    """`require_hackathon`: every ended hackathon has an on-time submission from the
    person's team (true when no hackathon has ended yet)."""
    return all(check.met for check in hackathon_checks(hackathons, at))
