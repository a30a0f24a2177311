"""Your account → API tokens: the form to make one (docs/api.md, Tokens)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from cohort.api.tokens import NAME_LENGTH, SCOPES
from cohort.forms import DayMonthYearField, strip_filter


class NewTokenForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter a name for the token"),
            Length(max=NAME_LENGTH, message=f"Name must be {NAME_LENGTH} characters or fewer"),
        ],
    )
    scopes = SelectMultipleField("Scopes", widget=GovCheckboxesInput(), choices=[], validate_choice=False)
    expires_on = DayMonthYearField(
        "Expiry date", what="Expiry date", validators=[InputRequired("Enter an expiry date")]
    )
    submit = SubmitField("Make token", widget=GovSubmitInput())

    def offer(self, scopes: tuple[str, ...]) -> NewTokenForm:
        self.scopes.choices = [(name, f"{name}: {SCOPES[name]}") for name in scopes]
        return self
