"""The participant dashboard's nudge about hackathon teams (docs/rules.md §7.3): a hackathon of
their cohort starts within NUDGE_DAYS (or is running) and they are in no team for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import Session, TeamMember

NUDGE_DAYS = 14


@dataclass(frozen=True)
class TeamNudge:
    session: Session
    running: bool


def soon(session: Session, now: datetime) -> bool:
    """Not cancelled, not ended, and starting today or within NUDGE_DAYS days (London dates)."""
    if session.cancelled or session.kind != SessionKind.HACKATHON or session.ends_at <= now:
        return False
    return (london_date(session.starts_at) - london_date(now)).days <= NUDGE_DAYS


def team_nudges(
    sessions_by_enrolment: Mapping[int, list[Session]], now: datetime
) -> dict[int, list[TeamNudge]]:
    """enrolment id → the hackathons coming up that they have no team for. `sessions_by_enrolment`
    holds each active enrolment's cohort sessions, already loaded; one query for the teams."""
    candidates = {
        enrolment_id: [s for s in sessions if soon(s, now)]
        for enrolment_id, sessions in sessions_by_enrolment.items()
    }
    session_ids = {s.id for found in candidates.values() for s in found}
    if not session_ids:
        return {}
    in_team = {
        (enrolment_id, session_id)
        for enrolment_id, session_id in db.session.execute(
            select(TeamMember.enrolment_id, TeamMember.session_id).where(
                TeamMember.enrolment_id.in_(list(candidates)), TeamMember.session_id.in_(session_ids)
            )
        )
    }
    return {
        enrolment_id: [TeamNudge(s, s.starts_at <= now) for s in found if (enrolment_id, s.id) not in in_team]
        for enrolment_id, found in candidates.items()
        if found
    }
