"""Reads for the e-mail pages: the outbox, job runs, a person's preferences."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from cohort.extensions import db
from cohort.messages.kinds import KINDS, kinds_for
from cohort.models import EmailPreference, JobRun, JobState, Message, MessageStatus, User


def outbox_query(kind: str = "", status: str = "") -> Select:
    query = select(Message).options(joinedload(Message.recipient)).order_by(Message.id.desc())
    if kind in KINDS:
        query = query.where(Message.kind == kind)
    if status in set(MessageStatus):
        query = query.where(Message.status == status)
    return query


def status_counts() -> dict[MessageStatus, int]:
    rows = db.session.execute(select(Message.status, func.count()).group_by(Message.status))
    return {MessageStatus(status): count for status, count in rows}


def recent_job_runs(state: str = "", limit: int = 100) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if state in set(JobState):
        query = query.where(JobRun.state == state)
    return list(db.session.scalars(query))


def failed_job_count() -> int:
    return db.session.scalar(select(func.count()).where(JobRun.state == JobState.FAILED)) or 0


def preferences(user: User) -> dict[str, bool]:
    """Every optional kind → whether the person gets it (no row: yes)."""
    stored = dict(
        db.session.execute(
            select(EmailPreference.kind, EmailPreference.subscribed).where(EmailPreference.user_id == user.id)
        ).all()
    )
    return {k.name: stored.get(k.name, True) for k in kinds_for(user.role) if k.optional}
