"""The per-table work of an erasure (docs/personal-data.md §4): what is scrubbed, what is
removed and what is kept as an anonymous row, table by table.

Every function runs inside the erasure's transaction and returns how many rows it changed;
`service.erase_person` calls them in order and commits once. `HANDLED` says, for every table
the register declares (docs/personal-data.md §1), which of the three erasure does and why, so
the completeness test can check that no declared table is left out.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update

from cohort.extensions import db
from cohort.models import (
    ApiToken,
    Assessment,
    AttendanceMark,
    AuditEvent,
    CalendarFeed,
    CatchUp,
    Certificate,
    CheckInAttempt,
    EmailPreference,
    Enrolment,
    JobRun,
    LearningLogComment,
    LearningLogEntry,
    Message,
    OutcomeOverride,
    RecoveryCode,
    ReportPdf,
    SecondFactor,
    SignInAttempt,
    SignInIdentity,
    Submission,
    TeamMember,
    User,
    UserSession,
)
from cohort.models.base import utcnow

ERASED = "[erased]"
ERASED_NAME = "Erased person"
REVOKED_REASON = "Erased at the person's request"
MIN_NEEDLE = 4  # shorter free-text values are not searched for elsewhere ("yes", "n/a")

# What erasure does with each table of the register: "scrubbed" (personal columns replaced or
# cleared, the row kept so figures stay the same), "removed" (rows deleted), or "kept" (kept
# as they are, with the reason: nothing in them is about the person once the rest is done).
HANDLED: dict[str, tuple[str, str]] = {
    "users": ("scrubbed", "name and e-mail replaced by a tombstone; job title and password cleared"),
    "enrolments": ("scrubbed", "job title and withdrawal reason cleared; status, dates, outcome kept"),
    "outcome_overrides": ("scrubbed", "reason replaced; the outcome kept so figures stay the same"),
    "attendance_marks": ("scrubbed", "notes cleared; the marks kept so attendance figures stay the same"),
    "catch_ups": ("scrubbed", "what was done replaced; the catch-up kept: it counts towards completion"),
    "check_in_attempts": ("removed", "sign-in records"),
    "assessments": ("scrubbed", "evidence and its link cleared; levels kept for progress figures"),
    "learning_log_entries": ("scrubbed", "activity, reflection and link cleared; dates and hours kept"),
    "learning_log_comments": ("removed", "comments on the person's entries"),
    "submissions": ("scrubbed", "text cleared where the person's team had only them"),
    "team_members": ("kept", "a membership row names no one: an enrolment id only"),
    "scores": ("kept", "judges' scores of a team's submission: numbers, and the judge's own comment"),
    "certificates": ("scrubbed", "revoked; the public check says no longer available"),
    "sign_in_attempts": ("removed", "sign-in records"),
    "user_sessions": ("removed", "sign-in records"),
    "sign_in_identities": ("removed", "single sign-on identities"),
    "second_factors": ("removed", "second-factor secret"),
    "recovery_codes": ("removed", "recovery codes"),
    "api_tokens": ("removed", "API tokens"),
    "calendar_feeds": ("removed", "calendar feed link"),
    "email_preferences": ("removed", "e-mail preferences"),
    "messages": ("scrubbed", "address, subject, bodies and attachment cleared; name removed elsewhere"),
    "job_runs": ("scrubbed", "name and e-mail removed from what a job was about"),
    "report_pdfs": ("removed", "stored PDFs are rebuilt on demand without the name"),
    "audit_events": ("scrubbed", "ids, times and actions kept; personal values replaced by [erased]"),
    "data_exports": ("removed", "the person's subject access exports"),
    "subject_access_exports": ("removed", "the person's subject access exports"),
    "erasures": ("kept", "the record of the erasure: ids, when and the manager's reason, no personal value"),
    "check_ins": ("kept", "who opened a check-in: a user id only, the name is gone from users"),
    "challenges": (
        "scrubbed",
        "the person's name or e-mail taken out of the contact; proposer kept as an id",
    ),
    "hackathon_settings": ("kept", "who published results: a user id only"),
    "teams": ("scrubbed", "a team named after the person is renamed 'Team <id>'; creator kept as an id"),
    "hackathon_judges": ("kept", "a judge is a user id only; their scores stay for the teams' results"),
    "cohort_facilitators": ("kept", "a facilitator is a user id only"),
    "sessions": ("scrubbed", "the person's name taken out of a cancellation reason; ids kept"),
}


class Needles:
    """The strings that must not survive anywhere: name, e-mail and the free text cleared."""

    def __init__(self, name: str, email: str) -> None:
        self.values: set[str] = {name, email}

    def add(self, *values: Any) -> None:
        for value in values:
            if isinstance(value, str) and len(value.strip()) >= MIN_NEEDLE:
                self.values.add(value.strip())

    def pattern(self) -> re.Pattern[str]:
        # As typed, as an HTML page or e-mail writes it (O&#39;Brien) and as JSON escapes it.
        forms = {f for v in self.values for f in (v, html.escape(v), json.dumps(v)[1:-1])}
        ordered = sorted(forms, key=len, reverse=True)  # longest first: a name inside a text
        return re.compile("|".join(re.escape(v) for v in ordered), re.IGNORECASE)


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def scrub_enrolments(enrolment_ids: Sequence[int], needles: Needles) -> dict[str, int]:
    counts: dict[str, int] = {}
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.id.in_(enrolment_ids))):
        needles.add(enrolment.job_title, enrolment.withdrawal_reason)
        enrolment.job_title = None
        if enrolment.withdrawal_reason is not None:
            enrolment.withdrawal_reason = ERASED  # the check constraint needs a reason when withdrawn
    counts["enrolments"] = len(enrolment_ids)

    for model, columns in (
        (OutcomeOverride, ("reason",)),
        (AttendanceMark, ("note",)),
        (CatchUp, ("what_was_done",)),
        (Assessment, ("evidence", "evidence_link")),
        (LearningLogEntry, ("activity", "reflection", "link")),
    ):
        rows = list(db.session.scalars(select(model).where(model.enrolment_id.in_(enrolment_ids))))
        for row in rows:
            for column in columns:
                needles.add(getattr(row, column))
        counts[model.__tablename__] = len(rows)
    ids = select(LearningLogEntry.id).where(LearningLogEntry.enrolment_id.in_(enrolment_ids))
    for comment in db.session.scalars(select(LearningLogComment).where(LearningLogComment.entry_id.in_(ids))):
        needles.add(comment.body)

    db.session.execute(
        update(OutcomeOverride).where(OutcomeOverride.enrolment_id.in_(enrolment_ids)).values(reason=ERASED)
    )
    db.session.execute(
        update(AttendanceMark).where(AttendanceMark.enrolment_id.in_(enrolment_ids)).values(note=None)
    )
    db.session.execute(
        update(CatchUp).where(CatchUp.enrolment_id.in_(enrolment_ids)).values(what_was_done=ERASED)
    )
    db.session.execute(
        update(Assessment)
        .where(Assessment.enrolment_id.in_(enrolment_ids))
        .values(evidence=None, evidence_link=None)
    )
    counts["learning_log_comments"] = _count(
        db.session.execute(delete(LearningLogComment).where(LearningLogComment.entry_id.in_(ids)))
    )
    # Rows kept (dates and hours), text gone: the department figures count entries and hours.
    db.session.execute(
        update(LearningLogEntry)
        .where(LearningLogEntry.enrolment_id.in_(enrolment_ids))
        .values(activity=ERASED, reflection=None, link=None)
    )
    counts["submissions"] = _scrub_own_submissions(enrolment_ids, needles)
    counts["certificates"] = _revoke_certificates(enrolment_ids)
    return counts


SUBMISSION_TEXT = ("summary", "data_used", "who_could_be_harmed", "bias_checked", "human_decides")


def _scrub_own_submissions(enrolment_ids: Sequence[int], needles: Needles) -> int:
    """A submission is the team's: its text is cleared only where the team had the person alone."""
    team_ids = select(TeamMember.team_id).where(TeamMember.enrolment_id.in_(enrolment_ids))
    changed = 0
    for submission in db.session.scalars(select(Submission).where(Submission.team_id.in_(team_ids))):
        members = db.session.scalars(
            select(TeamMember.enrolment_id).where(TeamMember.team_id == submission.team_id)
        ).all()
        if any(member not in enrolment_ids for member in members):
            continue
        needles.add(*(getattr(submission, column) for column in SUBMISSION_TEXT))
        needles.add(submission.repository_link, submission.demo_link)
        for column in SUBMISSION_TEXT:
            setattr(submission, column, ERASED)
        submission.repository_link = None
        submission.demo_link = None
        changed += 1
    return changed


def _revoke_certificates(enrolment_ids: Sequence[int]) -> int:
    result = db.session.execute(
        update(Certificate)
        .where(Certificate.enrolment_id.in_(enrolment_ids), Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=REVOKED_REASON)
    )
    return _count(result)


def remove_sign_in_records(user: User, email: str) -> dict[str, int]:
    counts = {
        "sign_in_attempts": _count(
            db.session.execute(delete(SignInAttempt).where(SignInAttempt.email == email))
        ),
    }
    for model in (
        CheckInAttempt,
        UserSession,
        SignInIdentity,
        SecondFactor,
        RecoveryCode,
        ApiToken,
        CalendarFeed,
        EmailPreference,
    ):
        result = db.session.execute(delete(model).where(model.user_id == user.id))
        counts[model.__tablename__] = _count(result)
    counts.update(_remove_exports(user))
    return counts


def _remove_exports(user: User) -> dict[str, int]:
    """The person's subject access exports (docs/personal-data.md §2), whatever their table is
    called when the export work lands: every row about the person or asked for them."""
    counts: dict[str, int] = {}
    for name in ("data_exports", "subject_access_exports"):
        table = db.metadata.tables.get(name)
        if table is None:
            continue
        about = [table.c[c] == user.id for c in ("user_id", "subject_id", "person_id") if c in table.c]
        if about:
            from sqlalchemy import or_

            counts[name] = _count(db.session.execute(delete(table).where(or_(*about))))
    return counts


def scrub_messages(user: User, needles: Needles, tombstone: str) -> int:
    """Messages to the person lose address, subject and bodies; the person's name and free text are
    taken out of any other message (a facilitator's weekly note that names them)."""
    pattern = needles.pattern()
    changed = 0
    for message in db.session.scalars(select(Message)).yield_per(500):
        if message.recipient_id == user.id:
            message.to_address = tombstone
            message.subject = ERASED
            message.body_text = ERASED
            message.body_html = ERASED
            message.personalisation = {}
            message.attachment_text = None
            changed += 1
            continue
        texts = (
            message.to_address,
            message.subject,
            message.body_text,
            message.body_html,
            message.attachment_text,
        )
        if any(t and pattern.search(t) for t in texts) or _mentions(message.personalisation, pattern):
            message.subject = pattern.sub(ERASED, message.subject)[:200]
            message.body_text = pattern.sub(ERASED, message.body_text)
            message.body_html = pattern.sub(ERASED, message.body_html)
            if message.attachment_text:
                message.attachment_text = pattern.sub(ERASED, message.attachment_text)
            if pattern.search(message.to_address):
                message.to_address = tombstone
            message.personalisation = _replace(message.personalisation, pattern)
            changed += 1
    return changed


def scrub_job_runs(needles: Needles) -> int:
    pattern = needles.pattern()
    changed = 0
    for run in db.session.scalars(select(JobRun).where(JobRun.about.is_not(None))):
        if run.about and pattern.search(run.about):
            run.about = pattern.sub(ERASED, run.about)[:200]
            changed += 1
    return changed


def scrub_other_texts(needles: Needles) -> int:
    """The person's name, e-mail or text where staff wrote it: a challenge's contact, a team's
    name, a session's cancellation reason (docs/personal-data.md §4)."""
    from cohort.models import Challenge, Session, Team

    pattern = needles.pattern()
    changed = 0
    for challenge in db.session.scalars(select(Challenge).where(Challenge.contact.is_not(None))):
        if challenge.contact and pattern.search(challenge.contact):
            challenge.contact = pattern.sub(ERASED, challenge.contact)[:200]
            changed += 1
    for team in db.session.scalars(select(Team)):
        if pattern.search(team.name):
            team.name = f"Team {team.id}"
            changed += 1
    for session in db.session.scalars(select(Session).where(Session.cancellation_reason.is_not(None))):
        if session.cancellation_reason and pattern.search(session.cancellation_reason):
            session.cancellation_reason = pattern.sub(ERASED, session.cancellation_reason)
            changed += 1
    return changed


def remove_report_pdfs() -> int:
    """Stored report PDFs may print the name: removed, and rebuilt on demand without it."""
    return _count(db.session.execute(delete(ReportPdf)))


def _mentions(value: Any, pattern: re.Pattern[str]) -> bool:
    if isinstance(value, str):
        return bool(pattern.search(value))
    if isinstance(value, dict):
        return any(_mentions(v, pattern) or _mentions(k, pattern) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_mentions(v, pattern) for v in value)
    return False


def _replace(value: Any, pattern: re.Pattern[str], keys: frozenset[str] = frozenset()) -> Any:
    """The value with the person's strings replaced, and every string under one of `keys` (their
    free text, in an event about one of their own records, earlier versions included)."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {
            k: (ERASED if k in keys and isinstance(v, str) and v else _replace(v, pattern, keys))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replace(v, pattern, keys) for v in value]
    return value


# In an audit event about one of the person's own records, these keys hold what they (or staff
# about them) wrote: replaced whatever their value was then.
FREE_TEXT_KEYS = frozenset(
    {
        "full_name", "email", "job_title", "withdrawal_reason", "reason", "note", "what_was_done",
        "evidence", "evidence_link", "activity", "reflection", "link", "body", "title", "summary",
        "repository_link", "demo_link", *SUBMISSION_TEXT,
    }
)  # fmt: skip


def audit_rewrites(own: dict[str, set[int]], needles: Needles) -> Iterable[tuple[int, dict[str, Any]]]:
    """(event id, new values) for each audit event that holds a personal value of the person.
    Ids, times, actions, entity and actor are never changed (docs/decisions/0005)."""
    pattern = needles.pattern()
    rows = db.session.execute(
        select(
            AuditEvent.id,
            AuditEvent.entity_type,
            AuditEvent.entity_id,
            AuditEvent.summary,
            AuditEvent.before,
            AuditEvent.after,
        )  # fmt: skip
    ).all()
    for event_id, entity_type, entity_id, summary, before, after in rows:
        about_own = entity_id is not None and entity_id in own.get(entity_type, set())
        keys = FREE_TEXT_KEYS if about_own else frozenset()
        values: dict[str, Any] = {}
        new_summary = pattern.sub(ERASED, summary or "")
        if new_summary != summary:
            values["summary"] = new_summary
        for key, value in (("before", before), ("after", after)):
            if value is None:
                continue
            new = _replace(value, pattern, keys)
            if new != value:
                values[key] = new
        if values:
            yield event_id, values
