"""Recording attendance: registers, catch-ups and self check-in, each change audited.

Every write to a session's marks or catch-ups takes the session's row lock first and reads the
marks afresh under it (docs/decisions/0003-concurrent-registers-and-grids.md).

One module per part: common (the refusal, the closed-cohort check, reading marks), registers,
catch_ups and self_check_in. Callers import from here: `from cohort.attendance import service`.
"""

from .catch_ups import record_catch_up
from .common import OPENS_BEFORE_START, AttendanceError, current_marks
from .registers import KEEP, Entry, RegisterConflict, Shown, save_register
from .self_check_in import (
    CODE_ALPHABET,
    CODE_LENGTH,
    DEFAULT_CHECK_IN_MINUTES,
    DEFAULT_LATE_AFTER_MINUTES,
    CheckInOutcome,
    CheckInResult,
    can_open_check_in,
    check_in,
    close_check_in,
    new_code,
    normalise_code,
    open_check_in,
    open_check_in_for,
    recent_wrong_codes,
    wait_minutes,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "DEFAULT_CHECK_IN_MINUTES",
    "DEFAULT_LATE_AFTER_MINUTES",
    "KEEP",
    "OPENS_BEFORE_START",
    "AttendanceError",
    "CheckInOutcome",
    "CheckInResult",
    "Entry",
    "RegisterConflict",
    "Shown",
    "can_open_check_in",
    "check_in",
    "close_check_in",
    "current_marks",
    "new_code",
    "normalise_code",
    "open_check_in",
    "open_check_in_for",
    "recent_wrong_codes",
    "record_catch_up",
    "save_register",
    "wait_minutes",
]
