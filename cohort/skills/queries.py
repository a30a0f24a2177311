"""Read-side queries for skills and progress: one query per table, whatever the number of
participants, then the rules of DESIGN.md §5 in plain Python (cohort.domain.progress)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from cohort.attendance import queries as attendance
from cohort.attendance.queries import ParticipantRow
from cohort.domain.progress import (
    Checkpoint,
    SkillsAtTarget,
    Source,
    Standing,
    at_target,
    latest,
    skills_at_target,
    uplift,
    where_they_stand,
)
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import Assessment, Cohort, CohortSkill, Department, Enrolment, Session, User
from cohort.services.skills import cohort_skills

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

    @property
    def levels(self) -> dict[Checkpoint, int]:
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


def skill_progress(cohort_skills_: list[CohortSkill], assessments: dict[int, list[Assessment]]):
    rows = []
    for cs in cohort_skills_:
        row = SkillProgress(cs)
        for a in assessments.get(cs.skill_id, []):
            (row.facilitator if a.source == Source.FACILITATOR else row.self)[a.checkpoint] = a
        rows.append(row)
    return rows


def finished(cohort: Cohort, sessions: list[Session], at: datetime) -> bool:
    """Has the cohort's last session ended? Not before its last day, whatever is on the timetable
    so far (a timetable still being built would otherwise "finish" early); no sessions: not finished."""
    ends = [s.ends_at for s in sessions if not s.cancelled]
    return bool(ends) and max(ends) <= at and london_date(at) >= cohort.end_date


def standing_for(
    cohort: Cohort, row: ParticipantRow, skills: list[SkillProgress], is_finished: bool
) -> Standing:
    targets = {sp.skill.id: sp.target for sp in skills}
    counted = skills_at_target({sp.skill.id: sp.current for sp in skills}, targets)
    return where_they_stand(
        figures=row.figures,
        min_attendance=cohort.min_attendance,
        missed_mandatory=row.missed,
        require_mandatory=cohort.require_mandatory,
        hackathons_ended=None,  # hackathon teams and submissions are not recorded yet
        require_hackathon=cohort.require_hackathon,
        skills=counted,
        skills_share=cohort.skills_at_target,
        finished=is_finished,
    )


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
    assessments = assessments_by_enrolment(r.enrolment.id for r in data.participants)
    is_finished = finished(cohort, data.sessions, at)
    rows = []
    for participant in data.participants:
        progress = skill_progress(skills, assessments.get(participant.enrolment.id, {}))
        rows.append(
            MatrixRow(
                participant.enrolment,
                participant,
                progress,
                standing_for(cohort, participant, progress, is_finished),
            )
        )
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
    detail = attendance.participant_detail(enrolment, at)
    skills = skill_progress(
        cohort_skills(enrolment.cohort), assessments_by_enrolment([enrolment.id])[enrolment.id]
    )
    sessions = [line.session for line in detail.lines]
    is_finished = finished(enrolment.cohort, sessions, at)
    upcoming = [s for s in sessions if not s.cancelled and s.ends_at > at][:5]
    return ParticipantProgress(
        enrolment,
        detail,
        skills,
        standing_for(enrolment.cohort, detail.row, skills, is_finished),
        is_finished,
        upcoming,
    )
