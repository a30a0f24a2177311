"""Forms of the second factor pages (docs/sign-in.md, Second factor)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

from cohort.auth.second_factor import code_problem, recovery_code_problem

# Longer than any code with its spaces and hyphens; anything longer is not one.
MAX_TYPED = 40


def _code(form, field):
    if len(field.data or "") > MAX_TYPED:
        raise ValidationError("The code must be 6 digits")
    if message := code_problem(field.data):
        raise ValidationError(message)


def _recovery_code(form, field):
    if len(field.data or "") > MAX_TYPED:
        raise ValidationError("A recovery code is 12 letters and numbers, like 4f7k-2m9p-x3q8")
    if message := recovery_code_problem(field.data):
        raise ValidationError(message)


class CodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", widget=GovTextInput(), validators=[_code])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField("Recovery code", widget=GovTextInput(), validators=[_recovery_code])
    submit = SubmitField("Continue", widget=GovSubmitInput())
