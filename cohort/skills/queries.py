"""Read-side queries for skills and progress: one query per table, whatever the number of
participants, then the rules of docs/rules.md §5 and §6 in plain Python (cohort.domain.progress)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select

from cohort.attendance import queries as attendance
from cohort.attendance.queries import ParticipantRow
from cohort.completion.facts import cohort_facts, enrolment_facts, hackathon_entries, overrides_for
from cohort.domain.attendance import Mark
from cohort.domain.completion import CohortFacts, Standing, outcome_for, programme_over
from cohort.domain.progress import (
    Checkpoint,
    SkillsAtTarget,
    Source,
    at_target,
    latest,
    uplift,
)
from cohort.extensions import db
from cohort.models import Assessment, Cohort, CohortSkill, Department, Enrolment, Session, User
from cohort.skills.service import cohort_skills

__all__ = ["cohort_skills"]


@dataclass
class SkillProgress:
    """One skill of one participant: the facilitator's levels and their own, by checkpoint."""

    cohort_skill: CohortSkill
    facilitator: dict[Checkpoint, Assessment] = field(default_factory=dict)
    self: dict[Checkpoint, Assessment] = field(default_factory=dict)

    @property
    def skill(self):
        return self.cohort_skill.skill

    @property
    def target(self) -> int:
        return self.cohort_skill.target_level

    @cached_property
    def levels(self) -> dict[Checkpoint, int]:
        # Kept once worked out: a matrix of 200 people × every skill reads it four or five
        # times a cell (current, uplift, at target). skill_progress fills `facilitator`
        # before anything reads it, and nothing changes it after.
        return {cp: a.level for cp, a in self.facilitator.items()}

    @property
    def baseline(self) -> int | None:
        return self.levels.get(Checkpoint.BASELINE)

    @property
    def latest(self) -> tuple[Checkpoint, int] | None:
        return latest(self.levels)

    @property
    def current(self) -> int | None:
        found = self.latest
        return None if found is None else found[1]

    @property
    def latest_self(self) -> tuple[Checkpoint, Assessment] | None:
        for checkpoint in reversed(Checkpoint):
            if checkpoint in self.self:
                return checkpoint, self.self[checkpoint]
        return None

    @property
    def uplift(self) -> int | None:
        return uplift(self.levels)

    @property
    def at_target(self) -> bool:
        return at_target(self.current, self.target)


def assessments_by_enrolment(enrolment_ids: Iterable[int]) -> dict[int, dict[int, list[Assessment]]]:
    """enrolment id → skill id → assessments (one query)."""
    ids = list(enrolment_ids)
    found: dict[int, dict[int, list[Assessment]]] = defaultdict(lambda: defaultdict(list))
    if not ids:
        return found
    for a in db.session.scalars(select(Assessment).where(Assessment.enrolment_id.in_(ids))):
        found[a.enrolment_id][a.skill_id].append(a)
    return found


def levels_by_enrolment(enrolment_ids: Iterable[int], *where: Any) -> dict[int, dict[int, list]]:
    """As assessments_by_enrolment, but only each assessment's checkpoint, source and level (rows,
    not model objects): what the progress matrix and outcomes need, without building thousands
    of objects for a big cohort (one query)."""
    ids = list(enrolment_ids)
    found: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    if not ids:
        return found
    rows = db.session.connection().execute(  # Core rows: no ORM loading step per row
        select(
            Assessment.enrolment_id,
            Assessment.skill_id,
            Assessment.checkpoint,
            Assessment.source,
            Assessment.level,
        ).where(Assessment.enrolment_id.in_(ids), *where)
    )
    for a in rows:
        found[a.enrolment_id][a.skill_id].append(a)
    return found


def skill_progress(cohort_skills_: list[CohortSkill], assessments: dict[int, list[Assessment]]):
    rows = []
    for cs in cohort_skills_:
        row = SkillProgress(cs)
        for a in assessments.get(cs.skill_id, []):
            (row.facilitator if a.source == Source.FACILITATOR else row.self)[a.checkpoint] = a
        rows.append(row)
    return rows


def standings(
    cohort: Cohort,
    facts: CohortFacts,
    enrolments: list[Enrolment],
    marks: dict[int, dict[int, Mark]],
    caught_up: dict[int, set[int]],
    progress: dict[int, list[SkillProgress]],
    at: datetime,
) -> dict[int, Standing]:
    """enrolment id → where they stand, by the completion engine (two queries: overrides, and
    the hackathon entries of whichever feature records them)."""
    ids = [e.id for e in enrolments]
    overrides = overrides_for(ids)
    entries = hackathon_entries(cohort, ids)
    return {
        e.id: outcome_for(
            facts,
            enrolment_facts(
                e,
                marks.get(e.id, {}),
                caught_up.get(e.id, set()),
                {sp.skill.id: sp.current for sp in progress[e.id]},
                entries.get(e.id),
                overrides.get(e.id),
            ),
            at,
        )
        for e in enrolments
    }


@dataclass
class MatrixRow:
    enrolment: Enrolment
    attendance: ParticipantRow
    skills: list[SkillProgress]
    standing: Standing

    @property
    def at_target(self) -> SkillsAtTarget:
        return SkillsAtTarget(sum(1 for s in self.skills if s.at_target), len(self.skills))


@dataclass
class CohortProgress:
    cohort: Cohort
    skills: list[CohortSkill]
    rows: list[MatrixRow]
    departments: list[Department]
    finished: bool

    @property
    def at_risk(self) -> list[MatrixRow]:
        return [r for r in self.rows if r.standing.outcome.value == "at_risk"]


def cohort_progress(
    cohort: Cohort, at: datetime, department_id: int | None = None, only_department_id: int | None = None
) -> CohortProgress:
    """The skills × participants matrix with attendance and at-risk flags (a fixed number of queries).

    `only_department_id` limits what the person may see at all (a sponsor);
    `department_id` is a filter chosen on the page.
    """
    wanted = only_department_id if only_department_id is not None else department_id
    data = attendance.cohort_attendance(cohort, at, wanted)
    skills = cohort_skills(cohort)
    assessments = levels_by_enrolment(r.enrolment.id for r in data.participants)
    facts = cohort_facts(cohort, data.sessions, skills)
    is_finished = programme_over(facts, at)
    enrolments = [p.enrolment for p in data.participants]
    progress = {e.id: skill_progress(skills, assessments.get(e.id, {})) for e in enrolments}
    standing = standings(cohort, facts, enrolments, data.marks, data.caught_up, progress, at)
    rows = [
        MatrixRow(p.enrolment, p, progress[p.enrolment.id], standing[p.enrolment.id])
        for p in data.participants
    ]
    departments = _departments_in(cohort) if only_department_id is None else []
    return CohortProgress(cohort, skills, rows, departments, is_finished)


def _departments_in(cohort: Cohort) -> list[Department]:
    """The departments of the cohort's participants, for the filter (one query)."""
    return list(
        db.session.scalars(
            select(Department)
            .where(
                Department.id.in_(
                    select(User.department_id)
                    .join(Enrolment, Enrolment.user_id == User.id)
                    .where(Enrolment.cohort_id == cohort.id)
                )
            )
            .order_by(Department.name)
        )
    )


@dataclass
class ParticipantProgress:
    enrolment: Enrolment
    detail: attendance.ParticipantDetail
    skills: list[SkillProgress]
    standing: Standing
    finished: bool
    upcoming: list[Session]

    @property
    def at_target(self) -> SkillsAtTarget:
        return SkillsAtTarget(sum(1 for s in self.skills if s.at_target), len(self.skills))


def participant_progress(enrolment: Enrolment, at: datetime) -> ParticipantProgress:
    cohort = enrolment.cohort
    detail = attendance.participant_detail(enrolment, at)
    the_skills = cohort_skills(cohort)
    skills = skill_progress(the_skills, assessments_by_enrolment([enrolment.id])[enrolment.id])
    sessions = [line.session for line in detail.lines]
    facts = cohort_facts(cohort, sessions, the_skills)
    is_finished = programme_over(facts, at)
    upcoming = [s for s in sessions if not s.cancelled and s.ends_at > at][:5]
    marks = {line.session.id: line.mark.mark for line in detail.lines if line.mark is not None}
    caught_up = {line.session.id for line in detail.lines if line.catch_up is not None}
    standing = standings(
        cohort,
        facts,
        [enrolment],
        {enrolment.id: marks},
        {enrolment.id: caught_up},
        {enrolment.id: skills},
        at,
    )
    return ParticipantProgress(enrolment, detail, skills, standing[enrolment.id], is_finished, upcoming)
