"""Forms for the e-mail pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from wtforms import Form, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from cohort.messages.kinds import KINDS
from cohort.models import MessageStatus


class OutboxFilterForm(Form):
    kind = SelectField(
        "Message",
        choices=[("", "All messages")] + [(k.name, k.label) for k in KINDS.values()],
        default="",
        widget=GovSelect(),
        validate_choice=False,
    )
    status = SelectField(
        "Status",
        choices=[("", "Any status")] + [(s.value, s.label) for s in MessageStatus],
        default="",
        widget=GovSelect(),
        validate_choice=False,
    )


class _OptionalKindsField(SelectMultipleField):
    def pre_validate(self, form) -> None:
        allowed = {value for value, _label in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError("Select only e-mails from the list")


class EmailPreferencesForm(FlaskForm):
    kinds = _OptionalKindsField(
        "Which of these e-mails do you want?",
        choices=[],  # the person's own optional kinds, set by the page (kinds_for their role)
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Save your choices", widget=GovSubmitInput())
