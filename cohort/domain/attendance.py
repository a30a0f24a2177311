"""The attendance rate (docs/rules.md §3) and the attendance at-risk flags (§4.1), over plain values.

For an enrolment, over the sessions of its cohort that have **ended** by the
reporting time, were not cancelled, and started on or after the day the
person enrolled:

- attended = sessions marked present or late
- counted  = ended sessions − sessions marked excused
- rate     = attended / counted, or no data when counted is 0

A session with no mark once it has ended is **waiting for the register** until its register
deadline (`register_closes`, REGISTER_DEADLINE_WORKING_DAYS working days after it: §3.2) and
leaves the figures meanwhile; after the deadline it counts as absent. Rates are shown
as whole percentages rounded half up (79.5 % → 80 %), but rules compare the
unrounded value, kept here as an exact fraction.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from cohort.domain.formatting import whole_percent
from cohort.domain.times import london_date


class Mark(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return self.value.capitalize()


ATTENDED = frozenset({Mark.PRESENT, Mark.LATE})
_NO_MARKS = {mark.value: 0 for mark in Mark}


@dataclass(frozen=True)
class SessionFacts:
    """What the rules need to know about one session."""

    id: int
    starts_at: datetime  # timezone-aware
    ends_at: datetime
    cancelled: bool = False
    mandatory: bool = False
    title: str = ""
    week: int | None = None
    # The end of its register deadline (docs/rules.md §3.2); None: no wait, the session's end.
    register_closes: datetime | None = None
    starts_on: date = field(init=False, repr=False, compare=False)  # its London date, worked out once

    def __post_init__(self):
        object.__setattr__(self, "starts_on", london_date(self.starts_at))


def counts_for(session: SessionFacts, enrolled_on: date, at: datetime) -> bool:
    """Does this session count towards the rate of someone who enrolled on `enrolled_on`, at `at`?"""
    return not session.cancelled and session.ends_at <= at and session.starts_on >= enrolled_on


def waiting_for_register(session: SessionFacts, mark: Mark | str | None, at: datetime) -> bool:
    """An ended session with no mark, before its register deadline: not yet missed (§3.2)."""
    return mark is None and session.register_closes is not None and at < session.register_closes


def percentage(value: Fraction) -> int:
    """A share as a whole percentage, rounded half up: 159/200 (79.5 %) → 80 (docs/rules.md §3.4)."""
    return whole_percent(value)


def threshold(value: float | Fraction | Decimal | str) -> Fraction:
    """A stored threshold (0.8) as the exact fraction people mean (4/5), not the float's binary value."""
    if isinstance(value, Fraction):
        return value
    return Fraction(str(value))


def _percentage_below(rate: Fraction, limit: Fraction) -> str:
    """A rate that is below a threshold, written so that it reads as below it.

    Rounded half up, 79.5 % would show as 80 % beside "needs 80 %"; there the
    figure is shown to one decimal place, rounded down (79.5 %).
    """
    whole = percentage(rate)
    if whole < percentage(limit):
        return f"{whole}%"
    exact = Decimal(rate.numerator * 100) / Decimal(rate.denominator)
    return f"{exact.quantize(Decimal('0.1'), rounding=ROUND_DOWN)}%"


@dataclass(frozen=True)
class AttendanceFigures:
    """The counts behind a rate. `ended` counts the sessions that count at all."""

    ended: int = 0
    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0  # marked absent
    unmarked: int = 0  # no mark after the register deadline: counted as absent
    waiting: int = 0  # no mark yet, before the register deadline: not in `ended` nor the rate

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def counted(self) -> int:
        return self.ended - self.excused

    @property
    def missed(self) -> int:
        return self.absent + self.unmarked

    @functools.cached_property  # figures never change once made; reports ask many times
    def rate(self) -> Fraction | None:
        return Fraction(self.attended, self.counted) if self.counted else None

    @property
    def percentage(self) -> int | None:
        rate = self.rate
        return None if rate is None else percentage(rate)

    @property
    def display(self) -> str:
        """ "80%", or "No data" when nothing counts yet."""
        value = self.percentage
        return "No data" if value is None else f"{value}%"

    def below(self, limit: float | Fraction | Decimal | str) -> bool:
        """Below the threshold, comparing the unrounded rate. No data is never below."""
        rate = self.rate
        return rate is not None and rate < threshold(limit)

    def __add__(self, other: AttendanceFigures) -> AttendanceFigures:
        """Pooled figures (a department's, a session's): counts add up, the rate follows."""
        return AttendanceFigures(
            ended=self.ended + other.ended,
            present=self.present + other.present,
            late=self.late + other.late,
            excused=self.excused + other.excused,
            absent=self.absent + other.absent,
            unmarked=self.unmarked + other.unmarked,
            waiting=self.waiting + other.waiting,
        )


def tally(marks: Iterable[Mark | str | None], waiting: int = 0) -> AttendanceFigures:
    """Figures for a list of marks of sessions that all count (None: no mark, past the register
    deadline); `waiting`: how many more have no mark yet, before their deadline."""
    # Keyed by the plain values: a Mark is a str, so both kinds of key find the same count
    # (and no Mark(...) call per mark, which a programme-wide report makes 100,000 times).
    counts = dict(_NO_MARKS)
    unmarked = 0
    total = 0
    for mark in marks:
        total += 1
        if mark is None:
            unmarked += 1
        elif mark in counts:
            counts[mark] += 1
        else:
            raise ValueError(f"{mark!r} is not a mark")
    return AttendanceFigures(
        ended=total,
        present=counts["present"],
        late=counts["late"],
        excused=counts["excused"],
        absent=counts["absent"],
        unmarked=unmarked,
        waiting=waiting,
    )


def attendance_figures(
    sessions: Iterable[SessionFacts],
    marks: Mapping[int, Mark | str],
    enrolled_on: date,
    at: datetime,
) -> AttendanceFigures:
    """docs/rules.md §3 for one enrolment. `marks` maps session id → mark (missing: no mark).
    An unmarked session before its register deadline is counted apart, as waiting (§3.2)."""
    counting: list[Mark | str | None] = []
    waiting = 0
    for s in sessions:
        if counts_for(s, enrolled_on, at):
            mark = marks.get(s.id)
            if waiting_for_register(s, mark, at):
                waiting += 1
            else:
                counting.append(mark)
    return tally(counting, waiting)


def missed_mandatory(
    sessions: Iterable[SessionFacts],
    marks: Mapping[int, Mark | str],
    caught_up: Collection[int],
    enrolled_on: date,
    at: datetime,
) -> list[SessionFacts]:
    """Mandatory sessions that count, were not attended (present or late), and have no catch-up;
    not one with no mark that is still waiting for the register (§3.2)."""
    return [
        s
        for s in sessions
        if s.mandatory
        and counts_for(s, enrolled_on, at)
        and marks.get(s.id) not in ATTENDED
        and s.id not in caught_up
        and not waiting_for_register(s, marks.get(s.id), at)
    ]


@dataclass(frozen=True)
class RiskFlag:
    rule: str  # "attendance" or "mandatory"
    message: str


def risk_flags(
    figures: AttendanceFigures,
    min_attendance: float | Fraction | Decimal | str,
    missed: Iterable[SessionFacts] = (),
) -> list[RiskFlag]:
    """The at-risk reasons of docs/rules.md §4.1 that attendance gives, one per problem, with figures."""
    flags = []
    limit = threshold(min_attendance)
    if figures.below(limit):
        assert figures.rate is not None
        flags.append(
            RiskFlag(
                "attendance",
                f"Attendance {_percentage_below(figures.rate, limit)} ({figures.attended} of "
                f"{figures.counted} sessions) — needs {percentage(limit)}%",
            )
        )
    for session in missed:
        where = f" (week {session.week})" if session.week is not None else ""
        flags.append(RiskFlag("mandatory", f"{session.title}{where} missed, no catch-up"))
    return flags
