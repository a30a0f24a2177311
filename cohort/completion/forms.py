from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import BooleanField, RadioField, SubmitField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from cohort.concurrency import version_field
from cohort.forms import WholeNumberField, text_field
from cohort.models import FinalOutcome

from .service import MAX_REASON


class SettingsForm(FlaskForm):
    min_attendance = WholeNumberField(
        "Minimum attendance (%)",
        what="Minimum attendance",
        validators=[
            InputRequired("Enter the minimum attendance, a whole percentage from 0 to 100"),
            NumberRange(min=0, max=100, message="Minimum attendance must be a percentage from 0 to 100"),
        ],
    )
    require_mandatory = BooleanField(
        "Every mandatory session must be attended, or missed and caught up", widget=GovCheckboxInput()
    )
    require_hackathon = BooleanField(
        "Every hackathon that has ended needs a submission made before its deadline",
        widget=GovCheckboxInput(),
    )
    skills_at_target = WholeNumberField(
        "Skills at target (%)",
        what="Skills at target",
        validators=[
            InputRequired(
                "Enter the share of skills that must reach their target, a whole percentage from 0 to 100"
            ),
            NumberRange(min=0, max=100, message="Skills at target must be a percentage from 0 to 100"),
        ],
    )
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
