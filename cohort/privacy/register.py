"""The register of personal data (docs/personal-data.md §1).

Each models module declares, beside its models, a module-level ``PERSONAL_DATA`` tuple
of ``PersonalData`` entries (one per table holding personal data) and, where a column
looks personal but is not (a cohort's name), ``NOT_PERSONAL`` entries with the reason.
This module collects them; the privacy notice page, the subject access export, erasure
and the retention job all read the same register, so none can drift from the models.

How a row is about a person (``subject``): each entry is one of
- ``"user:<column>"``: the column holds the person's ``users.id``;
- ``"enrolment:<column>"``: the column holds the id of one of the person's enrolments;
- ``"email:<column>"``: the column holds the person's e-mail address (sign-in attempts);
- ``"via:<name>"``: a path the export and erasure compute in code (for example a
  submission is about each member of its team), named here and resolved in
  ``cohort/privacy/subject.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalData:
    table: str
    columns: tuple[str, ...]  # columns holding personal data
    purpose: str  # why Cohort holds it, plain English, shown on the privacy notice
    retention: str  # key of a rule in cohort.privacy.rules.RETENTION_RULES
    subject: tuple[str, ...]  # how a row is about a person (see the module docstring)
    description: str = ""  # what a row is, for the export's README: "One row per session you attended"


@dataclass(frozen=True)
class NotPersonal:
    table: str
    column: str
    reason: str


def personal_data_register() -> tuple[PersonalData, ...]:
    """Every declaration from every models module, in table order. Filled in by the
    register work; the export, erasure and retention call this."""
    return ()
