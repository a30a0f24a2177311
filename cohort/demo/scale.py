"""Load-test cohorts added beside the demo (`flask seed-demo --scale N`), for benchmarks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cohort.auth.passwords import hash_password
from cohort.cohorts.service import CohortDetails, create_cohort
from cohort.extensions import db
from cohort.models import BankHolidayDivision, Cohort, CohortStatus, Department, Role

from .cohorts import DEMO_COHORT_START
from .people import DEMO_PASSWORD, add_user, enrol_cohort


def seed_scale(cohorts: int) -> int:
    """Add up to `cohorts` load-test cohorts of 25 participants each; returns how many
    were new (re-running with the same number adds nothing). Caller commits."""
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    if not departments:
        raise ValueError("Seed the demo data first: there are no departments")
    password_hash = None
    created = 0
    base = DEMO_COHORT_START + timedelta(weeks=1)
    for n in range(1, cohorts + 1):
        slug = f"scale-{n:03d}"
        if db.session.scalar(select(Cohort.id).where(Cohort.slug == slug)) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        cohort = create_cohort(
            None,
            CohortDetails(
                name=f"Scale test cohort {n:03d}",
                slug=slug,
                start_date=base + timedelta(weeks=n % 40),
                status=CohortStatus.OPEN,
                bank_holiday_division=list(BankHolidayDivision)[n % 3],
            ),
            commit=False,
        )
        people = []
        for i in range(25):
            department = departments[(n + i) % len(departments)]
            people.append(
                add_user(
                    f"scale{n:03d}.person{i:02d}@example.gov.uk",
                    f"Scale Person {n:03d}-{i:02d}",
                    Role.PARTICIPANT,
                    department,
                    password_hash,
                )
            )
        db.session.flush()
        enrol_cohort(cohort, people)
        created += 1
    return created
