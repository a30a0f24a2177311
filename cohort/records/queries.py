"""What a participant record shows (docs/rules.md §9.2), gathered from the same queries and the same
completion engine as My progress, so every figure matches the outcomes pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.domain.attendance import ATTENDED, AttendanceFigures, Mark
from cohort.domain.completion import Standing
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import Enrolment, EnrolmentStatus, Session, Team, TeamMember
from cohort.models.certificate import Certificate
from cohort.skills.queries import ParticipantProgress, SkillProgress, participant_progress

from .service import certificate_of


@dataclass(frozen=True)
class StrandLine:
    """One ethics session as this person took it."""

    session: Session
    week: int
    state: str  # Attended, Attended (late), Caught up, Missed, Not yet held, Cancelled, Before enrolment

    @property
    def done(self) -> bool:
        return self.state in ("Attended", "Attended (late)", "Caught up")


@dataclass(frozen=True)
class HackathonLine:
    session: Session
    week: int
    team: Team | None
    state: str  # On time, Late, No submission, Not in a team, Not yet held, Cancelled


@dataclass(frozen=True)
class MandatoryFigures:
    total: int  # mandatory sessions that have ended and count for this person
    attended: int
    caught_up: int
    missed: int  # missed with no catch-up
    to_come: int


@dataclass
class Record:
    enrolment: Enrolment
    progress: ParticipantProgress
    ethics: list[StrandLine]
    hackathons: list[HackathonLine]
    mandatory: MandatoryFigures
    certificate: Certificate | None  # valid or revoked; see `valid_certificate`
    at: datetime

    @property
    def standing(self) -> Standing:
        return self.progress.standing

    @property
    def figures(self) -> AttendanceFigures:
        return self.progress.detail.row.figures

    @property
    def skills(self) -> list[SkillProgress]:
        return self.progress.skills

    @property
    def catch_ups(self) -> int:
        return sum(1 for line in self.progress.detail.lines if line.catch_up is not None)

    @property
    def valid_certificate(self) -> Certificate | None:
        c = self.certificate
        return c if c is not None and c.valid and self.enrolment.status == EnrolmentStatus.COMPLETED else None

    @property
    def completed_on(self) -> date:
        return completion_date(self.enrolment)


def completion_date(enrolment: Enrolment) -> date:
    """The date a certificate gives: the programme's last day (the cohort's end), the day its
    work was done, whatever day the cohort was later finished in the service."""
    return enrolment.cohort.end_date


def _ethics_state(line, at: datetime) -> str:
    session = line.session
    if session.cancelled:
        return "Cancelled"
    if session.ends_at > at:
        return "Not yet held"
    if not line.counts:  # held and not cancelled, so: before this person enrolled
        return "Before enrolment"
    mark = line.mark.mark if line.mark is not None else None
    if mark == Mark.PRESENT:
        return "Attended"
    if mark == Mark.LATE:
        return "Attended (late)"
    if line.catch_up is not None:
        return "Caught up"
    return "Missed"


def _teams_of(enrolment: Enrolment) -> dict[int, Team]:
    """hackathon session id → this person's team there, with its challenge and submission (one query)."""
    rows = db.session.scalars(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .options(joinedload(Team.challenge), joinedload(Team.submission))
        .where(TeamMember.enrolment_id == enrolment.id)
    ).unique()
    return {team.session_id: team for team in rows}


def _hackathon_state(session: Session, team: Team | None, at: datetime) -> str:
    if session.cancelled:
        return "Cancelled"
    if team is not None and team.submission is not None:
        return "Late" if team.submission.late else "On time"
    if session.ends_at > at:
        return "Not yet held"
    return "No submission" if team is not None else "Not in a team"


def record_of(enrolment: Enrolment, at: datetime) -> Record:
    progress = participant_progress(enrolment, at)
    lines = progress.detail.lines
    ethics = [
        StrandLine(line.session, line.week, _ethics_state(line, at))
        for line in lines
        if line.session.kind == SessionKind.ETHICS
    ]
    hackathon_sessions = [line for line in lines if line.session.kind == SessionKind.HACKATHON]
    teams = _teams_of(enrolment) if hackathon_sessions else {}
    hackathons = [
        HackathonLine(
            line.session,
            line.week,
            teams.get(line.session.id),
            _hackathon_state(line.session, teams.get(line.session.id), at),
        )
        for line in hackathon_sessions
    ]
    mandatory = [line for line in lines if line.session.mandatory and not line.session.cancelled]
    held = [line for line in mandatory if line.counts]
    attended = sum(1 for line in held if line.mark is not None and line.mark.mark in ATTENDED)
    figures = MandatoryFigures(
        total=len(held),
        attended=attended,
        caught_up=sum(
            1
            for line in held
            if line.catch_up is not None and not (line.mark is not None and line.mark.mark in ATTENDED)
        ),
        missed=sum(1 for line in held if line.missed_mandatory),
        to_come=sum(1 for line in mandatory if line.session.ends_at > at),
    )
    return Record(enrolment, progress, ethics, hackathons, figures, certificate_of(enrolment), at)
