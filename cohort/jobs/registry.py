"""Every module that defines jobs, imported by the web app and the worker alike, so a job
queued by one is known to the other by the same name."""

from cohort.attendance import reminders  # noqa: F401 - registers not taken
from cohort.auth import jobs as auth_jobs  # noqa: F401 - sessions past their time
from cohort.auth import messages as auth_messages  # noqa: F401 - invitations, password resets
from cohort.completion import messages as completion_messages  # noqa: F401 - at risk, certificates
from cohort.hackathons import messages as hackathon_messages  # noqa: F401 - teams, results
from cohort.jobs import housekeeping  # noqa: F401
from cohort.messages import delivery  # noqa: F401
from cohort.privacy.export import jobs as export_jobs  # noqa: F401 - subject access exports
from cohort.privacy.retention import jobs as retention_jobs  # noqa: F401 - personal data past its time
from cohort.reports import jobs as report_jobs  # noqa: F401 - report PDFs
from cohort.schedule import messages as schedule_messages  # noqa: F401 - reminders, changes
