"""A hackathon's teams: creating, changing, joining, adding and taking out members, and forming
teams for everyone not yet in one.

Every change takes the hackathon's session row lock first (common._lock), so two simultaneous
requests cannot put one participant in two teams or take a team past the largest size; the
database's unique (session_id, enrolment_id) on memberships is the last line. Staff pages that
change a team carry its version (docs/decisions/0004-optimistic-edits-and-limits.md): TEAM for
its name and challenge, TEAM_MEMBERS for who is in it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from cohort import concurrency
from cohort.core import audit
from cohort.domain import hackathons as rules
from cohort.domain.formatting import plural
from cohort.extensions import db
from cohort.models import (
    AuditEvent,
    Challenge,
    Enrolment,
    EnrolmentStatus,
    HackathonChallenge,
    Session,
    Team,
    TeamMember,
    User,
)

from .common import HackathonError, _check_cohort_open, _fail, _lock, has_ended, settings_for, team_of

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
JOIN_CODE_LENGTH = 8


def _team_values(team: Team) -> dict:
    return {"name": team.name, "challenge_id": team.challenge_id}


def member_ids(team: Team) -> list[int]:
    """The enrolment ids of the team's members, read from the database (not a loaded collection)."""
    return sorted(db.session.scalars(select(TeamMember.enrolment_id).where(TeamMember.team_id == team.id)))


TEAM = concurrency.Tracked(
    title="Someone else changed this team after you opened it",
    entity_type="Team",
    labels={"name": "the team name", "challenge_id": "the challenge"},
    values=_team_values,
    formats={"challenge_id": concurrency.names_of(Challenge, "title")},
    anchors={"challenge_id": "challenge"},
)
# Memberships are audited as TeamMember records, each naming its team in its values.
TEAM_MEMBERS = concurrency.Tracked(
    title="Someone else changed who is in this team after you opened the page",
    entity_type="TeamMember",
    labels={},
    values=lambda team: {"members": member_ids(team)},
    about=lambda team: and_(
        AuditEvent.entity_type == "TeamMember",
        or_(
            AuditEvent.after["team_id"].as_integer() == team.id,
            AuditEvent.before["team_id"].as_integer() == team.id,
        ),
    ),
    summaries=True,
)


def _new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def _check_open_for_teams(session: Session) -> None:
    _check_cohort_open(session)
    if session.cancelled:
        _fail(f"{session.title} is cancelled: its teams cannot change")
    if has_ended(session):
        _fail(f"{session.title} has ended: its teams can no longer change")


def _check_enrolment(session: Session, enrolment: Enrolment) -> None:
    if enrolment.cohort_id != session.cohort_id or enrolment.status != EnrolmentStatus.ACTIVE:
        _fail("Only active participants of this cohort can be in a team", "enrolment")


def _check_free(session: Session, enrolment: Enrolment, field: str | None = None) -> None:
    current = team_of(session, enrolment)
    if current is not None:
        who = enrolment.user.full_name
        _fail(f"{who} is already in team {current.name} in this hackathon", field)


def _check_challenge(session: Session, challenge_id: int | None) -> None:
    if challenge_id is None:
        return
    offered = db.session.scalar(
        select(HackathonChallenge.id).where(
            HackathonChallenge.session_id == session.id, HackathonChallenge.challenge_id == challenge_id
        )
    )
    if offered is None:
        _fail("Choose one of the challenges on offer in this hackathon", "challenge")


def _check_name(session: Session, name: str, team_id: int | None = None) -> None:
    clash = db.session.scalar(
        select(Team.id).where(
            Team.session_id == session.id, func.lower(Team.name) == name.lower(), Team.id != (team_id or 0)
        )
    )
    if clash is not None:
        _fail("There is already a team with this name in this hackathon", "name")


def _member_count(team: Team) -> int:
    return db.session.scalar(select(func.count(TeamMember.id)).where(TeamMember.team_id == team.id)) or 0


def _check_room(session: Session, team: Team, field: str) -> None:
    """The team has room for one more, as the database is now and under the hackathon's lock."""
    problem = rules.can_join(_member_count(team), settings_for(session, fresh=True).team_size_max)
    if problem:
        _fail(problem, field)


def _add(actor: User, session: Session, team: Team, enrolment: Enrolment) -> TeamMember:
    member = TeamMember(team_id=team.id, session_id=session.id, enrolment_id=enrolment.id)
    db.session.add(member)
    db.session.flush()
    audit.record(
        actor,
        "create",
        member,
        f"Put {enrolment.user.full_name} in team {team.name} ({session.title})",
        after={"team_id": team.id, "enrolment_id": enrolment.id},
    )
    return member


def _messages():
    # Imported when used: cohort.hackathons (pages, messages) imports this package.
    from cohort.hackathons import messages

    return messages


def _commit_membership(enrolment: Enrolment | None) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        who = enrolment.user.full_name if enrolment is not None else "Someone"
        raise HackathonError(f"{who} is already in a team in this hackathon", "code") from None


def create_team(
    actor: User,
    session: Session,
    name: str,
    challenge_id: int | None,
    founder: Enrolment | None = None,
) -> Team:
    """A new team. A participant creating one (founder) joins it at once."""
    session = _lock(session)
    _check_open_for_teams(session)
    name = name.strip()
    _check_name(session, name)
    _check_challenge(session, challenge_id)
    if founder is not None:
        db.session.refresh(founder)
        _check_enrolment(session, founder)
        _check_free(session, founder, "name")
    code = _new_join_code()
    while db.session.scalar(select(Team.id).where(Team.join_code == code)) is not None:
        code = _new_join_code()  # pragma: no cover - one chance in a trillion
    team = Team(
        session_id=session.id, name=name, challenge_id=challenge_id, join_code=code, created_by_id=actor.id
    )
    db.session.add(team)
    db.session.flush()
    audit.record(
        actor,
        "create",
        team,
        f"Created team {team.name} in {session.title}",
        after={"name": team.name, "challenge_id": challenge_id},
    )
    if founder is not None:
        _add(actor, session, team, founder)
    _commit_membership(founder)
    return team


def update_team(
    actor: User, team: Team, name: str, challenge_id: int | None, version: str | None = None
) -> bool:
    """Rename a team or change its challenge; returns whether anything changed. `version`: what
    the page showed (concurrency.StaleEdit when the team changed since; None is not checked)."""
    session = _lock(team.session)
    _check_open_for_teams(session)
    concurrency.lock(team)
    concurrency.check(TEAM, team, version, actor)
    name = name.strip()
    _check_name(session, name, team.id)
    _check_challenge(session, challenge_id)
    before = _team_values(team)
    team.name = name
    team.challenge_id = challenge_id
    after = _team_values(team)
    if before == after:
        db.session.rollback()
        return False
    try:
        db.session.flush()
    except IntegrityError:
        _fail("There is already a team with this name in this hackathon", "name")
    audit.record(actor, "update", team, f"Changed team {team.name} in {session.title}", before, after)
    db.session.commit()
    return True


def join_team(actor: User, session: Session, enrolment: Enrolment, code: str) -> Team:
    """A participant joins a team of this hackathon by its join code."""
    session = _lock(session)
    _check_open_for_teams(session)
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    team = db.session.scalar(select(Team).where(Team.join_code == code, Team.session_id == session.id))
    if team is None:
        _fail("There is no team with this join code in this hackathon: check the code with your team", "code")
    db.session.refresh(enrolment)
    _check_enrolment(session, enrolment)
    _check_free(session, enrolment, "code")
    _check_room(session, team, "code")
    _add(actor, session, team, enrolment)
    _messages().team_joined(actor, session, team, enrolment)
    _commit_membership(enrolment)
    return team


def add_member(actor: User, team: Team, enrolment: Enrolment, version: str | None = None) -> None:
    """A programme manager or facilitator puts a participant in a team. `version`: the team's
    members as the page showed them (TEAM_MEMBERS; None is not checked)."""
    session = _lock(team.session)
    _check_open_for_teams(session)
    concurrency.lock(team)
    concurrency.check(TEAM_MEMBERS, team, version, actor)
    db.session.refresh(enrolment)
    _check_enrolment(session, enrolment)
    _check_free(session, enrolment, "enrolment")
    _check_room(session, team, "enrolment")
    _add(actor, session, team, enrolment)
    _messages().team_joined(actor, session, team, enrolment)
    _commit_membership(enrolment)


def remove_member(actor: User, team: Team, enrolment: Enrolment, version: str | None = None) -> None:
    """Take someone out of a team (a participant leaving, or staff moving them). `version`: the
    team's members as a staff page showed them (TEAM_MEMBERS; None is not checked)."""
    session = _lock(team.session)
    _check_open_for_teams(session)
    concurrency.lock(team)
    concurrency.check(TEAM_MEMBERS, team, version, actor)
    member = db.session.scalar(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.enrolment_id == enrolment.id)
    )
    if member is None:
        _fail(f"{enrolment.user.full_name} is not in team {team.name}")
    audit.record(
        actor,
        "delete",
        member,
        f"Took {enrolment.user.full_name} out of team {team.name} ({session.title})",
        before={"team_id": team.id, "enrolment_id": enrolment.id},
    )
    db.session.delete(member)
    db.session.commit()


def unplaced(session: Session) -> list[Enrolment]:
    """Active participants of the cohort not yet in a team in this hackathon."""
    placed = select(TeamMember.enrolment_id).where(TeamMember.session_id == session.id)
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
                Enrolment.id.not_in(placed),
            )
            .order_by(User.full_name, Enrolment.id)
        )
    )


def auto_form_teams(actor: User, session: Session, size: int) -> list[Team]:
    """Put everyone not yet in a team into new teams of about `size`, mixing departments."""
    session = _lock(session)
    _check_open_for_teams(session)
    settings = settings_for(session, fresh=True)
    if not settings.team_size_min <= size <= settings.team_size_max:
        _fail(
            f"Team size must be between {settings.team_size_min} and {settings.team_size_max} "
            "(this hackathon's limits)",
            "size",
        )
    people = unplaced(session)
    if not people:
        _fail("Everyone is already in a team", "size")
    if len(people) < settings.team_size_min:
        _fail(
            f"Only {plural(len(people), 'person is', 'people are')} not in a team: "
            f"too few for a team of at least {settings.team_size_min}. Add them to existing teams",
            "size",
        )
    by_id = {e.id: e for e in people}
    groups = rules.teams_of(
        [(e.id, e.user.department.code if e.user.department else "") for e in people], size
    )
    existing = {
        name.lower() for name in db.session.scalars(select(Team.name).where(Team.session_id == session.id))
    }
    number = 1
    made = []
    for group in groups:
        while f"team {number}" in existing:
            number += 1
        name = f"Team {number}"
        existing.add(name.lower())
        team = Team(session_id=session.id, name=name, join_code=_new_join_code(), created_by_id=actor.id)
        db.session.add(team)
        db.session.flush()
        audit.record(actor, "create", team, f"Formed team {name} in {session.title}", after={"name": name})
        for enrolment_id in group:
            _add(actor, session, team, by_id[enrolment_id])
        _messages().team_formed(session, team)
        made.append(team)
    _commit_membership(None)
    return made
