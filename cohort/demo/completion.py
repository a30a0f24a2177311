"""Demo data: a finished earlier cohort with recorded outcomes and one override.

Call from the demo seed after the skills framework exists (its skills are assessed):

    seed_finished_cohort(admin=admin, facilitators=facilitators, departments=list(departments.values()),
                         start=start - timedelta(weeks=20), password_hash=password_hash, now=now)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from cohort.cohorts.service import CohortDetails, create_cohort
from cohort.completion.service import finish, override
from cohort.domain.attendance import Mark
from cohort.domain.completion import Outcome
from cohort.domain.progress import Checkpoint, Source
from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_to_utc
from cohort.extensions import db
from cohort.models import (
    Assessment,
    AttendanceMark,
    CatchUp,
    Cohort,
    CohortSkill,
    CohortStatus,
    Department,
    Enrolment,
    MarkSource,
    Role,
    Session,
    Skill,
    User,
)

FINISHED_COHORT_NAME = "AI Accelerator — Pilot cohort"
FINISHED_COHORT_SLUG = "pilot-cohort"
ALUMNI = [
    "Aoife Gallagher",
    "Bethan Morgan",
    "Chidi Okafor",
    "Dafydd Rees",
    "Élodie Martin",
    "Fionnuala O'Brien",
    "Gurpreet Sandhu",
    "Hamish MacLeod",
    "Ines Duarte",
    "Jamal Hussain",
    "Kirsty Campbell",
    "Lowri Pritchard",
]
LOW_ATTENDANCE = "Fionnuala O'Brien"  # 75 %: not completed by the rules, completed by override
MISSED_ETHICS = "Jamal Hussain"  # an ethics session missed, no catch-up: not completed
CAUGHT_UP = "Ines Duarte"  # an ethics session excused and caught up: completed
SKILL_SHORT = "Kirsty Campbell"  # one skill below target at the end: not completed
OVERRIDE_REASON = (
    "Missed three workshops for a family emergency agreed in advance with the programme team; "
    "worked through every recording and the exercises, checked by her coach."
)
ETHICS_WEEKS = {2: "Transparency", 5: "Accountability", 8: "Bias and fairness", 11: "Data protection"}


def _email(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return ".".join(part.lower().replace("'", "") for part in plain.split()) + "@pilot.example.gov.uk"


def seed_finished_cohort(
    *,
    admin: User,
    facilitators: Sequence[User],
    departments: Sequence[Department],
    start: date,
    password_hash: str | None,
    now: datetime,
) -> Cohort:
    """A 12-week cohort that ended before `now`: 12 alumni, its timetable and registers, baseline
    and final assessments of the skills in the framework, then finished through the same service
    as the Finish button: 10 completed (one by an override with its reason), 2 not completed."""
    if start.weekday() != 0:
        raise ValueError("start must be a Monday")
    cohort = create_cohort(
        None,
        CohortDetails(
            name=FINISHED_COHORT_NAME,
            slug=FINISHED_COHORT_SLUG,
            description="The pilot run of the programme, finished, with its outcomes recorded.",
            start_date=start,
            capacity=len(ALUMNI),
            status=CohortStatus.RUNNING,
            facilitator_ids=[f.id for f in facilitators],
        ),
        commit=False,
    )
    if cohort.end_date >= now.date():
        raise ValueError("the pilot cohort must have ended before now")
    people = []
    for n, name in enumerate(ALUMNI):
        user = User(
            email=_email(name),
            full_name=name,
            role=Role.PARTICIPANT,
            department=departments[n % len(departments)],
            is_active_account=True,
            password_hash=password_hash,
        )
        db.session.add(user)
        people.append(user)
    db.session.flush()
    enrolments = [Enrolment(cohort_id=cohort.id, user_id=u.id, enrolled_on=start) for u in people]
    db.session.add_all(enrolments)

    coach = facilitators[0] if facilitators else None
    sessions: list[Session] = []
    for week in range(1, 13):
        monday = start + timedelta(weeks=week - 1)
        sessions.append(
            Session(
                cohort_id=cohort.id,
                kind=SessionKind.WORKSHOP,
                title=f"Workshop, week {week}",
                starts_at=london_to_utc(monday + timedelta(days=1), time(9, 30)),
                ends_at=london_to_utc(monday + timedelta(days=1), time(12, 30)),
                location="102 Petty France, London",
                facilitator_id=coach.id if coach else None,
                mandatory=False,
            )
        )
        if week in ETHICS_WEEKS:
            sessions.append(
                Session(
                    cohort_id=cohort.id,
                    kind=SessionKind.ETHICS,
                    title=f"Ethics: {ETHICS_WEEKS[week]}",
                    starts_at=london_to_utc(monday + timedelta(days=3), time(14, 0)),
                    ends_at=london_to_utc(monday + timedelta(days=3), time(16, 0)),
                    online_link="https://meet.example.gov.uk/ethics",
                    facilitator_id=coach.id if coach else None,
                    mandatory=True,
                )
            )
    db.session.add_all(sessions)
    db.session.flush()

    workshops = [s for s in sessions if not s.mandatory]
    ethics = [s for s in sessions if s.mandatory]
    marks = []
    for n, (user, enrolment) in enumerate(zip(people, enrolments, strict=True)):
        for i, session in enumerate(sessions):
            mark = Mark.LATE if (n + i) % 11 == 0 else Mark.PRESENT
            if user.full_name == LOW_ATTENDANCE and session in workshops[3:7]:
                mark = Mark.ABSENT  # 12 of 16 sessions: 75 %
            if user.full_name == MISSED_ETHICS and session is ethics[2]:
                mark = Mark.ABSENT
            if user.full_name == CAUGHT_UP and session is ethics[1]:
                mark = Mark.EXCUSED
            marks.append(
                AttendanceMark(
                    session_id=session.id,
                    enrolment_id=enrolment.id,
                    mark=mark,
                    source=MarkSource.REGISTER,
                    recorded_by_id=coach.id if coach else admin.id,
                    recorded_at=session.ends_at,
                )
            )
        if user.full_name == CAUGHT_UP:
            db.session.add(
                CatchUp(
                    session_id=ethics[1].id,
                    enrolment_id=enrolment.id,
                    what_was_done="Watched the recording and wrote a reflection on accountability in her team",
                    completed_on=ethics[1].starts_at.date() + timedelta(days=6),
                    recorded_by_id=coach.id if coach else admin.id,
                    recorded_at=ethics[1].ends_at + timedelta(days=6),
                )
            )
    db.session.add_all(marks)

    skills = db.session.scalars(select(Skill).where(Skill.retired.is_(False)).order_by(Skill.id)).all()
    targets = {skill.id: 3 for skill in skills}
    db.session.add_all(
        CohortSkill(cohort_id=cohort.id, skill_id=s, target_level=t) for s, t in targets.items()
    )
    assessed = []
    for n, (user, enrolment) in enumerate(zip(people, enrolments, strict=True)):
        for k, skill_id in enumerate(targets):
            baseline = 1 + (n + k) % 2
            final = 3 + (n + k) % 2
            if user.full_name == SKILL_SHORT and k == 0:
                final = 2
            for checkpoint, level, week in (
                (Checkpoint.BASELINE, baseline, 1),
                (Checkpoint.FINAL, final, 12),
            ):
                assessed.append(
                    Assessment(
                        enrolment_id=enrolment.id,
                        skill_id=skill_id,
                        checkpoint=checkpoint,
                        source=Source.FACILITATOR,
                        level=level,
                        assessed_by_id=coach.id if coach else admin.id,
                        assessed_at=london_to_utc(start + timedelta(weeks=week - 1, days=4), time(15)),
                    )
                )
    db.session.add_all(assessed)
    db.session.commit()

    low = next(e for u, e in zip(people, enrolments, strict=True) if u.full_name == LOW_ATTENDANCE)
    override(admin, low, Outcome.COMPLETED, OVERRIDE_REASON, now)
    finish(admin, cohort, now)
    return cohort
