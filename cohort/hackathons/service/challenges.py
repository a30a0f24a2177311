"""Departments' challenges, and a hackathon's settings and challenges on offer.

Editing a challenge or a hackathon's settings checks the version the page showed
(docs/decisions/0004-optimistic-edits-and-limits.md), under the record's row lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from cohort import concurrency
from cohort.core import audit
from cohort.domain import hackathons as rules
from cohort.extensions import db
from cohort.models import (
    AuditEvent,
    Challenge,
    ChallengeStatus,
    Department,
    HackathonChallenge,
    HackathonSettings,
    Session,
    Team,
    TeamMember,
    User,
)
from cohort.models.base import utcnow
from cohort.models.hackathons import DataSensitivity
from cohort.policy import is_programme_manager, is_sponsor

from .common import _check_cohort_open, _fail, _lock, settings_for

CHALLENGE_FIELDS = (
    "title",
    "problem_statement",
    "department_id",
    "data_available",
    "data_sensitivity",
    "success_looks_like",
    "contact",
    "status",
)
SETTINGS_FIELDS = ("team_size_min", "team_size_max", "submission_deadline")

CHALLENGE = concurrency.Tracked(
    title="Someone else changed this challenge after you opened it",
    entity_type="Challenge",
    labels={
        "title": "the title",
        "problem_statement": "the problem statement",
        "department_id": "the department",
        "data_available": "the data available",
        "data_sensitivity": "how sensitive the data is",
        "success_looks_like": "what success looks like",
        "contact": "the contact",
        "status": "the status",
    },
    values=lambda challenge: audit.snapshot(challenge, CHALLENGE_FIELDS),
    formats={
        "department_id": concurrency.names_of(Department, "name"),
        "data_sensitivity": concurrency.label_of({s.value: s.label for s in DataSensitivity}),
        "status": concurrency.label_of({s.value: s.value for s in ChallengeStatus}),
    },
    anchors={"department_id": "department", "status": ""},
)


def _settings_values(session: Session) -> dict:
    values = audit.snapshot(settings_for(session, fresh=True), SETTINGS_FIELDS)
    values["challenge_ids"] = sorted(
        db.session.scalars(
            select(HackathonChallenge.challenge_id).where(HackathonChallenge.session_id == session.id)
        )
    )
    return values


# The version of a hackathon's settings page: its settings and the challenges on offer. The
# record is the hackathon's session; its settings' audit events name it by the session's id.
HACKATHON_SETTINGS = concurrency.Tracked(
    title="Someone else changed the hackathon's settings after you opened them",
    entity_type="HackathonSettings",
    labels={
        "team_size_min": "the smallest team",
        "team_size_max": "the largest team",
        "submission_deadline": "the submission deadline",
        "challenge_ids": "the challenges on offer",
    },
    values=_settings_values,
    formats={"challenge_ids": concurrency.names_of(Challenge, "title")},
    anchors={"submission_deadline": "deadline_date", "challenge_ids": "challenges"},
    about=lambda session: and_(
        AuditEvent.entity_type == "HackathonSettings", AuditEvent.entity_id == session.id
    ),
)


# Challenges ------------------------------------------------------------------------------


@dataclass
class ChallengeDetails:
    title: str
    problem_statement: str
    department_id: int
    data_available: str | None = None
    data_sensitivity: str = DataSensitivity.OFFICIAL.value
    success_looks_like: str | None = None
    contact: str | None = None


def _apply_challenge(challenge: Challenge, details: ChallengeDetails) -> None:
    department = db.session.get(Department, details.department_id)
    if department is None:
        _fail("Select the department that owns this challenge", "department")
    title = details.title.strip()
    clash = db.session.scalar(
        select(Challenge.id).where(func.lower(Challenge.title) == title.lower(), Challenge.id != challenge.id)
    )
    if clash is not None:
        _fail("There is already a challenge with this title", "title")
    challenge.title = title
    challenge.problem_statement = details.problem_statement.strip()
    challenge.department_id = department.id
    challenge.data_available = (details.data_available or "").strip() or None
    challenge.data_sensitivity = DataSensitivity(details.data_sensitivity)
    challenge.success_looks_like = (details.success_looks_like or "").strip() or None
    challenge.contact = (details.contact or "").strip() or None


def create_challenge(actor: User, details: ChallengeDetails) -> Challenge:
    """A programme manager's challenge is accepted at once; a sponsor's is a proposal for
    their own department, waiting for a programme manager."""
    if is_sponsor(actor) and details.department_id != actor.department_id:
        _fail("You can propose challenges only for your own department", "department")
    challenge = Challenge(id=None, proposed_by_id=actor.id)
    _apply_challenge(challenge, details)
    if is_programme_manager(actor):
        challenge.status = ChallengeStatus.ACCEPTED
        challenge.accepted_at = utcnow()
    else:
        challenge.status = ChallengeStatus.PROPOSED
    db.session.add(challenge)
    try:
        db.session.flush()
    except IntegrityError:
        _fail("There is already a challenge with this title", "title")
    verb = "Added" if challenge.accepted else "Proposed"
    audit.record(
        actor,
        "create",
        challenge,
        f"{verb} challenge {challenge.title}",
        after=audit.snapshot(challenge, CHALLENGE_FIELDS),
    )
    db.session.commit()
    return challenge


def update_challenge(
    actor: User, challenge: Challenge, details: ChallengeDetails, version: str | None = None
) -> None:
    """Save a challenge's details. `version`: what its edit page showed (concurrency.StaleEdit when
    the challenge changed since; None is not checked). Commits; on a refusal nothing is written."""
    concurrency.lock(challenge)
    concurrency.check(CHALLENGE, challenge, version, actor)
    before = audit.snapshot(challenge, CHALLENGE_FIELDS)
    _apply_challenge(challenge, details)
    challenge.updated_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        _fail("There is already a challenge with this title", "title")
    audit.record(
        actor,
        "update",
        challenge,
        f"Changed challenge {challenge.title}",
        before=before,
        after=audit.snapshot(challenge, CHALLENGE_FIELDS),
    )
    db.session.commit()


def accept_challenge(actor: User, challenge: Challenge) -> None:
    concurrency.lock(challenge)
    if challenge.accepted:
        _fail(f"{challenge.title} is already accepted")
    before = audit.snapshot(challenge, CHALLENGE_FIELDS)
    challenge.status = ChallengeStatus.ACCEPTED
    challenge.accepted_at = utcnow()
    audit.record(
        actor,
        "accept",
        challenge,
        f"Accepted challenge {challenge.title}",
        before=before,
        after=audit.snapshot(challenge, CHALLENGE_FIELDS),
    )
    db.session.commit()


# A hackathon's settings and challenges on offer --------------------------------------


def _largest_team(session: Session) -> tuple[str, int] | None:
    return db.session.execute(
        select(Team.name, func.count(TeamMember.id))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(Team.session_id == session.id)
        .group_by(Team.id, Team.name)
        .order_by(func.count(TeamMember.id).desc(), Team.name)
        .limit(1)
    ).first()


def save_settings(
    actor: User,
    session: Session,
    team_size_min: int,
    team_size_max: int,
    deadline: datetime | None,
    challenge_ids: Sequence[int],
    version: str | None = None,
) -> None:
    """Save a hackathon's team sizes, deadline and challenges on offer. `version`: what its settings
    page showed (concurrency.StaleEdit when they changed since; None is not checked)."""
    session = _lock(session)
    _check_cohort_open(session)
    concurrency.check(HACKATHON_SETTINGS, session, version, actor)
    problem = rules.settings_problem(team_size_min, team_size_max)
    if problem:
        _fail(
            problem,
            "team_size_max" if "largest" in problem and "smallest" not in problem else "team_size_min",
        )
    largest = _largest_team(session)
    if largest is not None and largest[1] > team_size_max:
        _fail(
            f"Team {largest[0]} already has {largest[1]} members: the largest team size cannot be "
            f"less than {largest[1]}. Move people out of it first",
            "team_size_max",
        )
    if deadline is not None and deadline < session.starts_at:
        _fail("The submission deadline cannot be before the hackathon starts", "deadline")
    before = audit.snapshot(settings_for(session, fresh=True), SETTINGS_FIELDS)  # the defaults if no row
    settings = db.session.get(HackathonSettings, session.id)
    if settings is None:
        settings = HackathonSettings(session_id=session.id)
        db.session.add(settings)
    settings.team_size_min = team_size_min
    settings.team_size_max = team_size_max
    settings.submission_deadline = deadline
    wanted = set(challenge_ids)
    accepted = set(
        db.session.scalars(
            select(Challenge.id).where(Challenge.id.in_(wanted), Challenge.status == ChallengeStatus.ACCEPTED)
        )
    )
    if wanted - accepted:
        _fail("Choose only accepted challenges from the list", "challenges")
    current = {
        hc.challenge_id: hc
        for hc in db.session.scalars(
            select(HackathonChallenge).where(HackathonChallenge.session_id == session.id)
        )
    }
    removed = set(current) - wanted
    in_use = set(
        db.session.scalars(
            select(Team.challenge_id).where(Team.session_id == session.id, Team.challenge_id.in_(removed))
        )
    )
    if in_use:
        _fail(
            "A challenge that a team has chosen cannot be taken off offer: move the team first", "challenges"
        )
    for challenge_id in removed:
        db.session.delete(current[challenge_id])
    for challenge_id in wanted - set(current):
        db.session.add(HackathonChallenge(session_id=session.id, challenge_id=challenge_id))
    db.session.flush()
    after = audit.snapshot(settings, SETTINGS_FIELDS)
    after["challenge_ids"] = sorted(wanted)
    before["challenge_ids"] = sorted(current)
    audit.record(
        actor, "update", settings, f"Changed the settings of {session.title}", before=before, after=after
    )
    db.session.commit()
