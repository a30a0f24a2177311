from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import BooleanField, RadioField, SubmitField
from wtforms.validators import AnyOf, InputRequired

from cohort.concurrency import version_field
from cohort.forms import percentage_field, text_field
from cohort.models import FinalOutcome

from .service import MAX_REASON

# The completion rules' fields (docs/rules.md §5.1), declared once: the cohort form sets them
# when a cohort is made, the completion settings page changes them later. Builders rather than
# a shared base class, so each form keeps its fields in the order it declares them (the error
# summary lists errors in that order).


def minimum_attendance_field(default: int | None = None):
    return percentage_field(
        "Minimum attendance (%)",
        "Minimum attendance",
        "Enter the minimum attendance, a whole percentage from 0 to 100",
        default,
    )


def skills_at_target_field(default: int | None = None):
    return percentage_field(
        "Skills at target (%)",
        "Skills at target",
        "Enter the share of skills that must reach their target, a whole percentage from 0 to 100",
        default,
    )


def require_mandatory_field(default: bool | None = None):
    return BooleanField(
        "Every mandatory session must be attended, or missed and caught up",
        widget=GovCheckboxInput(),
        default=default,
    )


def require_hackathon_field(default: bool | None = None):
    return BooleanField(
        "Every hackathon that has ended needs a submission made before its deadline",
        widget=GovCheckboxInput(),
        default=default,
    )


class SettingsForm(FlaskForm):
    min_attendance = minimum_attendance_field()
    require_mandatory = require_mandatory_field()
    require_hackathon = require_hackathon_field()
    skills_at_target = skills_at_target_field()
    at_risk_emails = BooleanField(
        "E-mail participants when their completion becomes at risk, and their sponsors weekly",
        widget=GovCheckboxInput(),
    )
    version = version_field()  # the version the page showed (docs/decisions/0004-…)
    submit = SubmitField("Save completion rules", widget=GovSubmitInput())


class OverrideForm(FlaskForm):
    outcome = RadioField(
        "Outcome",
        widget=GovRadioInput(),
        choices=[(o.value, o.label) for o in FinalOutcome],
        validate_choice=False,
        validators=[
            InputRequired("Select completed or not completed"),
            AnyOf([o.value for o in FinalOutcome], message="Select completed or not completed"),
        ],
    )
    reason = text_field(
        "Reason",
        "Reason",
        "Enter the reason for the override",
        max_len=MAX_REASON,
        widget=GovCharacterCount(),
    )
    submit = SubmitField("Save override", widget=GovSubmitInput())


class FinishForm(FlaskForm):
    submit = SubmitField("Finish the cohort", widget=GovSubmitInput())
