"""The erasure confirmation form (docs/personal-data.md §4)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from cohort.forms import text_field
from cohort.privacy.erasure.service import REASON_MAX


class EraseForm(FlaskForm):
    reason = text_field(
        "Why are you erasing their personal data?",
        "The reason",
        "Enter the reason for erasing this person's personal data",
        max_len=REASON_MAX,
        hint="For example, the erasure request's reference. It is kept in the audit log: do not write their name.",
    )
    confirmation = text_field(
        "Type their email address to confirm",
        "The email address",
        "Type their email address to confirm",
        max_len=254,
        area=False,
    )
    submit = SubmitField("Erase their personal data", widget=GovSubmitInput())
