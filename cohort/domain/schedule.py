"""Session kinds and the standard programme, as plain functions (docs/rules.md §2.5).

`standard_programme(start, weeks, holidays)` lays out a cohort of any length:

- a workshop every week (Monday of week 1 to open the programme, Tuesdays after);
- the four mandatory ethics modules (transparency, accountability, bias and
  fairness, data protection), spread evenly over the weeks, on Thursdays;
- two hackathons, one about half way and one near the end, on Wednesdays;
- a final showcase on the Friday of the last week.

A session that would fall on a bank holiday of the cohort's division moves to
the next working day (not a weekend, not a bank holiday) that has room for it;
the plan says where it came from and why. Times are London wall-clock times.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta


class SessionKind(enum.StrEnum):
    WORKSHOP = "workshop"
    HACKATHON = "hackathon"
    ETHICS = "ethics"
    ASSESSMENT = "assessment"
    SHOWCASE = "showcase"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def mandatory_by_default(self) -> bool:
        return self == SessionKind.ETHICS


MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)

WORKSHOP_TOPICS = [
    (
        "Welcome: from data science to machine learning engineering",
        "Programme overview, ways of working, setting up your engineering environment.",
    ),
    (
        "Software engineering for machine learning",
        "Packaging, testing and code review for data science code.",
    ),
    ("Reproducible pipelines", "Version control for code and data; pipelines that anyone can rerun."),
    ("Data engineering for machine learning", "Ingesting, validating and storing data for models."),
    ("Training and evaluating models at scale", "Cloud compute, distributed training and sound evaluation."),
    (
        "Experiment tracking and model registries",
        "Recording experiments and promoting models with confidence.",
    ),
    ("Serving models", "Putting models behind APIs and batch jobs."),
    (
        "MLOps: continuous integration and delivery for models",
        "Automated tests, builds and releases for models.",
    ),
    ("Monitoring, drift and retraining", "Knowing when a model in service stops working, and what to do."),
    ("Large language models in government services", "Using, evaluating and constraining generative AI."),
    ("Securing machine learning systems", "Threats to ML systems and how to defend against them."),
    (
        "Wrapping up: your next steps as an ML engineer",
        "Consolidating skills, final assessment conversations and plans.",
    ),
]
GENERIC_TOPIC = ("Applied machine learning engineering", "Practical work on the skills of the programme.")

ETHICS_MODULES = [
    ("Ethics: Transparency", "Explaining how AI is used; the Algorithmic Transparency Recording Standard."),
    ("Ethics: Accountability", "Who answers for an AI system's decisions, and how to make that work."),
    ("Ethics: Bias and fairness", "Finding and reducing unfair bias in data and models."),
    ("Ethics: Data protection", "UK GDPR, data protection impact assessments and privacy by design."),
]

# kind → (times in order of preference, weekdays in order of preference)
SLOTS: dict[SessionKind, tuple[tuple[tuple[time, time], ...], tuple[int, ...]]] = {
    SessionKind.WORKSHOP: (
        ((time(9, 30), time(12, 30)), (time(13, 30), time(16, 30))),
        (TUESDAY, MONDAY, WEDNESDAY, THURSDAY, FRIDAY),
    ),
    SessionKind.ETHICS: (
        ((time(14, 0), time(16, 0)), (time(10, 0), time(12, 0))),
        (THURSDAY, WEDNESDAY, TUESDAY, FRIDAY, MONDAY),
    ),
    SessionKind.HACKATHON: (((time(9, 30), time(17, 0)),), (WEDNESDAY, THURSDAY, TUESDAY, MONDAY, FRIDAY)),
    SessionKind.SHOWCASE: (
        ((time(13, 0), time(16, 0)), (time(9, 30), time(12, 30))),
        (FRIDAY, THURSDAY, WEDNESDAY, TUESDAY, MONDAY),
    ),
}


@dataclass(frozen=True)
class PlannedSession:
    kind: SessionKind
    title: str
    description: str
    day: date
    start: time
    end: time
    mandatory: bool
    week: int  # the week it was planned for
    moved_from: date | None = None
    moved_because: str | None = None  # the bank holiday's name

    def overlaps(self, day: date, start: time, end: time) -> bool:
        return self.day == day and self.start < end and start < self.end


def next_working_day(day: date, holidays: Mapping[date, str] | set[date]) -> date:
    """The first day after `day` that is neither a weekend nor a bank holiday."""
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def ethics_weeks(weeks: int) -> list[int]:
    """Weeks of the four ethics modules, spread evenly: 2, 5, 8, 11 for 12 weeks."""
    return [1 + (2 * k - 1) * weeks // 8 for k in range(1, 5)]


def hackathon_weeks(weeks: int) -> list[int]:
    """Weeks of the two hackathons: about half way, and near the end (6 and 10 of 12)."""
    first = (weeks + 1) // 2
    return [first, max(first, weeks - 2)]


def workshop_topic(week: int, weeks: int) -> tuple[str, str]:
    """Week 1 opens, the last week wraps up, the weeks between follow the syllabus in order."""
    if week == 1:
        return WORKSHOP_TOPICS[0]
    if week == weeks:
        return WORKSHOP_TOPICS[-1]
    middle = WORKSHOP_TOPICS[1:-1]
    return middle[week - 2] if week - 2 < len(middle) else GENERIC_TOPIC


def _wanted(weeks: int) -> list[tuple[SessionKind, int, str, str, tuple[int, ...] | None]]:
    """(kind, week, title, description, weekday preferences or None for the kind's own), in placing order."""
    wanted: list[tuple[SessionKind, int, str, str, tuple[int, ...] | None]] = [
        (
            SessionKind.SHOWCASE,
            weeks,
            "Final showcase",
            "Teams present their hackathon work to sponsors and each other.",
            None,
        )
    ]
    for n, week in enumerate(hackathon_weeks(weeks), start=1):
        wanted.append(
            (
                SessionKind.HACKATHON,
                week,
                f"Hackathon {n}: department challenges",
                "Teams tackle live challenges set by departments.",
                None,
            )
        )
    for week in range(1, weeks + 1):
        title, description = workshop_topic(week, weeks)
        prefs = (MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY) if week == 1 else None
        wanted.append((SessionKind.WORKSHOP, week, f"Week {week} workshop: {title}", description, prefs))
    for (title, description), week in zip(ETHICS_MODULES, ethics_weeks(weeks), strict=True):
        wanted.append((SessionKind.ETHICS, week, title, description, None))
    return wanted


def standard_programme(
    start: date, weeks: int, holidays: Mapping[date, str] | None = None
) -> list[PlannedSession]:
    """The standard plan for a cohort starting on Monday `start`, `weeks` long, in date order."""
    if weeks < 1:
        raise ValueError("a cohort lasts at least one week")
    holidays = holidays or {}
    placed: list[PlannedSession] = []

    def free(day: date, begin: time, end: time) -> bool:
        return not any(p.overlaps(day, begin, end) for p in placed)

    for kind, week, title, description, prefs in _wanted(weeks):
        times, kind_prefs = SLOTS[kind]
        monday = start + timedelta(weeks=week - 1)
        days = [monday + timedelta(days=d) for d in (prefs or kind_prefs)]
        # The first free (time, day) in order of preference; a week too full for it
        # (a one-week cohort) gets the first choice, clashing: the plan is editable.
        day, (begin, end) = next(
            ((d, t) for t in times for d in days if free(d, *t)),
            (days[0], times[0]),
        )
        moved_from = moved_because = None
        if day in holidays:
            moved_from, moved_because = day, holidays[day]
            day = next_working_day(day, holidays)
            while not free(day, begin, end):
                day = next_working_day(day, holidays)
        placed.append(
            PlannedSession(
                kind=kind,
                title=title,
                description=description,
                day=day,
                start=begin,
                end=end,
                mandatory=kind.mandatory_by_default,
                week=week,
                moved_from=moved_from,
                moved_because=moved_because,
            )
        )
    return sorted(placed, key=lambda p: (p.day, p.start, p.kind.value))
