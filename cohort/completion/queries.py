"""The plain facts the completion engine needs for a cohort, gathered with one query per table
(sessions, skills, enrolments, marks, catch-ups, assessments, overrides), whatever the number of
participants, then docs/rules.md §5 in plain Python (cohort.domain.completion)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

# Modules, not names: cohort.skills.queries itself uses cohort.completion.facts.
from cohort.attendance import queries as attendance
from cohort.domain.completion import CohortFacts, Outcome, Standing, programme_over
from cohort.models import Cohort, Enrolment, EnrolmentStatus
from cohort.skills import queries as skills_queries

from .facts import cohort_facts

EVERY_STATUS = tuple(EnrolmentStatus)


@dataclass
class OutcomeRow:
    enrolment: Enrolment
    standing: Standing

    @property
    def department(self):
        return self.enrolment.user.department


@dataclass
class CohortOutcomes:
    cohort: Cohort
    at: datetime
    facts: CohortFacts
    over: bool  # the cohort's last session has ended
    rows: list[OutcomeRow] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.cohort.status.closed

    @property
    def counts(self) -> list[tuple[Outcome, int]]:
        found = Counter(row.standing.outcome for row in self.rows)
        return [(outcome, found[outcome]) for outcome in Outcome if found[outcome]]

    @property
    def overridden(self) -> int:
        return sum(1 for row in self.rows if row.standing.override is not None)

    @property
    def to_record(self) -> list[OutcomeRow]:
        """The active enrolments, whose outcome finishing the cohort records."""
        return [r for r in self.rows if r.enrolment.status == EnrolmentStatus.ACTIVE]


def cohort_outcomes(
    cohort: Cohort, at: datetime, department_id: int | None = None, statuses=EVERY_STATUS
) -> CohortOutcomes:
    """Every enrolment's outcome with its reasons (eight queries, plus the hackathon source's)."""
    sessions = attendance.cohort_sessions(cohort)
    skills = skills_queries.cohort_skills(cohort)
    facts = cohort_facts(cohort, sessions, skills)
    enrolments = attendance.enrolments_of(cohort, statuses, department_id)
    ids = [e.id for e in enrolments]
    assessments = skills_queries.levels_by_enrolment(ids)
    progress = {e.id: skills_queries.skill_progress(skills, assessments.get(e.id, {})) for e in enrolments}
    standing = skills_queries.standings(
        cohort, facts, enrolments, attendance.marks_in(cohort), attendance.catch_ups_in(cohort), progress, at
    )
    rows = [OutcomeRow(e, standing[e.id]) for e in enrolments]
    return CohortOutcomes(cohort, at, facts, programme_over(facts, at), rows)


def enrolment_outcome(enrolment: Enrolment, at: datetime) -> OutcomeRow:
    """One enrolment's outcome (the same queries, limited to it)."""
    found = cohort_outcomes(enrolment.cohort, at)
    return next(row for row in found.rows if row.enrolment.id == enrolment.id)
