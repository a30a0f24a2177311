from flask import Blueprint

from cohort.domain.times import clock_time, long_day, time_range

bp = Blueprint("schedule", __name__, template_folder="templates")

# Shown by the timetable's pages and by others that show sessions (macros/sessions.html).
bp.add_app_template_filter(clock_time)
bp.add_app_template_filter(long_day)
bp.add_app_template_filter(time_range)

from cohort.schedule import routes  # noqa: E402,F401
