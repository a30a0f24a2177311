"""Creating and changing cohorts, audited.

Changing a cohort locks its row and checks the version its edit page showed (docs/decisions/
0004-optimistic-edits-and-limits.md): a save over someone else's newer change is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from cohort import concurrency
from cohort.core import audit
from cohort.core.errors import ServiceError
from cohort.extensions import db
from cohort.models import BankHolidayDivision, Cohort, CohortStatus, Role, User

COHORT_AUDIT_FIELDS = (
    "name",
    "slug",
    "description",
    "start_date",
    "length_weeks",
    "capacity",
    "bank_holiday_division",
    "status",
    "min_attendance",
    "require_mandatory",
    "require_hackathon",
    "skills_at_target",
    "facilitator_ids",
)


class CohortError(ServiceError):
    """A cohort change that cannot be made; `field` names the form field at fault."""


@dataclass
class CohortDetails:
    name: str
    start_date: date
    slug: str | None = None
    description: str | None = None
    length_weeks: int = 12
    capacity: int = 25
    bank_holiday_division: BankHolidayDivision = BankHolidayDivision.ENGLAND_AND_WALES
    status: CohortStatus = CohortStatus.PLANNED
    min_attendance: float = 0.80
    require_mandatory: bool = True
    require_hackathon: bool = True
    skills_at_target: float = 1.0
    facilitator_ids: list[int] = field(default_factory=list)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-") or "cohort"


def _snapshot(cohort: Cohort) -> dict:
    data = audit.snapshot(cohort, [f for f in COHORT_AUDIT_FIELDS if f != "facilitator_ids"])
    data["facilitator_ids"] = sorted(f.id for f in cohort.facilitators)
    return data


def _required(value) -> str:
    return "empty" if value is None else ("required" if value else "not required")


# How a refused save names the changes made since the page was opened.
RULE_LABELS = {
    "min_attendance": "the minimum attendance",
    "require_mandatory": "the mandatory sessions rule",
    "require_hackathon": "the hackathon submissions rule",
    "skills_at_target": "the skills at target",
}
COHORT_FORMATS = {
    "min_attendance": concurrency.percent,
    "skills_at_target": concurrency.percent,
    "require_mandatory": _required,
    "require_hackathon": _required,
    "bank_holiday_division": concurrency.label_of({d.value: d.label for d in BankHolidayDivision}),
    "status": concurrency.label_of({s.value: s.label for s in CohortStatus}),
    "facilitator_ids": concurrency.names_of(User, "full_name"),
}
COHORT_DETAILS = concurrency.Tracked(
    title="Someone else changed this cohort after you opened it",
    entity_type="Cohort",
    labels={
        "name": "the name",
        "slug": "the web address name",
        "description": "the description",
        "start_date": "the start date",
        "length_weeks": "the length in weeks",
        "capacity": "the capacity",
        "bank_holiday_division": "the bank holidays",
        "status": "the status",
        "facilitator_ids": "the facilitators",
        **RULE_LABELS,
    },
    values=_snapshot,
    formats=COHORT_FORMATS,
    anchors={"facilitator_ids": "facilitators"},
)


FINISH_ELSEWHERE = (
    "A cohort is finished from its Outcomes page, which records each participant's outcome: "
    "choose another status here"
)


def _check_status_change(details: CohortDetails, cohort: Cohort | None) -> None:
    """Finishing records outcomes (cohort.completion), so it is not a status to pick here; a
    finished cohort is read-only apart from archiving it (outcome corrections have their page)."""
    current = cohort.status if cohort is not None else None
    if details.status == CohortStatus.FINISHED and current != CohortStatus.FINISHED:
        raise CohortError(FINISH_ELSEWHERE, "status")
    if cohort is not None and current is not None and current.closed:
        unchanged = _snapshot(cohort)
        proposed = dict(
            unchanged,
            name=details.name,
            slug=details.slug or cohort.slug,
            description=details.description or None,
            start_date=details.start_date.isoformat(),
            length_weeks=details.length_weeks,
            capacity=details.capacity,
            bank_holiday_division=details.bank_holiday_division.value,
            min_attendance=details.min_attendance,
            require_mandatory=details.require_mandatory,
            require_hackathon=details.require_hackathon,
            skills_at_target=details.skills_at_target,
            facilitator_ids=sorted(details.facilitator_ids),
        )
        if proposed != unchanged or not details.status.closed:
            raise CohortError(
                f"{cohort.name} is {current.value}: its details and rules can no longer change "
                "(it can only be archived). Correct an outcome from its Outcomes page",
                "status",
            )


def _validate(details: CohortDetails, cohort: Cohort | None) -> str:
    _check_status_change(details, cohort)
    if details.start_date.weekday() != 0:
        raise CohortError("Start date must be a Monday", "start_date")
    if not 1 <= details.length_weeks <= 52:
        raise CohortError("Length must be between 1 and 52 weeks", "length_weeks")
    if not 1 <= details.capacity <= 200:
        raise CohortError("Capacity must be between 1 and 200 participants", "capacity")
    slug = details.slug or slugify(details.name)
    others = select(Cohort.id).where(Cohort.id != (cohort.id if cohort else -1))
    if db.session.scalar(others.where(Cohort.name == details.name)) is not None:
        raise CohortError("A cohort with this name already exists", "name")
    if db.session.scalar(others.where(Cohort.slug == slug)) is not None:
        raise CohortError("Another cohort already uses this web address name", "slug")
    return slug


def _facilitators(ids: list[int]) -> list[User]:
    if not ids:
        return []
    people = db.session.scalars(select(User).where(User.id.in_(ids), User.role == Role.FACILITATOR)).all()
    if len(people) != len(set(ids)):
        raise CohortError("Choose facilitators from the list", "facilitators")
    return list(people)


def _apply(cohort: Cohort, details: CohortDetails, slug: str) -> None:
    cohort.name = details.name
    cohort.slug = slug
    cohort.description = details.description or None
    cohort.start_date = details.start_date
    cohort.length_weeks = details.length_weeks
    cohort.capacity = details.capacity
    cohort.bank_holiday_division = details.bank_holiday_division
    cohort.status = details.status
    cohort.min_attendance = details.min_attendance
    cohort.require_mandatory = details.require_mandatory
    cohort.require_hackathon = details.require_hackathon
    cohort.skills_at_target = details.skills_at_target
    cohort.facilitators = _facilitators(details.facilitator_ids)


def create_cohort(actor: User | None, details: CohortDetails, commit: bool = True) -> Cohort:
    slug = _validate(details, None)
    cohort = Cohort()
    _apply(cohort, details, slug)
    db.session.add(cohort)
    db.session.flush()
    audit.record(actor, "create", cohort, f"Created cohort {cohort.name}", after=_snapshot(cohort))
    if commit:
        db.session.commit()
    return cohort


def update_cohort(actor: User, cohort: Cohort, details: CohortDetails, version: str | None = None) -> None:
    """Save the cohort's details. `version`: what its edit page showed (concurrency.StaleEdit when
    the cohort changed since; None is not checked). Commits; on a refusal nothing is written."""
    concurrency.lock(cohort)
    concurrency.check(COHORT_DETAILS, cohort, version, actor)
    slug = _validate(details, cohort)
    before = _snapshot(cohort)
    _apply(cohort, details, slug)
    db.session.flush()
    audit.record(
        actor, "update", cohort, f"Updated cohort {cohort.name}", before=before, after=_snapshot(cohort)
    )
    db.session.commit()
