"""What the completion checks really counted for one person (docs/rules.md §2.4 and §5.3):
sessions and hackathons held before the person joined never count for them (§3.1, §5.8), and an
ended session still waiting for its register does not count yet (§3.2). The checks say so, so
that a late joiner's "no hackathon has ended yet" never hides the two that ended before they came.
Plain values only, like cohort.domain.completion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from cohort.domain.attendance import SessionFacts
from cohort.domain.formatting import long_date
from cohort.domain.formatting import plural as _plural

if TYPE_CHECKING:
    from cohort.domain.completion import RuleCheck


@dataclass(frozen=True)
class BeforeJoining:
    """What had ended, not cancelled, before the person's joining day, and so does not count."""

    joined: date
    sessions: int = 0
    mandatory: int = 0
    hackathons: int = 0


def day_words(day: date) -> str:
    """20 November 2026."""
    return long_date(day)


def before_joining(
    sessions: Iterable[SessionFacts], hackathons: Iterable[SessionFacts], joined: date, at: datetime
) -> BeforeJoining:
    held = [s for s in sessions if not s.cancelled and s.ends_at <= at and s.starts_on < joined]
    return BeforeJoining(
        joined=joined,
        sessions=len(held),
        mandatory=sum(1 for s in held if s.mandatory),
        hackathons=sum(1 for h in hackathons if not h.cancelled and h.ends_at <= at and h.starts_on < joined),
    )


def explain(checks: Sequence[RuleCheck], before: BeforeJoining, waiting: int = 0) -> list[RuleCheck]:
    """The checks, each saying what was left out for this person: a line in its details (or, for
    hackathons when none counted, the reason itself)."""
    on = day_words(before.joined)
    out = []
    for check in checks:
        if check.state.value in ("not_required", "unknown"):
            out.append(check)
            continue
        notes: list[str] = []
        reason = check.reason
        if check.rule == "attendance":
            if before.sessions:
                notes.append(f"{_plural(before.sessions, 'session')} before joining on {on} not counted")
            if waiting:
                notes.append(
                    f"{_plural(waiting, 'session')} waiting for the register, not counted until its deadline"
                    if waiting == 1
                    else f"{_plural(waiting, 'session')} waiting for the register, not counted until their deadlines"
                )
        elif check.rule == "mandatory" and before.mandatory:
            notes.append(
                f"{_plural(before.mandatory, 'mandatory session')} before joining on {on} not counted"
            )
        elif check.rule == "hackathon" and before.hackathons:
            if reason == "Hackathon submissions: no hackathon has ended yet":
                ended = _plural(before.hackathons, "hackathon")
                reason = f"Hackathon submissions: {ended} ended before joining on {on}; none counted"
            else:
                notes.append(f"{_plural(before.hackathons, 'hackathon')} before joining on {on} not counted")
        out.append(
            replace(check, reason=reason, details=check.details + tuple(notes))
            if notes or reason != check.reason
            else check
        )
    return out
