"""Learning logs: a participant's entries and the comments on them, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cohort.core import audit
from cohort.extensions import db
from cohort.models import (
    Enrolment,
    LearningLogComment,
    LearningLogEntry,
    User,
)
from cohort.models.base import utcnow
from cohort.policy import may_manage_cohort

from .common import SkillError, _check_open

ENTRY_FIELDS = ("entry_date", "activity", "hours", "reflection", "link")


# Learning log --------------------------------------------------------------------------


@dataclass
class EntryDetails:
    entry_date: date
    activity: str
    hours: float
    reflection: str | None = None
    link: str | None = None


def _apply_entry(entry: LearningLogEntry, details: EntryDetails, today: date) -> None:
    activity = details.activity.strip()
    if not activity:
        raise SkillError("Enter what you did", "activity")
    if details.entry_date > today:
        raise SkillError("Date must be today or in the past", "entry_date")
    if not (0 < details.hours <= 24):
        raise SkillError("Hours must be more than 0 and no more than 24", "hours")
    entry.entry_date = details.entry_date
    entry.activity = activity
    entry.hours = details.hours
    entry.reflection = (details.reflection or "").strip() or None
    entry.link = (details.link or "").strip() or None


def add_log_entry(actor: User, enrolment: Enrolment, details: EntryDetails, today: date) -> LearningLogEntry:
    if actor.id != enrolment.user_id:
        raise SkillError("You can only write in your own learning log")
    _check_open(enrolment.cohort, "its learning logs", "activity")
    entry = LearningLogEntry(enrolment_id=enrolment.id)
    _apply_entry(entry, details, today)
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor,
        "create",
        entry,
        f"Learning log: {entry.activity[:200]}",
        after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    db.session.commit()
    return entry


def update_log_entry(actor: User, entry: LearningLogEntry, details: EntryDetails, today: date) -> None:
    if actor.id != entry.enrolment.user_id:
        raise SkillError("You can only change your own learning log")
    _check_open(entry.enrolment.cohort, "its learning logs", "activity")
    before = audit.snapshot(entry, ENTRY_FIELDS)
    _apply_entry(entry, details, today)
    entry.updated_at = utcnow()
    audit.record(
        actor,
        "update",
        entry,
        f"Learning log changed: {entry.activity[:200]}",
        before,
        audit.snapshot(entry, ENTRY_FIELDS),
    )
    db.session.commit()


def comment_on_entry(actor: User, entry: LearningLogEntry, body: str) -> LearningLogComment:
    if not may_manage_cohort(actor, entry.enrolment.cohort):
        raise SkillError("You can only comment on the learning logs of cohorts you facilitate", "body")
    _check_open(entry.enrolment.cohort, "its learning logs", "body")
    body = body.strip()
    if not body:
        raise SkillError("Enter your comment", "body")
    comment = LearningLogComment(entry_id=entry.id, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(
        actor,
        "create",
        comment,
        f"Commented on {entry.enrolment.user.full_name}'s learning log entry “{entry.activity[:120]}”",
        after={"body": body},
    )
    db.session.commit()
    return comment
