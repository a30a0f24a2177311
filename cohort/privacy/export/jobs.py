"""Jobs for subject access exports (docs/personal-data.md §2)."""

from __future__ import annotations

from cohort.jobs import crontab, job, periodic_job


@job(retries=1, retry_delay=30)
def build_data_export(export_id: int) -> None:
    from cohort.privacy.export.service import build

    build(export_id)


@periodic_job(crontab(minute="41", hour="*"))
def forget_old_data_exports() -> None:
    from cohort.privacy.export.service import forget_old_exports

    forget_old_exports()
