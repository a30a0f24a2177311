"""Form pieces shared by every feature: GOV.UK widgets and common validators."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import ValidationError

# Characters that have no business in a name or a code typed into a form:
# control characters (NUL, escape…), and invisible formatting characters such as
# the right-to-left override and zero-width spaces, which can disguise text.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}


def invisible_characters(value: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}"
        for ch in value
        if unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in "\t\r\n"
    ]


class PlainText:
    """Refuse control and invisible characters; message names the field."""

    def __init__(self, what: str, allow_newlines: bool = False):
        self.what = what
        self.allow_newlines = allow_newlines

    def __call__(self, form, field):
        value = field.data or ""
        if invisible_characters(value) or (not self.allow_newlines and any(c in value for c in "\t\r\n")):
            raise ValidationError(f"{self.what} must not contain invisible or control characters")


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(FlaskForm):
    """A form with only a button, for actions that change state (POST, with CSRF)."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
