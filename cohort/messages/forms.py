"""Forms for the e-mail pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput
from wtforms import Form, SelectField, SelectMultipleField, SubmitField

from cohort.messages.kinds import KINDS, OPTIONAL_KINDS
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


class EmailPreferencesForm(FlaskForm):
    kinds = SelectMultipleField(
        "Which of these e-mails do you want?",
        choices=[(k.name, k.label) for k in OPTIONAL_KINDS],
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Save your choices", widget=GovSubmitInput())
