"""What the Flask commands share: stopping with a clear message, and finding a cohort by the
name in its web address (listing the ones there are when it is wrong)."""

from __future__ import annotations

from typing import NoReturn

import click
from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Cohort


def fail(*lines: str) -> NoReturn:
    """Say why on standard error, undo what the command began, and exit with status 1."""
    for line in lines:
        click.echo(line, err=True)
    db.session.rollback()
    raise SystemExit(1)


def find_cohort(slug: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.slug == slug.strip()))
    if cohort is None:
        slugs = db.session.scalars(
            select(Cohort.slug).order_by(Cohort.start_date, Cohort.slug).limit(21)
        ).all()
        known = ", ".join(slugs[:20]) + (", …" if len(slugs) > 20 else "") if slugs else "there are none yet"
        fail(f"There is no cohort with the web address name '{slug}'. Cohorts: {known}.")
    return cohort
