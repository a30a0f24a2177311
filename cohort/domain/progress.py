"""Skill levels, progress figures and "where they stand today" (DESIGN.md §3, §5), over plain values.

Levels follow the government's digital and data capability framework:
0 none, 1 awareness, 2 working, 3 practitioner, 4 expert. A participant is
assessed at three checkpoints (baseline, midpoint, final), by themselves and
by a facilitator. The facilitator's level is the one that counts; the
self-assessment is shown beside it and never averaged into it.

`where_they_stand` applies the completion rules of §5 to figures worked out
elsewhere (the attendance rate from cohort.domain.attendance, the mandatory
sessions missed without a catch-up, the hackathons that ended without a
submission, the skills at target) and gives one reason per rule, each with
the figure and the threshold: "Attendance 76% — needs 80%",
"Skills at target 6 of 8 — needs 8".

No Flask or database import here.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from cohort.domain.attendance import AttendanceFigures, SessionFacts, percentage, risk_flags, threshold

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


def latest(levels: Mapping[Checkpoint, int | None]) -> tuple[Checkpoint, int] | None:
    """The latest checkpoint with a level, and that level (final, else midpoint, else baseline)."""
    for checkpoint in reversed(Checkpoint):
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


def at_target(level: int | None, target: int) -> bool:
    return level is not None and level >= target


@dataclass(frozen=True)
class SkillsAtTarget:
    """How many of the cohort's skills are at or above target (latest facilitator level)."""

    met: int
    total: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.met, self.total) if self.total else None

    def needed(self, share: float | Fraction | Decimal | str) -> int:
        """How many skills the threshold asks for: 1.0 of 8 → 8, 0.75 of 8 → 6, 0.7 of 8 → 6."""
        return math.ceil(threshold(share) * self.total)

    def holds(self, share: float | Fraction | Decimal | str) -> bool:
        return self.met >= self.needed(share)


def skills_at_target(latest_levels: Mapping[int, int | None], targets: Mapping[int, int]) -> SkillsAtTarget:
    """Count over the cohort's skills (`targets`: skill id → target); `latest_levels`: skill id → level."""
    met = sum(1 for skill_id, target in targets.items() if at_target(latest_levels.get(skill_id), target))
    return SkillsAtTarget(met, len(targets))


# Where they stand today (DESIGN.md §5) ----------------------------------------------


class Outcome(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class State(enum.StrEnum):
    """How one rule stands."""

    MET = "met"  # holds (so far)
    AT_RISK = "at_risk"  # failing a rule that makes someone at risk before the end
    NOT_YET = "not_yet"  # not met yet, with time left (skills, before the end)
    NOT_MET = "not_met"  # failed, at the end
    NOT_REQUIRED = "not_required"  # the cohort does not use this rule
    UNKNOWN = "unknown"  # nothing recorded to judge it by yet

    @property
    def label(self) -> str:
        return {
            "met": "Met",
            "at_risk": "At risk",
            "not_yet": "Not yet met",
            "not_met": "Not met",
            "not_required": "Not required",
            "unknown": "Not recorded yet",
        }[self.value]


@dataclass(frozen=True)
class RuleCheck:
    rule: str  # attendance, mandatory, hackathon, skills
    title: str
    state: State
    reason: str  # the figure and the threshold, in words

    @property
    def holds(self) -> bool:
        return self.state in (State.MET, State.NOT_REQUIRED)


@dataclass(frozen=True)
class Standing:
    outcome: Outcome
    checks: list[RuleCheck] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """The reasons of the rules that do not hold."""
        return [c.reason for c in self.checks if not c.holds]


def _failing(finished: bool, counts_before_end: bool = True) -> State:
    if finished:
        return State.NOT_MET
    return State.AT_RISK if counts_before_end else State.NOT_YET


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def attendance_check(figures: AttendanceFigures, min_attendance, finished: bool) -> RuleCheck:
    limit = threshold(min_attendance)
    needs = f"needs {percentage(limit)}%"
    if figures.rate is None:
        return RuleCheck(
            "attendance", "Attendance", State.MET, f"Attendance: no sessions counted yet — {needs}"
        )
    flags = risk_flags(figures, limit)
    if flags:
        return RuleCheck("attendance", "Attendance", _failing(finished), flags[0].message)
    counts = f"{figures.attended} of {figures.counted} sessions"
    return RuleCheck(
        "attendance", "Attendance", State.MET, f"Attendance {figures.display} ({counts}) — {needs}"
    )


def mandatory_check(missed: Sequence[SessionFacts], required: bool, finished: bool) -> RuleCheck:
    title = "Mandatory sessions"
    if not required:
        return RuleCheck(
            "mandatory", title, State.NOT_REQUIRED, "Mandatory sessions: not required for this cohort"
        )
    if not missed:
        return RuleCheck(
            "mandatory", title, State.MET, "Mandatory sessions: every one so far attended or caught up"
        )
    messages = [flag.message for flag in risk_flags(AttendanceFigures(), 0, missed)]
    return RuleCheck("mandatory", title, _failing(finished), "; ".join(messages))


def hackathon_check(
    ended: int | None, without_submission: Sequence[str], required: bool, finished: bool
) -> RuleCheck:
    """`ended`: hackathons that have ended (None: submissions are not recorded anywhere yet);
    `without_submission`: the titles of those that ended without one."""
    title = "Hackathon submissions"
    if not required:
        return RuleCheck(
            "hackathon", title, State.NOT_REQUIRED, "Hackathon submissions: not required for this cohort"
        )
    if ended is None:
        return RuleCheck(
            "hackathon", title, State.UNKNOWN, "Hackathon submissions: not recorded in this service yet"
        )
    if without_submission:
        missing = "; ".join(f"{t} ended without a submission" for t in without_submission)
        return RuleCheck("hackathon", title, _failing(finished), missing)
    if ended == 0:
        return RuleCheck("hackathon", title, State.MET, "Hackathon submissions: no hackathon has ended yet")
    return RuleCheck(
        "hackathon",
        title,
        State.MET,
        f"Hackathon submissions: {_plural(ended, 'hackathon')} ended, every one with a submission",
    )


def skills_check(skills: SkillsAtTarget, share, finished: bool) -> RuleCheck:
    title = "Skills at target"
    if skills.total == 0:
        return RuleCheck("skills", title, State.MET, "Skills at target: the cohort assesses no skills")
    needed = skills.needed(share)
    reason = f"Skills at target {skills.met} of {skills.total} — needs {needed}"
    if skills.met >= needed:
        return RuleCheck("skills", title, State.MET, reason)
    # Skills grow over the programme: not being at target yet is not a risk before the end.
    return RuleCheck("skills", title, _failing(finished, counts_before_end=False), reason)


def where_they_stand(
    *,
    figures: AttendanceFigures,
    min_attendance: float | Fraction | Decimal | str,
    missed_mandatory: Sequence[SessionFacts] = (),
    require_mandatory: bool = True,
    hackathons_ended: int | None = 0,
    hackathons_without_submission: Sequence[str] = (),
    require_hackathon: bool = True,
    skills: SkillsAtTarget = SkillsAtTarget(0, 0),
    skills_share: float | Fraction | Decimal | str = 1,
    finished: bool = False,
) -> Standing:
    """DESIGN.md §5 for one active enrolment: the outcome today and one check per rule.

    Before the cohort's last session ends (`finished` False): at risk when the
    attendance rate is below the threshold, a mandatory session was missed
    without a catch-up, or a hackathon ended without a submission. After it:
    completed when every rule holds.
    """
    checks = [
        attendance_check(figures, min_attendance, finished),
        mandatory_check(missed_mandatory, require_mandatory, finished),
        hackathon_check(hackathons_ended, hackathons_without_submission, require_hackathon, finished),
        skills_check(skills, skills_share, finished),
    ]
    if finished:
        outcome = Outcome.COMPLETED if all(c.holds for c in checks) else Outcome.NOT_COMPLETED
    else:
        outcome = Outcome.AT_RISK if any(c.state == State.AT_RISK for c in checks) else Outcome.ON_TRACK
    return Standing(outcome, checks)


def mean(values: Iterable[int | None]) -> Fraction | None:
    """The mean of the values that are there, exactly; None when there are none."""
    present = [v for v in values if v is not None]
    return Fraction(sum(present), len(present)) if present else None
