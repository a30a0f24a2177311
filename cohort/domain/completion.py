"""The completion engine (docs/rules.md §5), over plain values: the one implementation of the rules.

For each enrolment it gives an outcome — `on_track`, `at_risk`, `completed`,
`not_completed`, `withdrawn` or `transferred` — and one check per rule, each
with the figure and the threshold in words ("Attendance 76% — needs 80%",
"Ethics: Bias and fairness (week 5) missed, no catch-up", "Skills at target
6 of 8 — needs 8").

The rules, with each cohort's settings (defaults in brackets):

- `min_attendance` [0.80]: the attendance rate of docs/rules.md §3 must be at least this
  (the unrounded rate is compared);
- `require_mandatory` [true]: every mandatory session attended (present or
  late), or missed and caught up (a recorded catch-up);
- `require_hackathon` [true]: for every hackathon session that has ended,
  the person's team made its submission before the deadline (a late
  submission does not count);
- `skills_at_target` [1.0]: the share of the cohort's skills whose latest
  facilitator level is at or above target.

Before the cohort's last session ends a person is `at_risk` when their
attendance so far is below the threshold, a mandatory session was missed
without a catch-up, or a hackathon ended without a submission on time;
otherwise `on_track` (skills still have time to grow). After it: `completed`
when every rule holds, else `not_completed`. Once the cohort is finished the
recorded outcome stands. An override (with its reason and author) replaces
the outcome the rules give and is carried beside it, so it can be shown
wherever the outcome is.

Every input is a plain value (ids, dates, marks as strings, levels as ints):
no Flask or database import here, so the rules can be tested by hand.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from cohort.domain.attendance import (
    AttendanceFigures,
    Mark,
    SessionFacts,
    attendance_figures,
    counts_for,
    missed_mandatory,
    percentage,
    risk_flags,
    threshold,
)
from cohort.domain.cohort_stage import programme_ended
from cohort.domain.formatting import plural as _plural
from cohort.domain.joining import before_joining, explain
from cohort.domain.skills_target import SkillsAtTarget as SkillsAtTarget  # re-exported: callers import
from cohort.domain.skills_target import at_target as at_target  # these three from here
from cohort.domain.skills_target import skills_at_target as skills_at_target

NO_SKILLS = SkillsAtTarget(0, 0)

Share = float | Fraction | Decimal | str


# Outcomes and checks ------------------------------------------------------------------


class Outcome(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: The outcomes a cohort's end records, and so the only ones an override may give.
FINAL_OUTCOMES = (Outcome.COMPLETED, Outcome.NOT_COMPLETED)


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


# A module constant: reading enum members is slow enough in Python 3.11 to show in a
# programme-wide report that asks this 40,000 times.
HOLDING = frozenset({State.MET, State.NOT_REQUIRED})


@dataclass(frozen=True)
class RuleCheck:
    rule: str  # attendance, mandatory, hackathon, skills
    title: str
    state: State
    reason: str  # the figure and the threshold, in words
    details: tuple[str, ...] = ()  # what lies behind the figure (skills not at target, …)

    @property
    def holds(self) -> bool:
        return self.state in HOLDING


@dataclass(frozen=True)
class Override:
    """A programme manager's decision that replaces the rules' outcome, with its reason."""

    outcome: Outcome
    reason: str
    by: str | None = None  # the author's name (None once their account is gone)
    at: datetime | None = None

    def __post_init__(self):
        if self.outcome not in FINAL_OUTCOMES:
            raise ValueError("An override gives completed or not completed")
        if not (self.reason or "").strip():
            raise ValueError("An override needs a written reason")


@dataclass(frozen=True)
class Standing:
    """An enrolment's outcome with one check per rule.

    `outcome` is the one to show: the recorded one once the cohort is finished,
    an override when there is one, else what the rules give (`computed`).
    """

    outcome: Outcome
    checks: list[RuleCheck] = field(default_factory=list)
    computed: Outcome | None = None
    override: Override | None = None
    recorded: bool = False  # the outcome was recorded when the cohort was finished
    figures: AttendanceFigures | None = None
    skills: SkillsAtTarget | None = None

    def __post_init__(self):
        if self.computed is None:
            object.__setattr__(self, "computed", self.outcome)

    @property
    def reasons(self) -> list[str]:
        """The reasons of the rules that do not hold."""
        return [c.reason for c in self.checks if not c.holds]

    @property
    def at_risk(self) -> list[RuleCheck]:
        """The checks at risk: what a page flags beside the outcome."""
        return [c for c in self.checks if c.state is State.AT_RISK]

    @property
    def overridden(self) -> bool:
        return self.override is not None

    def check(self, rule: str) -> RuleCheck | None:
        return next((c for c in self.checks if c.rule == rule), None)


# One check per rule ----------------------------------------------------------------------


def _failing(finished: bool, counts_before_end: bool = True) -> State:
    if finished:
        return State.NOT_MET
    return State.AT_RISK if counts_before_end else State.NOT_YET


def _where(session: SessionFacts) -> str:
    return f"{session.title} (week {session.week})" if session.week is not None else session.title


def attendance_check(figures: AttendanceFigures, min_attendance: Share, finished: bool) -> RuleCheck:
    limit = threshold(min_attendance)
    needs = f"needs {percentage(limit)}%"
    if figures.rate is None:
        if finished and limit > 0:
            # Nothing counted by the end (none held, or every one excused): the rate cannot be shown to hold.
            return RuleCheck(
                "attendance", "Attendance", State.NOT_MET, f"Attendance: no sessions counted — {needs}"
            )
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
        so_far = "" if finished else " so far"
        return RuleCheck(
            "mandatory", title, State.MET, f"Mandatory sessions: every one{so_far} attended or caught up"
        )
    messages = [flag.message for flag in risk_flags(AttendanceFigures(), 0, missed)]
    return RuleCheck("mandatory", title, _failing(finished), "; ".join(messages))


def hackathon_check(
    ended: int | None,
    without_submission: Sequence[str],
    required: bool,
    finished: bool,
    problems: Sequence[str] = (),
    any_in_cohort: bool = True,
) -> RuleCheck:
    """`ended`: hackathons that have ended (None: submissions are not recorded anywhere);
    `without_submission`: the titles of those that ended without one; `problems`: the same,
    already in words ("… submitted after the deadline")."""
    title = "Hackathon submissions"
    if not required:
        return RuleCheck(
            "hackathon", title, State.NOT_REQUIRED, "Hackathon submissions: not required for this cohort"
        )
    if ended is None:
        return RuleCheck(
            "hackathon", title, State.UNKNOWN, "Hackathon submissions: not recorded in this service yet"
        )
    messages = [f"{t} ended without a submission" for t in without_submission] + list(problems)
    if messages:
        return RuleCheck("hackathon", title, _failing(finished), "; ".join(messages))
    if not any_in_cohort:
        return RuleCheck("hackathon", title, State.MET, "Hackathon submissions: the cohort has no hackathon")
    if ended == 0:
        return RuleCheck("hackathon", title, State.MET, "Hackathon submissions: no hackathon has ended yet")
    return RuleCheck(
        "hackathon",
        title,
        State.MET,
        f"Hackathon submissions: {_plural(ended, 'hackathon')} ended, every one with a submission",
    )


def skills_check(
    skills: SkillsAtTarget, share: Share, finished: bool, details: Sequence[str] = ()
) -> RuleCheck:
    title = "Skills at target"
    if skills.total == 0:
        return RuleCheck("skills", title, State.MET, "Skills at target: the cohort assesses no skills")
    needed = skills.needed(share)
    reason = f"Skills at target {skills.met} of {skills.total} — needs {needed}"
    if skills.met >= needed:
        return RuleCheck("skills", title, State.MET, reason, tuple(details))
    # Skills grow over the programme: not being at target yet is not a risk before the end.
    return RuleCheck("skills", title, _failing(finished, counts_before_end=False), reason, tuple(details))


def where_they_stand(
    *,
    figures: AttendanceFigures,
    min_attendance: Share,
    missed_mandatory: Sequence[SessionFacts] = (),
    require_mandatory: bool = True,
    hackathons_ended: int | None = 0,
    hackathons_without_submission: Sequence[str] = (),
    hackathon_problems: Sequence[str] = (),
    require_hackathon: bool = True,
    hackathons_in_cohort: bool = True,
    skills: SkillsAtTarget = NO_SKILLS,
    skills_share: Share = 1,
    skills_details: Sequence[str] = (),
    finished: bool = False,
) -> Standing:
    """docs/rules.md §5.3 for one active enrolment, from figures already worked out: the outcome
    the rules give and one check per rule."""
    checks = [
        attendance_check(figures, min_attendance, finished),
        mandatory_check(missed_mandatory, require_mandatory, finished),
        hackathon_check(
            hackathons_ended,
            hackathons_without_submission,
            require_hackathon,
            finished,
            hackathon_problems,
            hackathons_in_cohort,
        ),
        skills_check(skills, skills_share, finished, skills_details),
    ]
    if finished:
        outcome = Outcome.COMPLETED if all(c.holds for c in checks) else Outcome.NOT_COMPLETED
    else:
        outcome = Outcome.AT_RISK if any(c.state == State.AT_RISK for c in checks) else Outcome.ON_TRACK
    return Standing(outcome, checks, figures=figures, skills=skills)


# The engine over plain facts ---------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """A cohort's completion settings as exact values (0.8 means 4/5, not the float's binary value)."""

    min_attendance: Fraction = Fraction(4, 5)
    require_mandatory: bool = True
    require_hackathon: bool = True
    skills_at_target: Fraction = Fraction(1)

    @classmethod
    def of(
        cls,
        min_attendance: Share = Fraction(4, 5),
        require_mandatory: bool = True,
        require_hackathon: bool = True,
        skills_at_target: Share = 1,
    ) -> Rules:
        rules = cls(threshold(min_attendance), bool(require_mandatory), bool(require_hackathon),
                    threshold(skills_at_target))  # fmt: skip
        for name in ("min_attendance", "skills_at_target"):
            if not 0 <= getattr(rules, name) <= 1:
                raise ValueError(f"{name} must be a share from 0 to 1")
        return rules


DEFAULT_RULES = Rules()


class HackathonEntry(enum.StrEnum):
    """What one person's team handed in for one hackathon."""

    ON_TIME = "on_time"  # a submission made before the deadline
    LATE = "late"  # made after the deadline: does not count
    NO_SUBMISSION = "no_submission"  # in a team that submitted nothing
    NO_TEAM = "no_team"  # in no team

    @classmethod
    def of_team(cls, submitted: bool, late: bool) -> HackathonEntry:
        """What a member of a team gets: its submission, on time or late, or none."""
        if not submitted:
            return cls.NO_SUBMISSION
        return cls.LATE if late else cls.ON_TIME


@dataclass(frozen=True)
class CohortFacts:
    """What the rules need to know about a cohort."""

    rules: Rules
    last_day: date  # the cohort's last day (the Friday of its last week)
    sessions: Sequence[SessionFacts] = ()  # every session on its timetable
    hackathons: Sequence[SessionFacts] = ()  # its hackathon sessions (also among `sessions`)
    targets: Mapping[int, int] = field(default_factory=dict)  # skill id → target level
    skill_names: Mapping[int, str] = field(default_factory=dict)  # skill id → name (for the details)
    hackathons_recorded: bool = True  # False while teams and submissions are not recorded anywhere


@dataclass(frozen=True)
class EnrolmentFacts:
    """What the rules need to know about one enrolment."""

    id: int
    enrolled_on: date
    status: str = "active"  # active, withdrawn, transferred, completed, not_completed
    marks: Mapping[int, Mark | str] = field(default_factory=dict)  # session id → mark
    caught_up: Collection[int] = frozenset()  # ids of mandatory sessions caught up
    hackathons: Mapping[int, HackathonEntry | str] = field(default_factory=dict)  # session id → entry
    levels: Mapping[int, int | None] = field(default_factory=dict)  # skill id → latest facilitator level
    override: Override | None = None
    recorded_checks: Sequence[RuleCheck] | None = None  # the checks kept when the outcome was recorded


def programme_over(cohort: CohortFacts, at: datetime) -> bool:
    """Has the cohort's last session ended? Not before its last day, whatever is on the timetable
    so far (a timetable still being built would otherwise "finish" early); no sessions: over from
    the day after its last day (docs/rules.md §5.2, cohort.domain.cohort_stage)."""
    return programme_ended(cohort.last_day, (s.ends_at for s in cohort.sessions if not s.cancelled), at)


def _hackathon_problems(cohort: CohortFacts, person: EnrolmentFacts, at: datetime) -> tuple[int, list[str]]:
    """The hackathons that count for this person by `at`, and what went wrong in each."""
    ended = [h for h in cohort.hackathons if counts_for(h, person.enrolled_on, at)]
    problems = []
    for hackathon in ended:
        entry = HackathonEntry(person.hackathons.get(hackathon.id, HackathonEntry.NO_TEAM))
        if entry == HackathonEntry.LATE:
            problems.append(f"{_where(hackathon)}: submitted after the deadline")
        elif entry == HackathonEntry.NO_SUBMISSION:
            problems.append(f"{_where(hackathon)} ended without a submission")
        elif entry == HackathonEntry.NO_TEAM:
            problems.append(f"{_where(hackathon)} ended without a submission (not in a team)")
    return len(ended), problems


def _skills_details(cohort: CohortFacts, person: EnrolmentFacts) -> list[str]:
    details = []
    for skill_id, target in cohort.targets.items():
        level = person.levels.get(skill_id)
        if at_target(level, target):
            continue
        name = cohort.skill_names.get(skill_id, f"Skill {skill_id}")
        now = "not assessed" if level is None else f"level {level}"
        details.append(f"{name}: {now}, target {target}")
    return details


def rules_outcome(cohort: CohortFacts, person: EnrolmentFacts, at: datetime, finished: bool) -> Standing:
    """What the rules give for this person at `at` (their status and any override aside)."""
    rules = cohort.rules
    figures = attendance_figures(cohort.sessions, person.marks, person.enrolled_on, at)
    missed = missed_mandatory(cohort.sessions, person.marks, person.caught_up, person.enrolled_on, at)
    ended, problems = _hackathon_problems(cohort, person, at)
    hackathons_ended = None if (ended and not cohort.hackathons_recorded) else ended
    skills = skills_at_target(person.levels, cohort.targets)
    standing = where_they_stand(
        figures=figures,
        min_attendance=rules.min_attendance,
        missed_mandatory=missed,
        require_mandatory=rules.require_mandatory,
        hackathons_ended=hackathons_ended,
        hackathon_problems=problems if hackathons_ended is not None else (),
        require_hackathon=rules.require_hackathon,
        hackathons_in_cohort=bool(cohort.hackathons),
        skills=skills,
        skills_share=rules.skills_at_target,
        skills_details=_skills_details(cohort, person),
        finished=finished,
    )
    # Say what was left out for this person: before they joined, or waiting for a register (§5.3).
    before = before_joining(cohort.sessions, cohort.hackathons, person.enrolled_on, at)
    if before.sessions or figures.waiting:
        standing = replace(standing, checks=explain(standing.checks, before, figures.waiting))
    return standing


def outcome_for(cohort: CohortFacts, person: EnrolmentFacts, at: datetime) -> Standing:
    """docs/rules.md §5.4: the outcome of one enrolment at `at`, with one check per rule."""
    status = str(person.status)
    if status in (Outcome.WITHDRAWN, Outcome.TRANSFERRED):
        return Standing(Outcome(status), [], computed=Outcome(status))
    recorded = status in FINAL_OUTCOMES
    finished = recorded or programme_over(cohort, at)
    standing = rules_outcome(cohort, person, at, finished)
    checks = standing.checks
    if recorded:
        outcome = Outcome(status)
        if person.recorded_checks is not None:
            # As they stood when the cohort was finished: later changes do not rewrite the record.
            checks = list(person.recorded_checks)
    elif person.override is not None and finished:
        outcome = person.override.outcome
    else:
        outcome = standing.outcome
    # An override made before the end waits for it; it is kept and shown all the same.
    return Standing(
        outcome,
        checks,
        computed=standing.outcome,
        override=person.override,
        recorded=recorded,
        figures=standing.figures,
        skills=standing.skills,
    )


def outcomes(cohort: CohortFacts, people: Iterable[EnrolmentFacts], at: datetime) -> dict[int, Standing]:
    """Enrolment id → standing, for every enrolment given."""
    return {person.id: outcome_for(cohort, person, at) for person in people}


def final_outcome(standing: Standing) -> Outcome:
    """What finishing the cohort records for an active enrolment: the override if any, else the rules'."""
    if standing.override is not None:
        return standing.override.outcome
    if standing.computed not in FINAL_OUTCOMES:
        raise ValueError("The cohort's last session has not ended: there is no final outcome yet")
    return standing.computed
