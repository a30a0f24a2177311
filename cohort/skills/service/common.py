"""What the skills service's parts share: the refusal, and the check that a finished or archived
cohort's skills, assessments and learning logs no longer change."""

from __future__ import annotations

from cohort.core.closed import closed_reason
from cohort.core.errors import ServiceError
from cohort.models import Cohort


class SkillError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


def _check_open(cohort: Cohort, what: str, field: str | None = None) -> None:
    """A finished or archived cohort's skills, assessments and learning logs no longer change
    (status read in this transaction)."""
    if reason := closed_reason(cohort, what, lock=True):
        raise SkillError(reason, field)
