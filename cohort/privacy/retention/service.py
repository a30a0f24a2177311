"""Retention applied (docs/personal-data.md §3): for each rule in cohort/privacy/rules.py,
what is due now (the dry run) and `apply`, which removes it in batches, commits each batch,
and records the run with its counts per rule in one audit event.

Each batch re-checks its condition in the statement that changes the rows, so runs started at
once (the nightly job and `flask personal-data retention`) change each row once between them.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, exists, func, or_, select, update

from cohort.core.audit import record
from cohort.domain.formatting import plural as _plural
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import (
    CheckInAttempt,
    Cohort,
    Enrolment,
    LearningLogComment,
    LearningLogEntry,
    Message,
    MessageStatus,
    Role,
    SignInAttempt,
    User,
    UserSession,
)
from cohort.models.retention_runs import RetentionRun
from cohort.privacy.rules import RETENTION_RULES, RetentionRule, rule

BATCH = 500
LISTED = 10  # people named in the dry run's description
CLEARED_ACTIVITY = "Removed after the retention period"  # docs/personal-data.md §3
APPLIED_HERE = ("personal_details", "learning_log_text", "sign_in_records", "email_log")


@dataclass
class Due:
    """What one rule would remove now."""

    rule: RetentionRule
    count: int | None  # None: applied elsewhere (rule.applied_by)
    description: str
    parts: dict[str, int] = field(default_factory=dict)


# Dates -----------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _config_amount(item: RetentionRule, config: Mapping[str, Any] | None) -> int:
    return item.amount(config)


def _ended_cohorts(before: date) -> list[int]:
    """Ids of cohorts whose last day is before `before` (a cohort's end is worked out from its
    start and length, so it is computed here rather than in SQL)."""
    rows = db.session.execute(select(Cohort.id, Cohort.start_date, Cohort.length_weeks)).all()
    return [row.id for row in rows if row.start_date + timedelta(weeks=row.length_weeks, days=-3) < before]


# The rules' conditions ---------------------------------------------------------------------


def _participants_due(today: date, years: int) -> ColumnElement[bool]:
    from cohort.models.erasures import Erasure

    old = _ended_cohorts(months_before(today, years * 12))
    return and_(
        User.role == Role.PARTICIPANT,
        exists().where(Enrolment.user_id == User.id),
        ~exists().where(Enrolment.user_id == User.id, Enrolment.cohort_id.not_in(old)),
        ~exists().where(Erasure.user_id == User.id),
    )


def _people_due(today: date, years: int) -> tuple[list[User], int]:
    """Participants due for erasure, and how many more are due by date but refused by erasure
    (a cohort not yet finished: docs/personal-data.md §4)."""
    from cohort.privacy.erasure.service import refusal

    candidates = list(
        db.session.scalars(select(User).where(_participants_due(today, years)).order_by(User.id))
    )
    people = [person for person in candidates if refusal(person, None) is None]
    return people, len(candidates) - len(people)


def _entries_due(today: date, months: int) -> ColumnElement[bool]:
    old = _ended_cohorts(months_before(today, months))
    return LearningLogEntry.enrolment_id.in_(select(Enrolment.id).where(Enrolment.cohort_id.in_(old)))


def _text_left() -> ColumnElement[bool]:
    return or_(
        LearningLogEntry.activity != CLEARED_ACTIVITY,
        LearningLogEntry.reflection.is_not(None),
        LearningLogEntry.link.is_not(None),
    )


def _messages_due(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        Message.created_at < cutoff,
        Message.status.in_((MessageStatus.SENT, MessageStatus.FAILED)),
        Message.to_address != "",
    )


def _sign_in_conditions(cutoff: datetime) -> dict[str, tuple[Any, ColumnElement[bool]]]:
    return {
        "sign_in_attempts": (SignInAttempt, SignInAttempt.at < cutoff),
        "check_in_attempts": (CheckInAttempt, CheckInAttempt.at < cutoff),
        "user_sessions": (UserSession, UserSession.last_seen_at < cutoff),
    }


def _count(model: Any, condition: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


# The dry run -------------------------------------------------------------------------------


def due_now(now: datetime | None = None, config: Mapping[str, Any] | None = None) -> list[Due]:
    """What each rule would remove at `now`, without changing anything."""
    now = now or datetime.now(UTC)
    today = london_date(now)
    found: list[Due] = []
    for item in RETENTION_RULES:
        amount = _config_amount(item, config)
        if item.key == "personal_details":
            people, waiting = _people_due(today, amount)
            names = [person.full_name for person in people]
            listed = ", ".join(names[:LISTED]) + (
                f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
            )
            text = f"{_plural(len(names), 'person', 'people')} to erase" + (f": {listed}" if names else "")
            if waiting:
                text += f" ({_plural(waiting, 'person waits', 'people wait')} until their cohort is finished)"
            found.append(Due(item, len(names), text, {"people": len(names)}))
        elif item.key == "learning_log_text":
            due = _entries_due(today, amount)
            entries = _count(LearningLogEntry, and_(due, _text_left()))
            comments = _count(
                LearningLogComment, LearningLogComment.entry_id.in_(select(LearningLogEntry.id).where(due))
            )
            parts = {"learning_log_entries": entries, "learning_log_comments": comments}
            text = f"{_plural(entries, 'entry', 'entries')} to clear, {_plural(comments, 'comment', 'comments')} to delete"
            found.append(Due(item, entries + comments, text, parts))
        elif item.key == "sign_in_records":
            cutoff = now - timedelta(days=amount)
            parts = {name: _count(model, cond) for name, (model, cond) in _sign_in_conditions(cutoff).items()}
            text = (
                f"{_plural(parts['sign_in_attempts'], 'sign-in attempt', 'sign-in attempts')}, "
                f"{_plural(parts['check_in_attempts'], 'check-in attempt', 'check-in attempts')}, "
                f"{_plural(parts['user_sessions'], 'signed-in session', 'signed-in sessions')} to delete"
            )
            found.append(Due(item, sum(parts.values()), text, parts))
        elif item.key == "email_log":
            count = _count(Message, _messages_due(now - timedelta(days=amount)))
            found.append(
                Due(item, count, f"{_plural(count, 'e-mail', 'e-mails')} to clear", {"messages": count})
            )
        else:
            found.append(Due(item, None, f"Applied by {item.applied_by}"))
    return found


# Applying ----------------------------------------------------------------------------------


def _rowcount(statement: Any) -> int:
    result = cast(
        CursorResult, db.session.execute(statement, execution_options={"synchronize_session": False})
    )
    return result.rowcount or 0


def _in_batches(model: Any, condition: ColumnElement[bool], change: Callable[[Sequence[int]], Any]) -> int:
    """Apply `change` (a statement for the given ids, re-checking `condition`) batch by batch,
    committing each; returns how many rows it changed."""
    total = 0
    while True:
        ids = list(db.session.scalars(select(model.id).where(condition).order_by(model.id).limit(BATCH)))
        if not ids:
            db.session.rollback()
            return total
        total += _rowcount(change(ids))
        db.session.commit()


def _deleting(model: Any, condition: ColumnElement[bool]) -> Callable[[Sequence[int]], Any]:
    def change(ids: Sequence[int]) -> Any:
        return delete(model).where(model.id.in_(ids), condition)

    return change


def _apply_sign_in(now: datetime, days: int) -> dict[str, int]:
    counts = {}
    for name, (model, cond) in _sign_in_conditions(now - timedelta(days=days)).items():
        counts[name] = _in_batches(model, cond, _deleting(model, cond))
    return counts


def _apply_learning_log(today: date, months: int) -> dict[str, int]:
    due = _entries_due(today, months)
    comments = _in_batches(
        LearningLogComment,
        LearningLogComment.entry_id.in_(select(LearningLogEntry.id).where(due)),
        lambda ids: delete(LearningLogComment).where(LearningLogComment.id.in_(ids)),
    )
    condition = and_(due, _text_left())
    entries = _in_batches(
        LearningLogEntry,
        condition,
        lambda ids: (
            update(LearningLogEntry)
            .where(LearningLogEntry.id.in_(ids), _text_left())
            .values(activity=CLEARED_ACTIVITY, reflection=None, link=None)
        ),
    )
    return {"learning_log_entries": entries, "learning_log_comments": comments}


def _apply_email(now: datetime, days: int) -> dict[str, int]:
    condition = _messages_due(now - timedelta(days=days))
    cleared = _in_batches(
        Message,
        condition,
        lambda ids: (
            update(Message)
            .where(Message.id.in_(ids), condition)
            .values(
                to_address="",
                subject="",
                body_text="",
                body_html="",
                personalisation={},
                attachment_name=None,
                attachment_text=None,
            )
        ),
    )
    return {"messages": cleared}


def _apply_people(today: date, years: int) -> dict[str, int]:
    from cohort.privacy.erasure.service import ErasureRefused, erase_person

    ids = [person.id for person in _people_due(today, years)[0]]
    db.session.rollback()
    erased = refused = 0
    for user_id in ids:
        user = db.session.get(User, user_id)
        if user is None:
            continue
        try:
            erase_person(user, reason=f"Retention: {years} years after their last cohort ended", actor=None)
            erased += 1
        except ErasureRefused:
            refused += 1  # erased by another run meanwhile, or now enrolled again
            db.session.rollback()
    return {"people": erased, "people_refused": refused}


def apply(
    now: datetime | None = None, *, started_by: str = "job", config: Mapping[str, Any] | None = None
) -> RetentionRun:
    """Remove what is due at `now`, rule by rule, and record the run (one audit event with the
    counts per rule). Commits."""
    now = now or datetime.now(UTC)
    today = london_date(now)
    counts: dict[str, dict[str, int]] = {}
    counts["sign_in_records"] = _apply_sign_in(now, rule("sign_in_records").amount(config))
    counts["email_log"] = _apply_email(now, rule("email_log").amount(config))
    counts["learning_log_text"] = _apply_learning_log(today, rule("learning_log_text").amount(config))
    counts["personal_details"] = _apply_people(today, rule("personal_details").amount(config))
    totals = {key: sum(v for k, v in parts.items() if k != "people_refused") for key, parts in counts.items()}
    run = RetentionRun(started_at=now, finished_at=datetime.now(UTC), started_by=started_by, counts=counts)
    db.session.add(run)
    db.session.flush()
    summary = "Retention run: " + ", ".join(f"{rule(key).label.lower()} {n}" for key, n in totals.items())
    record(None, "retention", run, summary, after={"counts": counts, "started_by": started_by})
    db.session.commit()
    return run


def last_runs(limit: int = 10) -> list[RetentionRun]:
    return list(
        db.session.scalars(
            select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc()).limit(limit)
        )
    )


__all__ = ["APPLIED_HERE", "CLEARED_ACTIVITY", "Due", "apply", "due_now", "last_runs", "months_before"]
