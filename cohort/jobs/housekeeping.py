"""Jobs that look after the job system itself."""

from __future__ import annotations

from cohort.jobs import crontab, periodic_job
from cohort.jobs.runs import forget_old_runs


@periodic_job(crontab(minute="17", hour="3"))
def forget_old_job_runs() -> None:
    forget_old_runs()
