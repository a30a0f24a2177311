"""What every part of the hackathon services shares: the error, reading a hackathon's records,
and taking its row lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import func, select

from cohort.core.closed import closed_reason
from cohort.core.errors import ServiceError
from cohort.domain import hackathons as rules
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import (
    Challenge,
    Cohort,
    Enrolment,
    HackathonChallenge,
    HackathonJudge,
    HackathonSettings,
    Session,
    Submission,
    Team,
    TeamMember,
    User,
)
from cohort.models.base import utcnow


class HackathonError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


def _fail(message: str, field: str | None = None) -> NoReturn:
    db.session.rollback()
    raise HackathonError(message, field)


# Reading ---------------------------------------------------------------------------------


def settings_for(session: Session, fresh: bool = False) -> HackathonSettings:
    """The hackathon's settings row, or an unsaved one with the defaults. `fresh`: read again from
    the database (under the hackathon's lock), not as this request first loaded it."""
    found = db.session.get(HackathonSettings, session.id, populate_existing=fresh)
    if found is None:
        found = HackathonSettings(session_id=session.id, team_size_min=2, team_size_max=6)
        found.session = session
    return found


def deadline_of(session: Session, settings: HackathonSettings | None = None) -> datetime:
    settings = settings or settings_for(session)
    return settings.submission_deadline or session.ends_at


def offered_challenges(session: Session) -> list[Challenge]:
    return list(
        db.session.scalars(
            select(Challenge)
            .join(HackathonChallenge, HackathonChallenge.challenge_id == Challenge.id)
            .where(HackathonChallenge.session_id == session.id)
            .order_by(Challenge.title)
        )
    )


def teams_of(session: Session) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.session_id == session.id).order_by(Team.name)))


def team_of(session: Session, enrolment: Enrolment | None) -> Team | None:
    if enrolment is None:
        return None
    return db.session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.session_id == session.id, TeamMember.enrolment_id == enrolment.id)
    )


def judges_of(session: Session) -> list[HackathonJudge]:
    return list(
        db.session.scalars(
            select(HackathonJudge).where(HackathonJudge.session_id == session.id).order_by(HackathonJudge.id)
        )
    )


def is_judge(session: Session, user: User) -> bool:
    return (
        db.session.execute(
            select(func.count(HackathonJudge.id)).where(
                HackathonJudge.session_id == session.id, HackathonJudge.user_id == user.id
            )
        ).scalar_one()
        > 0
    )


def member_user_ids(team: Team) -> set[int]:
    return {m.enrolment.user_id for m in team.members}


@dataclass
class ResultRow:
    team: Team
    submission: Submission
    ranked: rules.Ranked[int]


def results(session: Session) -> list[ResultRow]:
    """The ranking of the hackathon's submissions by mean total, with the judge count.
    Only scores of the hackathon's current judges count."""
    submissions = list(
        db.session.scalars(
            select(Submission).join(Team).where(Team.session_id == session.id).order_by(Team.name)
        )
    )
    judge_ids = {j.user_id for j in judges_of(session)}
    totals = {s.id: [sc.total for sc in s.scores if sc.judge_id in judge_ids] for s in submissions}
    by_id = {s.id: s for s in submissions}
    return [ResultRow(by_id[r.key].team, by_id[r.key], r) for r in rules.rank_submissions(totals)]


# Locks and checks --------------------------------------------------------------------------


def _lock(session: Session) -> Session:
    """Take the hackathon's session row lock for the rest of the transaction (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers) and read it again. Every change to a hackathon's
    settings, teams, members, submissions, judges and scores takes it first.

    The cohort's row is share-locked before it, as a change to any session does (cohort, then
    session, then team: always in that order, so two requests never wait for each other)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == session.cohort_id).with_for_update(read=True))
    locked = db.session.execute(
        select(Session)
        .where(Session.id == session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if locked.kind != SessionKind.HACKATHON:
        _fail("This session is not a hackathon")
    return locked


def _check_cohort_open(session: Session) -> None:
    """A finished or archived cohort's hackathons no longer change (status read in this transaction)."""
    if reason := closed_reason(session.cohort, "its hackathons", lock=True):
        _fail(reason)


def has_ended(session: Session, now: datetime | None = None) -> bool:
    return session.ends_at <= (now or utcnow())
