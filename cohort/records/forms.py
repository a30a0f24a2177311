"""The public certificate check's form: sent with GET (it changes nothing, and the printed
address can carry the code), so a plain WTForms form without a CSRF token. The button is in
the template, unnamed, so the address carries only the code."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Form, StringField


class CheckForm(Form):
    code = StringField("Verification code", widget=GovTextInput())
