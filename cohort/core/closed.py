"""A finished (or archived) cohort is read-only (docs/rules.md §2.3; docs/architecture.md §6):
its sessions, attendance, skills, learning logs and hackathons no longer change. Only audited
outcome corrections (cohort.completion.service.override) and archiving (the cohort's own edit
page) still do.

Each service asks `closed_reason` before it changes anything and raises its own error class
with the message, so the pages show it the way they show any other refusal. The rule and its
wording live here.
"""

from __future__ import annotations

import re
from typing import cast

from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Cohort, CohortStatus


def _called(name: str) -> str:
    """Says "AI Accelerator — Pilot cohort", but leaves "AI Accelerator — Cohort 1" as it is."""
    return name if re.search(r"\bcohort\b", name, re.IGNORECASE) else f"{name} cohort"


def closed_reason(cohort: Cohort, what: str, *, lock: bool = False) -> str | None:
    """Why `what` (e.g. "its sessions") of the cohort can no longer change, or None while it is open:
    "AI Accelerator — Pilot cohort is finished: its sessions can no longer change".

    With `lock`, the status is read afresh inside the current transaction with a share lock on
    the cohort's row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so the
    cohort cannot be finished (which takes its row lock) until the change is committed.
    """
    status = cohort.status
    if lock:
        # The cohort's own row: it is there.
        status = cast(
            CohortStatus,
            db.session.scalar(select(Cohort.status).where(Cohort.id == cohort.id).with_for_update(read=True)),
        )
    if not status.closed:
        return None
    return f"{_called(cohort.name)} is {status.value}: {what} can no longer change"


def closed_notice(cohort: Cohort | None, what: str) -> str | None:
    """For pages: "This cohort is finished: its sessions can no longer change.", or None while open."""
    if cohort is None or not cohort.status.closed:
        return None
    return f"This cohort is {cohort.status.value}: {what} can no longer change."
