"""Calendar feeds: whose sessions go in a person's feed, found by the secret token."""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.enrolments.service import PLACE_HOLDING
from cohort.extensions import db
from cohort.models import CalendarFeed, Cohort, CohortStatus, Enrolment, Session, User
from cohort.policy import is_participant, is_sponsor, visible_cohorts
from cohort.schedule.ics import FeedEvent, build_calendar
from cohort.schedule.service import regenerate_calendar_feed as regenerate  # noqa: F401
from cohort.schedule.service import revoke_calendar_feed as revoke  # noqa: F401

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what secrets.token_urlsafe makes
SLUG = re.compile(r"[a-z0-9-]{1,80}")
CURRENT = (CohortStatus.PLANNED, CohortStatus.OPEN, CohortStatus.RUNNING, CohortStatus.FINISHED)


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def user_for_token(token: str) -> User | None:
    """The active account whose calendar link this is, or None."""
    if not TOKEN.fullmatch(token):
        return None
    return db.session.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token == token, User.is_active_account.is_(True))
    )


def _feed_cohorts_query(user: User):
    """The cohorts whose sessions go in the person's feed: those they may see that are not
    archived, and for participants and sponsors only where they (or their department's
    people) still hold a place, not the ones they have left."""
    query = visible_cohorts(user).where(Cohort.status.in_(CURRENT))
    if is_participant(user):
        query = query.where(
            Cohort.id.in_(
                select(Enrolment.cohort_id).where(
                    Enrolment.user_id == user.id, Enrolment.status.in_(PLACE_HOLDING)
                )
            )
        )
    elif is_sponsor(user):
        query = query.where(
            Cohort.id.in_(
                select(Enrolment.cohort_id)
                .join(User, User.id == Enrolment.user_id)
                .where(User.department_id == user.department_id, Enrolment.status.in_(PLACE_HOLDING))
            )
        )
    return query


def cohorts_in_feed(user: User) -> list[Cohort]:
    return list(db.session.scalars(_feed_cohorts_query(user).order_by(Cohort.start_date.desc(), Cohort.name)))


def cohort_in_feed(user: User, slug: str) -> Cohort | None:
    """One of the cohorts of the person's feed (not one they have left, nor an archived one)."""
    if not SLUG.fullmatch(slug):
        return None
    return db.session.scalars(_feed_cohorts_query(user).where(Cohort.slug == slug)).first()


def feed_event(s: Session, url: str, prefix_cohort: bool = False) -> FeedEvent:
    """A session as a calendar event; `url` is its page (built by the caller: a feed has a
    request to build it from, an e-mail job has only SERVICE_URL)."""
    lines = []
    if s.description:
        lines.append(s.description)
    if s.mandatory:
        lines.append("Mandatory: attend, or agree a catch-up with your facilitator.")
    if s.facilitator:
        lines.append(f"Facilitator: {s.facilitator.full_name}")
    if s.online_link:
        lines.append(f"Join online: {s.online_link}")
    if s.cancelled:
        lines.insert(0, f"Cancelled: {s.cancellation_reason}")
    lines.append(f"Cohort: {s.cohort.name}")
    return FeedEvent(
        session_id=s.id,
        title=f"{s.title} ({s.cohort.name})" if prefix_cohort else s.title,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        created_at=s.created_at,
        updated_at=s.updated_at,
        sequence=s.sequence,
        description="\n\n".join(lines),
        location=s.location or s.online_link,
        url=url,
        kind=s.kind.label,
        cancelled=s.cancelled,
    )


def _events(sessions: list[Session], prefix_cohort: bool) -> list[FeedEvent]:
    return [
        feed_event(
            s,
            url_for("schedule.show_session", slug=s.cohort.slug, session_id=s.id, _external=True),
            prefix_cohort,
        )
        for s in sessions
    ]


def _sessions(cohort_ids) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .options(joinedload(Session.cohort), joinedload(Session.facilitator))
            .where(Session.cohort_id.in_(cohort_ids))
            .order_by(Session.starts_at, Session.id)
        )
    )


def personal_calendar(user: User) -> bytes:
    cohort_ids = _feed_cohorts_query(user).with_only_columns(Cohort.id)
    sessions = _sessions(cohort_ids)
    several = len({s.cohort_id for s in sessions}) > 1
    return build_calendar(f"{user.full_name} – AI Accelerator schedule", _events(sessions, several))


def cohort_calendar(cohort: Cohort) -> bytes:
    return build_calendar(cohort.name, _events(_sessions([cohort.id]), False))
