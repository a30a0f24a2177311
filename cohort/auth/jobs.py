"""Sign-in housekeeping (docs/sign-in.md, Sessions)."""

from __future__ import annotations

from cohort.auth.sessions import end_expired_sessions
from cohort.jobs import crontab, periodic_job


@periodic_job(crontab(minute="23", hour="3"))
def forget_expired_sessions() -> None:
    end_expired_sessions()
