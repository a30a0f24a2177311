from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cohort.forms import DayMonthYearField, PlainText, strip_filter
from cohort.services.enrolments import MAX_REASON


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
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=120, message="Full name must be 120 characters or fewer"),
            PlainText("Full name"),
        ],
    )
    department = SelectField("Department", widget=GovSelect(), choices=[], validate_choice=True)
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=120, message="Job title must be 120 characters or fewer"),
            PlainText("Job title"),
        ],
    )
    grade = StringField(
        "Grade (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=40, message="Grade must be 40 characters or fewer"),
            PlainText("Grade"),
        ],
    )
    enrolled_on = DayMonthYearField("Enrolled on", what="Enrolment date", validators=[Optional()])
    submit = SubmitField("Enrol", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason for withdrawing",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter the reason for withdrawing"),
            Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON} characters or fewer"),
            PlainText("Reason", allow_newlines=True),
        ],
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
