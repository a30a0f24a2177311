"""Hackathons: challenges, offers, settings, teams, submissions, judges, scores and results.

Every change is audited and committed here; a refused change raises HackathonError with
a message for the person and the form field at fault, and writes nothing. Changes to a
hackathon's teams take its session row lock first (SELECT … FOR UPDATE on PostgreSQL;
SQLite's BEGIN IMMEDIATE serialises writers), so two simultaneous requests cannot put
one participant in two teams or overfill a team; the database's unique
(session_id, enrolment_id) on memberships is the last line.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cohort.domain import hackathons as rules
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import (
    Challenge,
    ChallengeStatus,
    Department,
    Enrolment,
    EnrolmentStatus,
    HackathonChallenge,
    HackathonJudge,
    HackathonSettings,
    Role,
    Score,
    Session,
    Submission,
    Team,
    TeamMember,
    User,
)
from cohort.models.base import utcnow
from cohort.models.hackathons import CRITERIA, DataSensitivity
from cohort.services import audit
from cohort.services.closed import closed_reason

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
SUBMISSION_FIELDS = (
    "title",
    "summary",
    "repository_link",
    "demo_link",
    "data_used",
    "who_could_be_harmed",
    "bias_checked",
    "human_decides",
    "late",
)
SCORE_FIELDS = (*CRITERIA, "comment")
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
JOIN_CODE_LENGTH = 8


class HackathonError(ValueError):
    """A change that cannot be made; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _fail(message: str, field: str | None = None):
    db.session.rollback()
    raise HackathonError(message, field)


# Reading ---------------------------------------------------------------------------------


def settings_for(session: Session) -> HackathonSettings:
    """The hackathon's settings row, or an unsaved one with the defaults."""
    found = db.session.get(HackathonSettings, session.id)
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
        db.session.scalar(
            select(func.count(HackathonJudge.id)).where(
                HackathonJudge.session_id == session.id, HackathonJudge.user_id == user.id
            )
        )
        > 0
    )


def member_user_ids(team: Team) -> set[int]:
    return {m.enrolment.user_id for m in team.members}


@dataclass
class ResultRow:
    team: Team
    submission: Submission
    ranked: rules.Ranked


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
    if actor.role == Role.SPONSOR and details.department_id != actor.department_id:
        _fail("You can propose challenges only for your own department", "department")
    challenge = Challenge(id=None, proposed_by_id=actor.id)
    _apply_challenge(challenge, details)
    if actor.role == Role.ADMIN:
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


def update_challenge(actor: User, challenge: Challenge, details: ChallengeDetails) -> None:
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


def _lock(session: Session) -> Session:
    locked = db.session.execute(
        select(Session).where(Session.id == session.id).with_for_update()
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


def save_settings(
    actor: User,
    session: Session,
    team_size_min: int,
    team_size_max: int,
    deadline: datetime | None,
    challenge_ids: Sequence[int],
) -> None:
    _check_cohort_open(session)
    problem = rules.settings_problem(team_size_min, team_size_max)
    if problem:
        _fail(
            problem,
            "team_size_max" if "largest" in problem and "smallest" not in problem else "team_size_min",
        )
    if deadline is not None and deadline < session.starts_at:
        _fail("The submission deadline cannot be before the hackathon starts", "deadline")
    _lock(session)
    settings = db.session.get(HackathonSettings, session.id)
    before = (
        audit.snapshot(settings, ("team_size_min", "team_size_max", "submission_deadline"))
        if settings
        else {}
    )
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
    after = audit.snapshot(settings, ("team_size_min", "team_size_max", "submission_deadline"))
    after["challenge_ids"] = sorted(wanted)
    before["challenge_ids"] = sorted(current)
    audit.record(
        actor, "update", settings, f"Changed the settings of {session.title}", before=before, after=after
    )
    db.session.commit()


# Teams -----------------------------------------------------------------------------------


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


def join_team(actor: User, session: Session, enrolment: Enrolment, code: str) -> Team:
    """A participant joins a team of this hackathon by its join code."""
    session = _lock(session)
    _check_open_for_teams(session)
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    team = db.session.scalar(select(Team).where(Team.join_code == code, Team.session_id == session.id))
    if team is None:
        _fail("There is no team with this join code in this hackathon: check the code with your team", "code")
    _check_enrolment(session, enrolment)
    _check_free(session, enrolment, "code")
    problem = rules.can_join(_member_count(team), settings_for(session).team_size_max)
    if problem:
        _fail(problem, "code")
    _add(actor, session, team, enrolment)
    _commit_membership(enrolment)
    return team


def add_member(actor: User, team: Team, enrolment: Enrolment) -> None:
    """A programme manager or facilitator puts a participant in a team."""
    session = _lock(team.session)
    _check_open_for_teams(session)
    _check_enrolment(session, enrolment)
    _check_free(session, enrolment, "enrolment")
    problem = rules.can_join(_member_count(team), settings_for(session).team_size_max)
    if problem:
        _fail(problem, "enrolment")
    _add(actor, session, team, enrolment)
    _commit_membership(enrolment)


def remove_member(actor: User, team: Team, enrolment: Enrolment) -> None:
    """Take someone out of a team (a participant leaving, or staff moving them)."""
    session = _lock(team.session)
    _check_open_for_teams(session)
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
    settings = settings_for(session)
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
            f"Only {len(people)} {'person is' if len(people) == 1 else 'people are'} not in a team: "
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
        made.append(team)
    _commit_membership(None)
    return made


# Submissions -----------------------------------------------------------------------------


@dataclass
class SubmissionDetails:
    title: str
    summary: str
    repository_link: str | None
    demo_link: str | None
    data_used: str
    who_could_be_harmed: str
    bias_checked: str
    human_decides: str


def save_submission(
    actor: User, team: Team, details: SubmissionDetails, now: datetime | None = None
) -> Submission:
    """Hand in or change the team's work. Editable until the deadline; after it, a team
    with nothing handed in may still submit once, marked late."""
    now = now or utcnow()
    session = _lock(team.session)
    _check_cohort_open(session)
    if session.cancelled:
        _fail(f"{session.title} is cancelled")
    deadline = deadline_of(session)
    submission = team.submission
    if submission is not None and rules.is_late(now, deadline):
        _fail("The deadline has passed: the submission can no longer be changed")
    before = audit.snapshot(submission, SUBMISSION_FIELDS) if submission is not None else None
    if submission is None:
        submission = Submission(team_id=team.id, submitted_at=now, late=rules.is_late(now, deadline))
        submission.submitted_by_id = actor.id
        db.session.add(submission)
    for name in SUBMISSION_FIELDS[:-1]:
        value = getattr(details, name)
        setattr(submission, name, value.strip() if isinstance(value, str) and value.strip() else None)
    submission.updated_at = now
    try:
        db.session.flush()
    except IntegrityError:
        _fail("Someone in your team handed in at the same moment: check the submission and try again")
    after = audit.snapshot(submission, SUBMISSION_FIELDS)
    if before is None:
        late = " (late)" if submission.late else ""
        audit.record(
            actor, "create", submission, f"Team {team.name} handed in {submission.title}{late}", after=after
        )
    else:
        audit.record(
            actor,
            "update",
            submission,
            f"Team {team.name} changed {submission.title}",
            before=before,
            after=after,
        )
    db.session.commit()
    return submission


# Judging ---------------------------------------------------------------------------------


def judge_choices(session: Session) -> list[User]:
    """Facilitators and sponsors who could judge, not yet invited."""
    invited = select(HackathonJudge.user_id).where(HackathonJudge.session_id == session.id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_((Role.FACILITATOR, Role.SPONSOR)),
                User.is_active_account.is_(True),
                User.id.not_in(invited),
            )
            .order_by(User.full_name)
        )
    )


def invite_judge(actor: User, session: Session, user: User) -> None:
    if user.role not in (Role.FACILITATOR, Role.SPONSOR) or not user.is_active_account:
        _fail("Judges are facilitators or department sponsors with an active account", "user")
    _lock(session)
    _check_cohort_open(session)
    if is_judge(session, user):
        _fail(f"{user.full_name} is already a judge of this hackathon", "user")
    judge = HackathonJudge(session_id=session.id, user_id=user.id, invited_by_id=actor.id)
    db.session.add(judge)
    db.session.flush()
    audit.record(
        actor,
        "create",
        judge,
        f"Invited {user.full_name} to judge {session.title}",
        after={"user_id": user.id},
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise HackathonError(f"{user.full_name} is already a judge of this hackathon", "user") from None


def remove_judge(actor: User, judge: HackathonJudge) -> None:
    """Removing a judge keeps their scores on record but out of the results."""
    _check_cohort_open(db.session.get(Session, judge.session_id))
    audit.record(
        actor,
        "delete",
        judge,
        f"Removed {judge.user.full_name} as a judge",
        before={"user_id": judge.user_id},
    )
    db.session.delete(judge)
    db.session.commit()


def save_score(actor: User, submission: Submission, marks: dict[str, int], comment: str | None) -> Score:
    team = submission.team
    session = team.session
    _check_cohort_open(session)
    if not is_judge(session, actor):
        _fail("Only the judges of this hackathon can score its submissions")
    if actor.id in member_user_ids(team):
        _fail("You cannot score a team you are a member of")
    if settings_for(session).results_published:
        _fail("The results are published: scores can no longer change")
    for name in CRITERIA:
        if not rules.is_score(marks.get(name)):
            _fail("Each score must be a whole number from 1 to 5", name)
    score = db.session.scalar(
        select(Score).where(Score.submission_id == submission.id, Score.judge_id == actor.id)
    )
    before = audit.snapshot(score, SCORE_FIELDS) if score is not None else None
    if score is None:
        score = Score(submission_id=submission.id, judge_id=actor.id)
        db.session.add(score)
    for name in CRITERIA:
        setattr(score, name, marks[name])
    score.comment = (comment or "").strip() or None
    score.scored_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        _fail("You scored this submission in another window at the same moment: check your scores")
    after = audit.snapshot(score, SCORE_FIELDS)
    audit.record(
        actor,
        "create" if before is None else "update",
        score,
        f"{actor.full_name} scored {submission.title} (team {team.name})",
        before=before,
        after=after,
    )
    db.session.commit()
    return score


def set_published(actor: User, session: Session, published: bool) -> None:
    _lock(session)
    _check_cohort_open(session)
    settings = db.session.get(HackathonSettings, session.id)
    if settings is None:
        settings = HackathonSettings(session_id=session.id)
        db.session.add(settings)
    if published and settings.results_published:
        _fail("The results are already published")
    if not published and not settings.results_published:
        _fail("The results are not published")
    settings.results_published_at = utcnow() if published else None
    settings.results_published_by_id = actor.id if published else None
    db.session.flush()
    audit.record(
        actor,
        "publish" if published else "unpublish",
        settings,
        f"{'Published' if published else 'Withdrew'} the results of {session.title}",
    )
    db.session.commit()


# require_hackathon (DESIGN.md §5) -------------------------------------------------------


def hackathons_taken(enrolment: Enrolment) -> list[rules.HackathonTaken]:
    """Every hackathon of the enrolment's cohort, from this enrolment's point of view, for
    `rules.hackathon_checks` / `rules.require_hackathon_holds`. Three queries in all."""
    sessions = list(
        db.session.scalars(
            select(Session).where(
                Session.cohort_id == enrolment.cohort_id, Session.kind == SessionKind.HACKATHON
            )
        )
    )
    teams = dict(
        db.session.execute(
            select(TeamMember.session_id, TeamMember.team_id).where(TeamMember.enrolment_id == enrolment.id)
        ).all()
    )
    late_by_team = dict(
        db.session.execute(
            select(Submission.team_id, Submission.late).where(Submission.team_id.in_(list(teams.values())))
        ).all()
    )
    return [
        rules.HackathonTaken(
            title=s.title,
            ends_at=s.ends_at,
            cancelled=s.cancelled,
            in_team=s.id in teams,
            submitted=teams.get(s.id) in late_by_team,
            late=bool(late_by_team.get(teams.get(s.id))),
        )
        for s in sessions
    ]


def entries_for_completion(cohort, enrolment_ids: Sequence[int]) -> dict[int, dict[int, object]]:
    """For the completion rules (issue 7, registered as app.extensions["cohort.hackathon_entries"]):
    enrolment id → hackathon session id → HackathonEntry, for people in a team; someone in
    no team in a hackathon is missing from its map. Two queries, whatever the cohort's size."""
    from cohort.domain.completion import HackathonEntry

    ids = list(enrolment_ids)
    found: dict[int, dict[int, object]] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(TeamMember.enrolment_id, TeamMember.session_id, Submission.late, Submission.id)
            .join(Session, Session.id == TeamMember.session_id)
            .outerjoin(Submission, Submission.team_id == TeamMember.team_id)
            .where(
                Session.cohort_id == cohort.id,
                Session.kind == SessionKind.HACKATHON,
                TeamMember.enrolment_id.in_(ids[start : start + 500]),
            )
        ).all()
        for enrolment_id, session_id, late, submission_id in rows:
            found.setdefault(enrolment_id, {})[session_id] = HackathonEntry.of_team(submission_id is not None, bool(late))
    return found
