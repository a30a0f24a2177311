"""Forms of attendance: the register (its rows are read by hand, one per person),
catch-ups, opening a check-in and entering a check-in code."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from cohort.forms import DayMonthYearField, text_field, whole_number_field

NOTE_MAX = 500


class RegisterForm(FlaskForm):
    """Only the CSRF token and the buttons: the marks and notes are one pair of fields per
    person, named mark-<enrolment id> and note-<enrolment id>, read in routes.py."""

    save = SubmitField("Save register", widget=GovSubmitInput())
    all_present = SubmitField("Mark everyone not yet marked as present", widget=GovSubmitInput())


class CatchUpForm(FlaskForm):
    what_was_done = text_field(
        "What was done to catch up?",
        "What was done",
        "Enter what was done to catch up",
        max_len=2000,
        widget=GovCharacterCount(),
        hint="For example: watched the recording and discussed the module with Tom Gallagher",
    )
    completed_on = DayMonthYearField(
        "When was it done?",
        what="Date",
        validators=[InputRequired("Enter the date the catch-up was done")],
    )
    submit = SubmitField("Save catch-up", widget=GovSubmitInput())


class OpenCheckInForm(FlaskForm):
    minutes = whole_number_field(
        "Keep it open for (minutes)",
        "Minutes open",
        required="Enter how many minutes to keep the check-in open",
        low=1,
        high=240,
        out_of_range="Keep the check-in open for between 1 and 240 minutes",
        default=15,
    )
    late_after_minutes = whole_number_field(
        "Late after (minutes from the start)",
        "Late after",
        required="Enter after how many minutes people are marked late",
        low=0,
        high=480,
        out_of_range="Late after must be between 0 and 480 minutes",
        default=10,
    )
    submit = SubmitField("Open check-in", widget=GovSubmitInput())


class CheckInCodeForm(FlaskForm):
    code = text_field(
        "Check-in code",
        "Check-in code",
        "Enter the check-in code shown by your facilitator",
        max_len=20,
        area=False,
    )
    submit = SubmitField("Check in", widget=GovSubmitInput())
