"""The nightly retention job (docs/personal-data.md §3)."""

from __future__ import annotations

from flask import current_app

from cohort.jobs import crontab, periodic_job


@periodic_job(crontab(minute="41", hour="3"))
def apply_retention() -> None:
    from cohort.privacy.retention.service import apply

    apply(started_by="job", config=current_app.config)
