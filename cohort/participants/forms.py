from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cohort.enrolments.service import MAX_REASON
from cohort.forms import DayMonthYearField, strip_filter, text_field


def _email(form, field):
    try:
        field.data = validate_email(field.data or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(
            "Enter an email address in the correct format, like name@justice.gov.uk"
        ) from None


class EnrolForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter the person's email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            _email,
        ],
    )
    full_name = text_field("Full name", "Full name", None, max_len=120, area=False)
    department = SelectField("Department", widget=GovSelect(), choices=[], validate_choice=True)
    job_title = text_field("Job title (optional)", "Job title", None, max_len=120, area=False)
    grade = text_field("Grade (optional)", "Grade", None, max_len=40, area=False)
    enrolled_on = DayMonthYearField("Enrolled on", what="Enrolment date", validators=[Optional()])
    submit = SubmitField("Enrol", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = text_field(
        "Reason for withdrawing",
        "Reason",
        "Enter the reason for withdrawing",
        max_len=MAX_REASON,
        widget=GovCharacterCount(),
    )
    withdrawn_on = DayMonthYearField(
        "Date of withdrawal",
        what="Date of withdrawal",
        validators=[InputRequired("Enter the date of withdrawal")],
    )
    submit = SubmitField("Withdraw", widget=GovSubmitInput())


class TransferForm(FlaskForm):
    to_cohort = SelectField("Cohort to transfer to", widget=GovSelect(), choices=[], validate_choice=False)
    transfer_on = DayMonthYearField(
        "Date of transfer", what="Date of transfer", validators=[InputRequired("Enter the date of transfer")]
    )
    submit = SubmitField("Transfer", widget=GovSubmitInput())

    def validate_to_cohort(self, field):
        if not field.data or field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose the cohort to transfer to")
