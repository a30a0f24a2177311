"""The stage of a cohort a person sees, and a programme manager's next step (docs/rules.md §2.3).

The stored status says what a programme manager decided (finished, archived); the dates say where
the cohort is in its weeks. A cohort whose last day has passed reads "Ended — waiting to be
finished" until someone finishes it, whatever open status is stored. Plain values only: no Flask,
no database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cohort.domain.times import london_date


class Stage(enum.StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    ENDED = "ended"  # past its last day, not finished yet
    FINISHED = "finished"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def closed(self) -> bool:
        return self in (Stage.FINISHED, Stage.ARCHIVED)


STAGE_LABELS = {
    Stage.PLANNED: "Planned",
    Stage.RUNNING: "Running",
    Stage.ENDED: "Ended — waiting to be finished",
    Stage.FINISHED: "Finished",
    Stage.ARCHIVED: "Archived",
}


class NextStep(enum.StrEnum):
    """What a programme manager should do next, most pressing first."""

    APPLY_PROGRAMME = "apply-programme"
    ADD_PARTICIPANTS = "add-participants"
    ADD_FACILITATORS = "add-facilitators"
    FINISH = "finish"
    ARCHIVE = "archive"


def programme_ended(end_date: date, session_ends: Iterable[datetime], at: datetime) -> bool:
    """docs/rules.md §5.2: over once its last session that is not cancelled has ended and today (in
    London) is on or after its last day; with no sessions, from the day after its last day."""
    ends = list(session_ends)
    today = london_date(at)
    if not ends:
        return today > end_date
    return max(ends) <= at and today >= end_date


def cohort_stage(
    status: str, start_date: date, end_date: date, session_ends: Iterable[datetime], at: datetime
) -> Stage:
    """docs/rules.md §2.3. `status`: the stored status; `session_ends`: when each session that is not
    cancelled ends; `at`: now."""
    if status == "archived":
        return Stage.ARCHIVED
    if status == "finished":
        return Stage.FINISHED
    if programme_ended(end_date, session_ends, at):
        return Stage.ENDED
    if london_date(at) < start_date:
        return Stage.PLANNED
    return Stage.RUNNING


@dataclass(frozen=True)
class Setup:
    """How far a cohort is set up: what a programme manager's next step depends on."""

    sessions: int  # not cancelled
    participants: int  # holding a place
    facilitators: int


def next_step(stage: Stage, setup: Setup) -> NextStep | None:
    """docs/rules.md §2.3: the one step the cohort's page leads with for a programme manager."""
    if stage == Stage.ARCHIVED:
        return None
    if stage == Stage.FINISHED:
        return NextStep.ARCHIVE
    if stage == Stage.ENDED:
        return NextStep.FINISH
    if setup.sessions == 0:
        return NextStep.APPLY_PROGRAMME
    if setup.participants == 0:
        return NextStep.ADD_PARTICIPANTS
    if setup.facilitators == 0:
        return NextStep.ADD_FACILITATORS
    return None


def open_statuses(stored: str) -> list[str]:
    """docs/rules.md §2.3: the statuses the edit page offers now. Finishing has its own page (it
    records outcomes), so "finished" is offered only to keep a finished cohort finished; a finished
    cohort can only be archived; an archived one stays archived."""
    if stored == "archived":
        return ["archived"]
    if stored == "finished":
        return ["finished", "archived"]
    return ["planned", "open", "running", "archived"]
