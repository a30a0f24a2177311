"""Every module that defines jobs, imported by the web app and the worker alike, so a job
queued by one is known to the other by the same name."""

from cohort.jobs import housekeeping  # noqa: F401
from cohort.messages import delivery  # noqa: F401
