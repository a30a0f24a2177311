"""Demo data for skills and progress: the machine learning engineer framework assessed by
both demo cohorts, baseline and midpoint levels with a realistic spread, and learning-log
entries with facilitators' comments. Called by the demo seed (cohort/demo/__init__.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Cohort, Enrolment, EnrolmentStatus, User

# Skills and progress -------------------------------------------------------------------

# Learning-log entries a data scientist on the programme might write: (activity, hours, reflection).
LOG_ENTRIES = [
    (
        "Packaged my notebook code into a Python module with tests",
        3.0,
        "pytest fixtures made the data set-up far shorter.",
    ),
    (
        "Worked through the Docker and container registry tutorial",
        2.5,
        "Images and layers make sense now; next, a slimmer base image.",
    ),
    (
        "Pair-programmed a model evaluation harness",
        4.0,
        "We found our test split leaked dates: fixed by splitting on time.",
    ),
    (
        "Read the Algorithmic Transparency Recording Standard",
        1.5,
        "Drafted a record for our triage model; the 'human oversight' part is the hardest.",
    ),
    (
        "Set up a CI pipeline for our team's repository",
        2.0,
        "Linting and tests on every pull request; caught two bugs the first day.",
    ),
    (
        "Deployed a model behind an API on our cloud sandbox",
        3.5,
        "Latency was fine; logging of inputs needs a data protection check first.",
    ),
]
SLOW_PROGRESS = "Daniel Whitfield"  # at risk on attendance, and his skills show it
CHECKPOINT_DAYS = {"baseline": 2, "midpoint": 39}  # days after the cohort's start: week 1, week 6


def seed_skills(cohort: Cohort, second: Cohort, admin: User, facilitators: list[User]) -> None:
    """The machine learning engineer framework, assessed by both cohorts; baseline and
    midpoint assessments (self and facilitator) for the demo cohort with a realistic
    spread, and learning-log entries with a facilitator's comment or two."""
    import random

    from cohort.domain.progress import Checkpoint, Source
    from cohort.models import Assessment, LearningLogComment, LearningLogEntry
    from cohort.skills.framework import ML_ENGINEER_FRAMEWORK
    from cohort.skills.service import SkillDetails, create_skill, set_cohort_skills

    targets = {}
    for data in ML_ENGINEER_FRAMEWORK:
        skill = create_skill(
            admin,
            SkillDetails(
                name=data["name"],
                category=data["category"],
                description=data["description"],
                levels=list(data["levels"]),
            ),
        )
        targets[skill.id] = data["target"]
    set_cohort_skills(admin, cohort, targets)
    set_cohort_skills(admin, second, targets)

    rng = random.Random(2026)  # the same spread on every seed
    active = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(Enrolment.id)
    ).all()
    for number, enrolment in enumerate(active):
        assessor = facilitators[number % len(facilitators)]
        slow = enrolment.user.full_name == SLOW_PROGRESS
        for skill_id in targets:
            baseline = rng.choice([0, 1, 1, 1, 2, 2])
            midpoint = min(4, baseline + (rng.choice([0, 0, 1]) if slow else rng.choice([0, 1, 1, 1, 2])))
            for checkpoint, level in ((Checkpoint.BASELINE, baseline), (Checkpoint.MIDPOINT, midpoint)):
                at = datetime.combine(
                    cohort.start_date + timedelta(days=CHECKPOINT_DAYS[checkpoint.value]),
                    datetime.min.time(),
                    UTC,
                ) + timedelta(hours=15)
                # People tend to rate themselves a little differently from their facilitator.
                own = max(0, min(4, level + rng.choice([-1, 0, 0, 1])))
                db.session.add_all(
                    [
                        Assessment(
                            enrolment_id=enrolment.id,
                            skill_id=skill_id,
                            checkpoint=checkpoint,
                            source=Source.FACILITATOR,
                            level=level,
                            evidence="Observed in the week's workshop exercise and code review."
                            if checkpoint == Checkpoint.MIDPOINT
                            else None,
                            assessed_by_id=assessor.id,
                            assessed_at=at,
                        ),
                        Assessment(
                            enrolment_id=enrolment.id,
                            skill_id=skill_id,
                            checkpoint=checkpoint,
                            source=Source.SELF,
                            level=own,
                            assessed_by_id=enrolment.user_id,
                            assessed_at=at - timedelta(hours=3),
                        ),
                    ]
                )
        for turn in range(2):
            activity, hours, reflection = LOG_ENTRIES[(number + turn * 3) % len(LOG_ENTRIES)]
            entry = LearningLogEntry(
                enrolment_id=enrolment.id,
                entry_date=cohort.start_date + timedelta(days=4 + 7 * (number % 3) + 21 * turn),
                activity=activity,
                hours=hours,
                reflection=reflection,
            )
            db.session.add(entry)
            if turn == 0 and number % 4 == 0:
                db.session.flush()
                db.session.add(
                    LearningLogComment(
                        entry_id=entry.id,
                        author_id=assessor.id,
                        body="Good reflection: bring this to next week's workshop so others can learn from it.",
                    )
                )
    db.session.commit()
