"""Changing completion: the cohort's rule settings, overrides of one outcome, and finishing a
cohort, each audited and each in one transaction (docs/rules.md §5; docs/architecture.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from cohort import concurrency
from cohort.cohorts.service import COHORT_FORMATS, RULE_LABELS
from cohort.core import audit
from cohort.core.errors import ServiceError
from cohort.domain.completion import FINAL_OUTCOMES, Outcome, Standing, final_outcome
from cohort.domain.formatting import plural
from cohort.extensions import db
from cohort.models import (
    Cohort,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    FinalOutcome,
    OutcomeOverride,
    User,
)
from cohort.text import invisible_characters

from .messages import department_reports_ready
from .queries import cohort_outcomes

MAX_REASON = 2000
SETTINGS = ("min_attendance", "require_mandatory", "require_hackathon", "skills_at_target", "at_risk_emails")


class CompletionError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


def is_closed(cohort: Cohort) -> bool:
    return cohort.status.closed


def _lock(cohort: Cohort) -> Cohort:
    """Take the cohort's row lock for the rest of the transaction (PostgreSQL), and re-read it."""
    return db.session.execute(
        select(Cohort)
        .where(Cohort.id == cohort.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


# Settings ------------------------------------------------------------------------------

# The completion rules page's version (docs/decisions/0004-optimistic-edits-and-limits.md): only
# the rules count, so a change of the cohort's name does not refuse a save of its rules.
COMPLETION_RULES = concurrency.Tracked(
    title="Someone else changed the completion rules after you opened them",
    entity_type="Cohort",
    labels={**RULE_LABELS, "at_risk_emails": "the weekly at-risk e-mails"},
    values=lambda cohort: audit.snapshot(cohort, SETTINGS),
    formats={**COHORT_FORMATS, "at_risk_emails": lambda value: "on" if value else "off"},
)


@dataclass(frozen=True)
class Settings:
    min_attendance: int  # whole percentage
    require_mandatory: bool
    require_hackathon: bool
    skills_at_target: int  # whole percentage
    at_risk_emails: bool = True  # the weekly at-risk e-mails (docs/messages.md)


def update_settings(actor: User, cohort: Cohort, settings: Settings, version: str | None = None) -> bool:
    """Save the completion rules; returns whether anything changed. Outcomes are worked out when
    shown, so they follow at once. `version`: what the page showed (concurrency.StaleEdit when
    the rules changed since; None is not checked)."""
    for name in ("min_attendance", "skills_at_target"):
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise CompletionError("Enter a whole percentage from 0 to 100", name)
    cohort = _lock(cohort)
    if is_closed(cohort):
        raise CompletionError(
            f"{cohort.name} is {cohort.status.value}: its completion rules can no longer change"
        )
    concurrency.check(COMPLETION_RULES, cohort, version, actor)
    before = audit.snapshot(cohort, SETTINGS)
    cohort.min_attendance = settings.min_attendance / 100
    cohort.require_mandatory = bool(settings.require_mandatory)
    cohort.require_hackathon = bool(settings.require_hackathon)
    cohort.skills_at_target = settings.skills_at_target / 100
    cohort.at_risk_emails = bool(settings.at_risk_emails)
    after = audit.snapshot(cohort, SETTINGS)
    changed = before != after
    audit.record(
        actor, "update", cohort, f"Changed the completion rules of {cohort.name}", before=before, after=after
    )
    db.session.commit()
    return changed


# Overrides -----------------------------------------------------------------------------


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CompletionError("Enter the reason for the override", "reason")
    if len(reason) > MAX_REASON:
        raise CompletionError(f"Reason must be {MAX_REASON} characters or fewer", "reason")
    if invisible_characters(reason.replace("\n", "").replace("\r", "")) or "\t" in reason:
        raise CompletionError("Reason must not contain invisible or control characters", "reason")
    return reason


def override(actor: User, enrolment: Enrolment, outcome: Outcome | str, reason: str, at: datetime) -> None:
    """Replace the outcome the rules give one enrolment, with a written reason (audited).

    Before the cohort is finished this is the decision that finishing will record; afterwards it
    is a correction of the recorded outcome, which changes at once.
    """
    reason = check_reason(reason)
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise CompletionError("Select completed or not completed", "outcome") from None
    if outcome not in FINAL_OUTCOMES:
        raise CompletionError("Select completed or not completed", "outcome")
    cohort = _lock(enrolment.cohort)
    db.session.refresh(enrolment)
    if enrolment.status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.TRANSFERRED):
        raise CompletionError(
            f"{enrolment.user.full_name} has {enrolment.status.label.lower()}: there is no outcome to override"
        )
    if cohort.status == CohortStatus.ARCHIVED:
        raise CompletionError(f"{cohort.name} is archived: its outcomes can no longer change")
    finished = cohort.status == CohortStatus.FINISHED
    if not finished and not cohort_outcomes(cohort, at).over:
        raise CompletionError(
            f"Outcomes can be overridden once the cohort’s last session has ended "
            f"({cohort.end_date.day} {cohort.end_date:%B %Y} at the earliest)"
        )
    record = db.session.scalar(select(OutcomeOverride).where(OutcomeOverride.enrolment_id == enrolment.id))
    before = {
        "status": enrolment.status.value,
        "override_outcome": record.outcome.value if record else None,
        "override_reason": record.reason if record else None,
    }
    if record is None:
        record = OutcomeOverride(enrolment_id=enrolment.id)
        db.session.add(record)
    record.outcome = FinalOutcome(outcome.value)
    record.reason = reason
    record.by_id = actor.id
    record.at = at
    if finished:
        enrolment.status = EnrolmentStatus(outcome.value)
    after = {
        "status": enrolment.status.value,
        "override_outcome": outcome.value,
        "override_reason": reason,
    }
    kind = "Corrected the recorded outcome" if finished else "Overrode the outcome"
    audit.record(
        actor,
        "correct outcome" if finished else "override outcome",
        enrolment,
        f"{kind} of {enrolment.user.full_name} in {cohort.name} to {outcome.label.lower()}: {reason}",
        before=before,
        after=after,
    )
    if finished:
        from cohort.records.service import follow_outcome  # here: the records pages import this module

        follow_outcome(actor, enrolment, at, reason)  # issue or revoke the certificate with it
    db.session.commit()


# Finishing -------------------------------------------------------------------------------


def _reasons(standing: Standing) -> list[dict]:
    return [
        {
            "rule": c.rule,
            "title": c.title,
            "state": c.state.value,
            "reason": c.reason,
            "details": list(c.details),
        }
        for c in standing.checks
    ]


def finish(actor: User, cohort: Cohort, at: datetime) -> dict[Outcome, int]:
    """Record each active enrolment as completed or not completed (its override if any, else the
    rules' outcome), with the reasons as they stand, and mark the cohort finished: all or nothing."""
    cohort = _lock(cohort)
    if is_closed(cohort):
        raise CompletionError(f"{cohort.name} is already {cohort.status.value}")
    found = cohort_outcomes(cohort, at)
    if not found.over and all(s.cancelled for s in found.facts.sessions):
        # docs/rules.md §5.2: with no sessions, the programme is over the day after its last day.
        raise CompletionError(
            f"{cohort.name} has no sessions: it can be finished from the day after its last day "
            f"({cohort.end_date.day} {cohort.end_date:%B %Y})"
        )
    if not found.over:
        raise CompletionError(
            f"{cohort.name} cannot be finished before its last session has ended "
            f"({cohort.end_date.day} {cohort.end_date:%B %Y} at the earliest)"
        )
    waiting = [r for r in found.to_record if r.standing.figures is not None and r.standing.figures.waiting]
    if waiting:
        # docs/rules.md §3.2: a register still open would be closed for good by finishing.
        people = plural(len(waiting), "person has", "people have")
        raise CompletionError(
            f"{people} a session waiting for the register. Take the register, or finish the cohort "
            "once its register deadline has passed"
        )
    counts = dict.fromkeys(FINAL_OUTCOMES, 0)
    for row in found.to_record:
        enrolment, standing = row.enrolment, row.standing
        outcome = final_outcome(standing)
        counts[outcome] += 1
        enrolment.status = EnrolmentStatus(outcome.value)
        enrolment.outcome_recorded_at = at
        enrolment.outcome_reasons = _reasons(standing)
        why = f" (override: {standing.override.reason})" if standing.override is not None else ""
        audit.record(
            actor,
            "record outcome",
            enrolment,
            f"Recorded {enrolment.user.full_name} as {outcome.label.lower()} in {cohort.name}{why}",
            before={"status": EnrolmentStatus.ACTIVE.value},
            after={"status": outcome.value},
        )
    from cohort.records.service import issue_certificates  # here: the records pages import this module

    issue_certificates(actor, cohort, at)  # certificates for the completers, in the same transaction
    department_reports_ready(cohort)  # each department's sponsors, once (docs/messages.md)
    before = {"status": cohort.status.value}
    cohort.status = CohortStatus.FINISHED
    audit.record(
        actor,
        "finish",
        cohort,
        f"Finished {cohort.name}: {counts[Outcome.COMPLETED]} completed, "
        f"{counts[Outcome.NOT_COMPLETED]} not completed",
        before=before,
        after={"status": cohort.status.value},
    )
    db.session.commit()
    return counts
