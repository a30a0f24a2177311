"""Skill levels, progress figures and "where they stand today" (docs/rules.md §6, §5), over plain values.

Levels follow the government's digital and data capability framework:
0 none, 1 awareness, 2 working, 3 practitioner, 4 expert. A participant is
assessed at three checkpoints (baseline, midpoint, final), by themselves and
by a facilitator. The facilitator's level is the one that counts; the
self-assessment is shown beside it and never averaged into it.

The completion rules of docs/rules.md §5 (where someone stands today, one reason per rule
with the figure and the threshold) are in cohort.domain.completion and only
re-exported here.

No Flask or database import here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from fractions import Fraction

# The completion rules live in one place, cohort.domain.completion; they are named here too
# because the progress pages and their tests speak of them.
from cohort.domain.completion import (  # noqa: F401
    Outcome,
    RuleCheck,
    SkillsAtTarget,
    Standing,
    State,
    at_target,
    attendance_check,
    hackathon_check,
    mandatory_check,
    skills_at_target,
    skills_check,
    where_they_stand,
)

MIN_LEVEL = 0
MAX_LEVEL = 4
LEVELS = range(MIN_LEVEL, MAX_LEVEL + 1)
LEVEL_NAMES = {0: "None", 1: "Awareness", 2: "Working", 3: "Practitioner", 4: "Expert"}


def is_level(value: object) -> bool:
    """A whole number from 0 to 4 (booleans are not levels)."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_LEVEL <= value <= MAX_LEVEL


def level_name(level: int | None) -> str:
    """ "Practitioner" for 3; "Not assessed" for None."""
    if level is None:
        return "Not assessed"
    return LEVEL_NAMES[level]


def level_label(level: int | None) -> str:
    """ "3 – Practitioner" for 3; "Not assessed" for None."""
    if level is None:
        return "Not assessed"
    return f"{level} – {LEVEL_NAMES[level]}"


def parse_level(text: str | None) -> int | None:
    """A level typed or chosen in a form: "" → None; "3" → 3; anything else → ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 1 or not is_level(int(text)):
        raise ValueError(f"Level must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}")
    return int(text)


class Checkpoint(enum.StrEnum):
    BASELINE = "baseline"
    MIDPOINT = "midpoint"
    FINAL = "final"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def order(self) -> int:
        return list(Checkpoint).index(self)


class Source(enum.StrEnum):
    SELF = "self"
    FACILITATOR = "facilitator"

    @property
    def label(self) -> str:
        return "Self-assessment" if self == Source.SELF else "Facilitator"


# Worked out once: iterating an Enum is slow in Python 3.11, and a programme-wide report asks
# for the latest level of 30,000 skills.
LATEST_FIRST = tuple(reversed(Checkpoint))


def latest(levels: Mapping[Checkpoint, int | None]) -> tuple[Checkpoint, int] | None:
    """The latest checkpoint with a level, and that level (final, else midpoint, else baseline)."""
    for checkpoint in LATEST_FIRST:
        level = levels.get(checkpoint)
        if level is not None:
            return checkpoint, level
    return None


def latest_level(levels: Mapping[Checkpoint, int | None]) -> int | None:
    found = latest(levels)
    return None if found is None else found[1]


def uplift(levels: Mapping[Checkpoint, int | None]) -> int | None:
    """Latest level − baseline level (facilitator levels); None without a baseline."""
    baseline = levels.get(Checkpoint.BASELINE)
    if baseline is None:
        return None
    current = latest_level(levels)
    assert current is not None
    return current - baseline


def signed(value: int | None) -> str:
    """ "+2", "0", "−1" (a real minus sign), or "–" for no figure."""
    if value is None:
        return "–"
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{-value}"
    return "0"


def mean(values: Iterable[int | None]) -> Fraction | None:
    """The mean of the values that are there, exactly; None when there are none."""
    present = [v for v in values if v is not None]
    return Fraction(sum(present), len(present)) if present else None
