"""Small builders for test data. Each returns a flushed model; tests commit."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from functools import cache

from cohort.auth.passwords import hash_password
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


def sign_in_as(client, user: User | None) -> None:
    """Put a signed-in session in the test client's cookie, as the sign-in page would."""
    if user is None:
        return
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.session_token
        session["_fresh"] = True
        session[SESSION_SIGNED_IN_AT] = now
        session[SESSION_LAST_SEEN] = now


# Skills and progress (issue 5) ------------------------------------------------------------


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
