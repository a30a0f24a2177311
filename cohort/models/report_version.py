"""The version of the data behind the programme-wide figures (docs/architecture.md §10).

One row, changed in the same transaction as every write that could change a figure (marks,
catch-ups, assessments, overrides, enrolments, sessions, cohorts and their rules, teams and
submissions, people and departments): `cohort/reports/summary.py` keeps the figures it worked
out for a stamp and works them out again when the stamp has changed.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cohort.extensions import Model


class ReportVersion(Model):
    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(Integer, default=0)  # writes counted, for people reading it
    stamp: Mapped[str] = mapped_column(String(32))  # new and unique at every change (uuid4 hex)
