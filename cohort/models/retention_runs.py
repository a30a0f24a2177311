"""One row per run of the retention job or command (docs/personal-data.md §3): when, how
started, and how many rows each rule removed. Holds no personal data (counts only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, utcnow


class RetentionRun(Model):
    __tablename__ = "retention_runs"
    __table_args__ = (Index("ix_retention_runs_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(20))  # "job" or "command"
    # Rows removed or cleared per rule key: {"sign_in_records": 12, ...}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1): counts only.
PERSONAL_DATA: tuple[PersonalData, ...] = ()
NOT_PERSONAL: tuple[NotPersonal, ...] = ()
