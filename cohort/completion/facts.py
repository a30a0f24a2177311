"""Turning records into the plain facts of the completion engine (cohort.domain.completion).

Nothing here queries per participant: callers hand in what they loaded, one query per table.
Hackathon teams and submissions come from whichever feature records them, through a function
registered as `app.extensions["cohort.hackathon_entries"]`:

    def entries(cohort: Cohort, enrolment_ids: list[int]) -> dict[int, dict[int, HackathonEntry]]
        # enrolment id → hackathon session id → HackathonEntry (missing: in no team)

With none registered, the hackathon rule reads "not recorded in this service yet" once a
hackathon has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.attendance.queries import facts as session_facts
from cohort.domain.attendance import Mark
from cohort.domain.completion import (
    CohortFacts,
    EnrolmentFacts,
    HackathonEntry,
    Outcome,
    Override,
    RuleCheck,
    Rules,
    State,
)
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import Cohort, CohortSkill, Enrolment, OutcomeOverride, Session

HACKATHON_ENTRIES = "cohort.hackathon_entries"

EntriesSource = Callable[[Cohort, list[int]], Mapping[int, Mapping[int, HackathonEntry]]]


def rules_of(cohort: Cohort) -> Rules:
    return Rules.of(
        cohort.min_attendance, cohort.require_mandatory, cohort.require_hackathon, cohort.skills_at_target
    )


def hackathons_recorded() -> bool:
    return current_app.extensions.get(HACKATHON_ENTRIES) is not None


def hackathon_entries(
    cohort: Cohort, enrolment_ids: Iterable[int]
) -> dict[int, Mapping[int, HackathonEntry]]:
    """enrolment id → hackathon session id → entry, from the registered source (empty without one)."""
    source: EntriesSource | None = current_app.extensions.get(HACKATHON_ENTRIES)
    ids = list(enrolment_ids)
    if source is None or not ids:
        return {}
    return dict(source(cohort, ids))


def cohort_facts(cohort: Cohort, sessions: Sequence[Session], skills: Sequence[CohortSkill]) -> CohortFacts:
    facts = session_facts(cohort, sessions)
    hackathon_ids = {s.id for s in sessions if s.kind == SessionKind.HACKATHON}
    return CohortFacts(
        rules=rules_of(cohort),
        last_day=cohort.end_date,
        sessions=facts,
        hackathons=[f for f in facts if f.id in hackathon_ids],
        targets={cs.skill_id: cs.target_level for cs in skills},
        skill_names={cs.skill_id: cs.skill.name for cs in skills},
        hackathons_recorded=hackathons_recorded(),
    )


def overrides_for(enrolment_ids: Iterable[int]) -> dict[int, OutcomeOverride]:
    """enrolment id → its override, with the author (one query)."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    return {
        o.enrolment_id: o
        for o in db.session.scalars(
            select(OutcomeOverride)
            .options(joinedload(OutcomeOverride.by))
            .where(OutcomeOverride.enrolment_id.in_(ids))
        )
    }


def override_of(record: OutcomeOverride | None) -> Override | None:
    if record is None:
        return None
    return Override(
        Outcome(record.outcome.value),
        record.reason,
        by=record.by.full_name if record.by is not None else None,
        at=record.at,
    )


def enrolment_facts(
    enrolment: Enrolment,
    marks: Mapping[int, Mark],
    caught_up: Collection[int],
    levels: Mapping[int, int | None],
    hackathons: Mapping[int, HackathonEntry] | None = None,
    override: OutcomeOverride | None = None,
) -> EnrolmentFacts:
    return EnrolmentFacts(
        id=enrolment.id,
        enrolled_on=enrolment.enrolled_on,
        status=enrolment.status.value,
        marks=marks,
        caught_up=frozenset(caught_up),
        hackathons=hackathons or {},
        levels=levels,
        override=override_of(override),
        recorded_checks=recorded_checks(enrolment.outcome_reasons),
    )


def recorded_checks(kept: list | None) -> list[RuleCheck] | None:
    """The rule checks kept when the outcome was recorded (see completion.service.finish)."""
    if not kept:
        return None
    try:
        return [
            RuleCheck(k["rule"], k["title"], State(k["state"]), k["reason"], tuple(k.get("details") or ()))
            for k in kept
        ]
    except (KeyError, TypeError, ValueError):
        return None
