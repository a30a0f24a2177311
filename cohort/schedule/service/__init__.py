"""A cohort's timetable: the changes to it, each audited (docs/rules.md §2.5, §11).

One module per part: sessions (adding, changing, cancelling and reinstating a session, and the
checks before each), programme (planning and applying the standard programme) and
calendar_feeds (a person's secret calendar link). Callers import from here:
`from cohort.schedule import service`.
"""

from .calendar_feeds import regenerate_calendar_feed, revoke_calendar_feed
from .programme import apply_standard_programme, plan_for, programme_warnings, session_count
from .sessions import (
    SESSION,
    SESSION_AUDIT_FIELDS,
    NeedsConfirmation,
    ScheduleError,
    ScheduleWarning,
    SessionDetails,
    cancel_session,
    check,
    clashes,
    cohort_last_day,
    create_session,
    facilitator_choices,
    holiday_on,
    reinstate_session,
    sessions_of,
    snapshot,
    update_session,
    watched,
)

__all__ = [
    "SESSION",
    "SESSION_AUDIT_FIELDS",
    "NeedsConfirmation",
    "ScheduleError",
    "ScheduleWarning",
    "SessionDetails",
    "apply_standard_programme",
    "cancel_session",
    "check",
    "clashes",
    "cohort_last_day",
    "create_session",
    "facilitator_choices",
    "holiday_on",
    "plan_for",
    "programme_warnings",
    "regenerate_calendar_feed",
    "reinstate_session",
    "revoke_calendar_feed",
    "session_count",
    "sessions_of",
    "snapshot",
    "update_session",
    "watched",
]
