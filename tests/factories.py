"""Small builders for test data. Each returns a flushed model; tests commit."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime
from functools import cache

from cohort.auth.passwords import hash_password
from cohort.auth.sessions import PASSWORD as PASSWORD_METHOD
from cohort.auth.sessions import token_digest
from cohort.extensions import db
from cohort.models import (
    Cohort,
    CohortStatus,
    Department,
    DepartmentAlias,
    Enrolment,
    EnrolmentStatus,
    Role,
    User,
    UserSession,
)
from cohort.security import SESSION_LAST_SEEN, SESSION_SIGNED_IN_AT

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@cache
def password_hash() -> str:
    # Argon2 is slow on purpose; one hash serves every test user.
    return hash_password(PASSWORD)


def make_department(code: str | None = None, name: str | None = None, aliases=()) -> Department:
    n = next(_counter)
    department = Department(code=code or f"D{n}", name=name or f"Department {n}")
    department.aliases = [DepartmentAlias(alias=a, alias_key=a.lower()) for a in aliases]
    db.session.add(department)
    db.session.flush()
    return department


def make_user(
    role: Role = Role.PARTICIPANT,
    department: Department | None = None,
    *,
    email: str | None = None,
    full_name: str | None = None,
    active: bool = True,
    with_password: bool = True,
) -> User:
    n = next(_counter)
    if role == Role.SPONSOR and department is None:
        department = make_department()
    user = User(
        email=(email or f"{role.value}{n}@example.gov.uk").lower(),
        full_name=full_name or f"{role.value.capitalize()} {n}",
        role=role,
        department=department,
        is_active_account=active,
        password_hash=password_hash() if with_password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_cohort(
    name: str | None = None,
    *,
    start: date = date(2026, 9, 7),
    facilitators=(),
    status: CohortStatus = CohortStatus.RUNNING,
    capacity: int = 25,
) -> Cohort:
    n = next(_counter)
    cohort = Cohort(
        name=name or f"Test cohort {n}",
        slug=f"test-cohort-{n}",
        start_date=start,
        status=status,
        capacity=capacity,
    )
    cohort.facilitators = list(facilitators)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def enrol(cohort: Cohort, user: User, status: EnrolmentStatus = EnrolmentStatus.ACTIVE) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user, status=status, enrolled_on=cohort.start_date)
    if status == EnrolmentStatus.WITHDRAWN:
        enrolment.withdrawn_on = cohort.start_date
        enrolment.withdrawal_reason = "Test withdrawal"
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def session_token_for(user: User) -> str:
    """A new signed-in session for the person (a row in user_sessions), as the sign-in page
    would begin; its token is what the session cookie carries. Flushed; tests commit."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id, token_digest=token_digest(token), method=PASSWORD_METHOD, device="Test client"
        )
    )
    db.session.flush()
    return token


def sign_in_as(client, user) -> None:
    """Put a signed-in session in the test client's cookie, as the sign-in page would: for a
    user, a new session (committed, so the request sees it); for a token, that session."""
    if user is None:
        return
    # A token, or something carrying one (threads' snapshots of people), or a user.
    token = user if isinstance(user, str) else getattr(user, "session_token", None)
    if token is None:
        token = session_token_for(user)
        db.session.commit()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True
        session[SESSION_SIGNED_IN_AT] = now
        session[SESSION_LAST_SEEN] = now


# Skills and progress ----------------------------------------------------------------------


def make_skill(name: str | None = None, category: str = "Engineering", *, retired: bool = False, levels=None):
    from cohort.models import Skill

    n = next(_counter)
    skill = Skill(
        name=name or f"Skill {n}", category=category, description=f"What skill {n} is", retired=retired
    )
    for level, text in enumerate(levels or [f"Level {i} of skill {n}" for i in range(5)]):
        setattr(skill, f"level_{level}", text)
    db.session.add(skill)
    db.session.flush()
    return skill


def assess_skill(cohort: Cohort, skill, target: int = 3):
    """Make the cohort assess this skill, with this target level."""
    from cohort.models import CohortSkill

    cohort_skill = CohortSkill(cohort_id=cohort.id, skill_id=skill.id, target_level=target)
    db.session.add(cohort_skill)
    db.session.flush()
    return cohort_skill


def skill_id_in(cohort: Cohort) -> int:
    """A skill the cohort assesses (made on first use), for URLs in tests."""
    from sqlalchemy import select

    from cohort.models import CohortSkill

    found = db.session.scalar(select(CohortSkill.skill_id).where(CohortSkill.cohort_id == cohort.id).limit(1))
    if found is None:
        found = assess_skill(cohort, make_skill("Python and software engineering")).skill_id
    return found


def make_assessment(enrolment, skill, level: int, checkpoint="baseline", source="facilitator", by=None):
    from cohort.domain.progress import Checkpoint, Source
    from cohort.models import Assessment

    assessment = Assessment(
        enrolment_id=enrolment.id,
        skill_id=skill.id,
        checkpoint=Checkpoint(checkpoint),
        source=Source(source),
        level=level,
        assessed_by_id=by.id if by is not None else None,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment


def make_log_entry(
    enrolment, activity: str = "Read about feature stores", hours: float = 1.5, on: date | None = None
):
    from cohort.models import LearningLogEntry

    entry = LearningLogEntry(
        enrolment_id=enrolment.id,
        entry_date=on or enrolment.cohort.start_date,
        activity=activity,
        hours=hours,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def log_entry_id_for(user: User) -> int:
    """An entry in this participant's learning log (made on first use), for URLs in tests."""
    from sqlalchemy import select

    from cohort.models import LearningLogEntry

    found = db.session.scalar(
        select(LearningLogEntry.id).join(Enrolment).where(Enrolment.user_id == user.id).limit(1)
    )
    if found is None:
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id).limit(1))
        found = make_log_entry(enrolment).id
    return found


# Hackathons --------------------------------------------------------------------------------


def make_challenge(department: Department, title: str | None = None, *, accepted: bool = True, by=None):
    from cohort.models import Challenge, ChallengeStatus

    n = next(_counter)
    challenge = Challenge(
        title=title or f"Challenge {n}",
        problem_statement=f"The problem of challenge {n}",
        department_id=department.id,
        status=ChallengeStatus.ACCEPTED if accepted else ChallengeStatus.PROPOSED,
        proposed_by_id=by.id if by is not None else None,
    )
    db.session.add(challenge)
    db.session.flush()
    return challenge


def make_hackathon(
    cohort: Cohort, *, days_from_today: int = 7, challenges=(), title: str | None = None, **settings
):
    """A hackathon session of the cohort, 9:30am to 4:30pm London time on a day relative to today
    (negative: it has ended), with these challenges on offer and optional settings."""
    from datetime import time, timedelta

    from cohort.domain.schedule import SessionKind
    from cohort.models import HackathonChallenge, HackathonSettings
    from tests.sessions import make_session

    day = date.today() + timedelta(days=days_from_today)
    session = make_session(
        cohort,
        day,
        time(9, 30),
        time(16, 30),
        kind=SessionKind.HACKATHON,
        title=title or f"Hackathon on {day}",
    )
    for challenge in challenges:
        db.session.add(HackathonChallenge(session_id=session.id, challenge_id=challenge.id))
    if settings:
        db.session.add(HackathonSettings(session_id=session.id, **settings))
    db.session.flush()
    return session


def enrolment_of(cohort: Cohort, user: User) -> Enrolment:
    from sqlalchemy import select

    return db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )


def make_team(session, members=(), *, name: str | None = None, challenge=None):
    """A team of the hackathon; members are users enrolled in its cohort."""
    from cohort.models import Team, TeamMember

    n = next(_counter)
    team = Team(
        session_id=session.id,
        name=name or f"Team {n}",
        challenge_id=challenge.id if challenge is not None else None,
        join_code=f"CODE{n:04d}",
    )
    db.session.add(team)
    db.session.flush()
    for user in members:
        enrolment = enrolment_of(session.cohort, user)
        db.session.add(TeamMember(team_id=team.id, session_id=session.id, enrolment_id=enrolment.id))
    db.session.flush()
    return team


def make_submission(team, title: str | None = None, *, late: bool = False, at: datetime | None = None):
    from cohort.models import Submission

    submission = Submission(
        team_id=team.id,
        title=title or f"What {team.name} built",
        summary="A model and a service around it",
        repository_link="https://github.com/example/project",
        demo_link=None,
        data_used="Synthetic case records",
        who_could_be_harmed="People whose cases are delayed",
        bias_checked="Compared error rates by region",
        human_decides="Every listing decision",
        late=late,
        submitted_at=at or datetime.now(UTC),
        updated_at=at or datetime.now(UTC),
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def make_judge(session, user: User):
    from cohort.models import HackathonJudge

    judge = HackathonJudge(session_id=session.id, user_id=user.id)
    db.session.add(judge)
    db.session.flush()
    return judge


def make_score(submission, judge: User, marks=(3, 3, 3, 3), comment: str | None = None):
    from cohort.models import Score

    score = Score(
        submission_id=submission.id,
        judge_id=judge.id,
        public_impact=marks[0],
        technical_quality=marks[1],
        responsible_ai=marks[2],
        presentation=marks[3],
        comment=comment,
    )
    db.session.add(score)
    db.session.flush()
    return score


def hackathon_world(world) -> dict[str, int]:
    """For URL tables: a hackathon next week in the world's cohort offering an MOJ challenge,
    with team Alpha (the participant) that has handed in, and the facilitator as judge.
    Made on first use; returns the ids."""
    from sqlalchemy import select

    from cohort.domain.schedule import SessionKind
    from cohort.models import Challenge, HackathonJudge, Session, Submission, Team

    session = db.session.scalar(
        select(Session)
        .where(Session.cohort_id == world.cohort.id, Session.kind == SessionKind.HACKATHON)
        .limit(1)
    )
    if session is None:
        challenge = make_challenge(world.moj, "Reducing the Crown Court backlog")
        session = make_hackathon(world.cohort, challenges=[challenge], title="Hackathon 1")
        team = make_team(session, [world.participant], name="Alpha", challenge=challenge)
        make_submission(team, "Backlog forecaster")
        make_judge(session, world.facilitator)
    team = db.session.scalar(select(Team).where(Team.session_id == session.id, Team.name == "Alpha"))
    return {
        "hackathon_id": session.id,
        "challenge_id": db.session.scalar(select(Challenge.id).order_by(Challenge.id).limit(1)),
        "team_id": team.id,
        "submission_id": db.session.scalar(select(Submission.id).where(Submission.team_id == team.id)),
        "judge_id": db.session.scalar(
            select(HackathonJudge.id).where(HackathonJudge.session_id == session.id)
        ),
    }


# Personal data ------------------------------------------------------------------------------


def ready_export_id(user: User) -> int:
    """A ready export the person asked for about themselves (the route × role table's)."""
    from datetime import timedelta

    from cohort.models.privacy_exports import DataExport, ExportState

    now = datetime.now(UTC)
    export = DataExport(
        requested_by_id=user.id,
        subject_id=user.id,
        state=ExportState.READY,
        content=b"PK\x05\x06" + b"\x00" * 18,
        size=22,
        built_at=now,
        expires_at=now + timedelta(days=7),
    )
    db.session.add(export)
    db.session.flush()
    return export.id
