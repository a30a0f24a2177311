"""Demo data: deterministic, so every `make run` and every test sees the same people.

Used by `flask seed-demo` (`make run`), whose one entry point is `seed_demo` below, and
`seed_scale` (`--scale N`). Nothing here runs in production unless asked for. A module per
feature: people (departments, staff, participants), cohorts (the cohorts and timetable),
attendance (registers, catch-ups, check-in), skills, hackathons, completion (the finished
pilot cohort and its outcomes), messages (the outbox) and scale (load-test cohorts).

The demo cohort is always part-way through: it starts on the Monday that puts
the day of seeding in week 9 of its 12 (28 September 2026 when seeded on
23 November 2026), so CI and the browser tests see the same picture whatever
day they run. Its timetable is the standard programme; registers are taken for
the sessions that have ended, with a realistic mix of marks and two people at
risk; one ended register is left to take, one future session is cancelled, and
a drop-in session running now has a self check-in open. Ids of people and
enrolments do not depend on the day (Amara Okafor is user 6, her enrolment 1).

Registers, catch-ups, cancellations and check-ins are made through the same
services as the pages, with their audit events; those services commit, so the
seed commits along the way.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from cohort.auth.passwords import hash_password
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import Role, User
from cohort.models.base import utcnow

from .attendance import demo_check_in
from .cohorts import (
    DEMO_COHORT_NAME,
    DEMO_COHORT_START,
    DEMO_WEEK,
    DemoSeed,
    create_running_cohort,
    demo_cohort_start,
    seed_movements,
    seed_timetable,
)
from .people import (
    DEMO_PASSWORD,
    DEPARTMENTS,
    PARTICIPANTS,
    STAFF,
    DemoLogin,
    add_user,
    database_is_empty,
    demo_logins,
    demo_second_factors,
    department_domains,
    enrol_cohort,
    participant_email,
    seed_departments,
)
from .scale import seed_scale

__all__ = [
    "DEMO_COHORT_NAME",
    "DEMO_COHORT_START",
    "DEMO_PASSWORD",
    "DEMO_WEEK",
    "DEPARTMENTS",
    "PARTICIPANTS",
    "DemoLogin",
    "DemoSeed",
    "database_is_empty",
    "demo_check_in",
    "demo_cohort_start",
    "demo_logins",
    "participant_email",
    "seed_demo",
    "seed_departments",
    "seed_scale",
]


def seed_demo(now: datetime | None = None) -> DemoSeed:
    """Departments, staff, the running demo cohort of 25 part-way through its weeks, and
    the planned second cohort. `now` (UTC, default: the present) fixes the day it is seeded
    for; the demo cohort starts on the Monday that puts it in week DEMO_WEEK."""
    now = now or utcnow()
    start = demo_cohort_start(london_date(now))
    departments = seed_departments()
    # One hash for every demo account: argon2 is slow by design.
    password_hash = hash_password(DEMO_PASSWORD)
    staff: dict[str, User] = {}
    for login in STAFF:
        department = departments[login.department] if login.department else None
        staff[login.email] = add_user(login.email, login.full_name, login.role, department, password_hash)
    domains = department_domains()
    people = [
        add_user(
            participant_email(name, domains[code]), name, Role.PARTICIPANT, departments[code], password_hash
        )
        for name, code in PARTICIPANTS
    ]
    db.session.flush()
    demo_second_factors(list(staff.values()))
    facilitators = [staff[s.email] for s in STAFF if s.role == Role.FACILITATOR]
    cohort = create_running_cohort(start, facilitators)
    enrol_cohort(cohort, people)
    admin = staff[STAFF[0].email]
    second, left_on = seed_movements(cohort, people, admin, departments, password_hash)
    seeded = seed_timetable(cohort, second, admin, people[0], left_on, now)
    from .skills import seed_skills

    seed_skills(cohort, second, admin, facilitators)
    # Hackathons: department challenges, a finished hackathon with published results, one to come.
    from .hackathons import seed_hackathons

    seed_hackathons(cohort, admin, facilitators, [staff[s.email] for s in STAFF if s.role == Role.SPONSOR])
    # Completion: an earlier cohort, finished, with recorded outcomes and one override.
    from .completion import seed_finished_cohort

    seed_finished_cohort(
        admin=admin,
        facilitators=facilitators,
        departments=list(departments.values()),
        start=start - timedelta(weeks=20),
        password_hash=password_hash,
        now=now,
    )
    # E-mail: the timed messages as at now, beside those the changes above sent.
    from .messages import seed_demo_messages

    return dataclasses.replace(seeded, messages=seed_demo_messages(now))
