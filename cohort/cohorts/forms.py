from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from cohort.completion.forms import (
    minimum_attendance_field,
    require_hackathon_field,
    require_mandatory_field,
    skills_at_target_field,
)
from cohort.concurrency import version_field
from cohort.domain.cohort_stage import open_statuses
from cohort.forms import DayMonthYearField, strip_filter, text_field, whole_number_field
from cohort.models import BankHolidayDivision, CohortStatus

STATUS_LABELS = {
    "planned": "Planned",
    "open": "Open (taking nominations)",
    "running": "Running",
    "finished": "Finished",
    "archived": "Archived",
}


def status_choices(stored: str) -> list[tuple[str, str]]:
    """Only the statuses allowed now (docs/rules.md §2.3): finishing has its own page."""
    return [(s, STATUS_LABELS[s]) for s in open_statuses(stored)]


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _monday(form, field):
    if field.data is not None and field.data.weekday() != 0:
        raise ValidationError(
            f"Start date must be a Monday ({field.data.day} {field.data:%B %Y} is a {field.data:%A})"
        )


def _known_status(form, field):
    if field.data not in STATUS_LABELS:
        raise ValidationError("Not a valid choice")


def _slug(form, field):
    if field.data and not SLUG_PATTERN.match(field.data):
        raise ValidationError("Web address name must use only lower-case letters, numbers and single hyphens")


class CohortForm(FlaskForm):
    name = text_field("Cohort name", "Cohort name", "Enter the cohort name", max_len=120, area=False)
    slug = StringField(
        "Web address name (optional)",
        widget=GovTextInput(),
        filters=[strip_filter, lambda v: v.lower() if isinstance(v, str) else v],
        validators=[
            Optional(),
            Length(max=80, message="Web address name must be 80 characters or fewer"),
            _slug,
        ],
        description="Used in links, for example ai-accelerator-cohort-2. Leave empty to make one from the name.",
    )
    description = text_field(
        "Description (optional)", "Description", None, max_len=2000, widget=GovCharacterCount()
    )
    start_date = DayMonthYearField(
        "Start date",
        what="Start date",
        validators=[InputRequired("Enter the start date, a Monday"), _monday],
        description="The Monday of week 1, for example 7 9 2026",
    )
    length_weeks = whole_number_field(
        "Length in weeks",
        "Length in weeks",
        required="Enter the length in weeks, a whole number",
        low=1,
        high=52,
        out_of_range="Length must be between 1 and 52 weeks",
        default=12,
    )
    capacity = whole_number_field(
        "Capacity",
        "Capacity",
        required="Enter the capacity, a whole number of participants",
        low=1,
        high=200,
        out_of_range="Capacity must be between 1 and 200 participants",
        default=25,
    )
    bank_holiday_division = RadioField(
        "Bank holidays",
        widget=GovRadioInput(),
        choices=[(d.value, d.label) for d in BankHolidayDivision],
        default=BankHolidayDivision.ENGLAND_AND_WALES.value,
        validators=[InputRequired("Select which bank holidays the cohort follows")],
    )
    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=status_choices(CohortStatus.PLANNED.value),
        default=CohortStatus.PLANNED.value,
        # Any known status passes here, so the service can say why one not offered is refused.
        validate_choice=False,
        validators=[InputRequired("Select a status"), _known_status],
    )
    facilitators = SelectMultipleField(
        "Facilitators", widget=GovCheckboxesInput(), coerce=int, choices=[], validate_choice=True
    )
    min_attendance = minimum_attendance_field(default=80)
    skills_at_target = skills_at_target_field(default=100)
    require_mandatory = require_mandatory_field(default=True)
    require_hackathon = require_hackathon_field(default=True)
    version = version_field()  # editing: the version the page showed (docs/decisions/0004-…)
    submit = SubmitField("Save cohort", widget=GovSubmitInput())
