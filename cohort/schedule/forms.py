"""Forms of the timetable: sessions, cancelling, the standard programme."""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from cohort.concurrency import version_field
from cohort.domain.schedule import SessionKind
from cohort.forms import DayMonthYearField, text_field

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_COMPACT = re.compile(r"^(\d{2})(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_time(text: str) -> time | None:
    """9:30, 09:30, 9.30, 0930, 9:30am, 2pm, 14:00 → a time; anything else → None."""
    text = text.strip().lower().replace(" ", "")
    if match := _COMPACT.match(text):
        hour, minute, suffix = int(match[1]), int(match[2]), None
    elif match := _TIME.match(text):
        hour, minute, suffix = int(match[1]), int(match[2] or 0), match[3]
        if suffix is None and match[2] is None:
            return None  # "9" alone is not clear enough
    else:
        return None
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


class TimeOfDayField(StringField):
    """A time typed as 9:30, 14:00 or 2pm, in London time."""

    def __init__(self, label=None, validators=None, what: str = "Time", **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.what = what
        self.time: time | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()[:20]
        self.time = None
        if self.data:
            self.time = parse_time(self.data)
            if self.time is None:
                raise ValueError(f"{self.what} must be a time of day, like 9:30 or 14:00")

    def process_data(self, value):
        if isinstance(value, time):
            self.time = value
            self.data = value.strftime("%H:%M")
        else:
            super().process_data(value)


def _web_link(form, field):
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in field.data):
        raise ValidationError("Online link must be a web address starting with https://")


class ChoiceField(RadioField):
    """Radios whose "not one of the choices" message says what to do."""

    def __init__(self, label=None, validators=None, invalid: str = "Select an option", **kwargs):
        kwargs.setdefault("widget", GovRadioInput())
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form):
        if not any(match for _, _, match, *_ in self.iter_choices()):
            raise ValidationError(self.invalid)


class PersonField(SelectField):
    """A drop-down of people by id; "" is nobody. Anything not in the list is refused."""

    def __init__(self, label=None, validators=None, invalid: str = "Choose someone from the list", **kwargs):
        kwargs.setdefault("widget", GovSelect())
        super().__init__(label, validators, choices=[], **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        self.data = str(valuelist[0])[:20] if valuelist else ""

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            self.data = ""
            raise ValidationError(self.invalid)


def _year_in_range(form, field):
    """Keeps dates where times and bank holidays make sense (and Python's dates do not overflow)."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(f"Date must be in the years {FIRST_YEAR} to {LAST_YEAR}")


KIND_HINTS = {
    SessionKind.WORKSHOP: "Taught session",
    SessionKind.HACKATHON: "Teams tackle department challenges",
    SessionKind.ETHICS: "Part of the mandatory ethics strand",
    SessionKind.ASSESSMENT: "Skills assessment checkpoint",
    SessionKind.SHOWCASE: "Teams present their work",
    SessionKind.OTHER: "Anything else on the timetable",
}


class SessionForm(FlaskForm):
    kind = ChoiceField(
        "Kind of session",
        choices=[(k.value, k.label) for k in SessionKind],
        validators=[InputRequired("Select the kind of session")],
        invalid="Select the kind of session",
    )
    title = text_field("Title", "Title", "Enter the session title", max_len=120, area=False)
    description = text_field(
        "Description (optional)", "Description", None, max_len=2000, widget=GovCharacterCount()
    )
    day = DayMonthYearField(
        "Date", what="Date", validators=[InputRequired("Enter the date of the session"), _year_in_range]
    )
    start = TimeOfDayField(
        "Start time", what="Start time", validators=[InputRequired("Enter the start time, like 9:30")]
    )
    end = TimeOfDayField(
        "End time", what="End time", validators=[InputRequired("Enter the end time, like 12:30")]
    )
    location = text_field("Location (optional)", "Location", None, max_len=200, area=False)
    online_link = text_field(
        "Online link (optional)", "Online link", None, max_len=500, area=False, extra=[_web_link]
    )
    facilitator = PersonField(
        "Facilitator (optional)", invalid="Choose a facilitator of this cohort from the list"
    )
    mandatory = ChoiceField(
        "Is attendance mandatory?",
        choices=[("yes", "Yes, everyone must attend or catch up"), ("no", "No")],
        validators=[Optional()],
        invalid="Select yes or no",
    )
    confirm = BooleanField("Save it anyway", widget=GovCheckboxInput())
    version = version_field()  # changing a session: the version the page showed (docs/decisions/0004-…)
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def validate_end(self, field):
        # Also checked by the service (with the date, across the clock change); here so the
        # page lists it beside any other problem at once.
        if self.start.time is not None and field.time is not None and field.time <= self.start.time:
            raise ValidationError("End time must be after the start time")

    def is_mandatory(self) -> bool:
        """Ethics sessions are mandatory unless the form says otherwise; others are not."""
        if self.mandatory.data in ("yes", "no"):
            return self.mandatory.data == "yes"
        return SessionKind(self.kind.data).mandatory_by_default


class CancelSessionForm(FlaskForm):
    reason = text_field(
        "Why is it cancelled?",
        "Reason",
        "Enter why the session is cancelled",
        max_len=500,
        widget=GovCharacterCount(),
    )
    submit = SubmitField("Cancel the session", widget=GovSubmitInput())


def _count(value):
    """A count the page showed, or None for anything else (never an error: the service asks again)."""
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 6 else None


class StandardProgrammeForm(FlaskForm):
    confirm = BooleanField("Apply it anyway", widget=GovCheckboxInput())
    # The second confirmation when the cohort already has sessions (docs/rules.md §2.3): the
    # number the page showed, and a box of its own to tick.
    existing = HiddenField(filters=[_count])
    add_beside = BooleanField("Add them beside the sessions it already has", widget=GovCheckboxInput())
    submit = SubmitField("Apply the standard programme", widget=GovSubmitInput())
