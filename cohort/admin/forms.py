"""Forms for the programme manager's pages: departments, users and the audit log filters."""

from __future__ import annotations

import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Form, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from cohort.admin.service import clean_aliases
from cohort.auth.messages import RESEND_NONCE
from cohort.forms import PlainText, strip_filter, text_field
from cohort.models import Role

CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
MAX_ALIASES = 50
MAX_ALIAS_LENGTH = 120

ROLE_HINTS = {
    Role.ADMIN: "Runs the programme: cohorts, users, departments and every report",
    Role.FACILITATOR: "A coach or trainer: records attendance and assesses skills in their cohorts",
    Role.PARTICIPANT: "A data scientist taking part in a cohort",
    Role.SPONSOR: "A department lead: reads their own department’s participants and reports",
}

# Roles whose people must belong to a department (a sponsor reads one department's
# people; a participant is nominated by one).
DEPARTMENT_REQUIRED = {Role.SPONSOR, Role.PARTICIPANT}


# Departments ---------------------------------------------------------------


def _code(form, field):
    if field.data and not CODE_PATTERN.match(field.data):
        raise ValidationError("Code must use only letters, numbers and hyphens, with no spaces")


def _aliases(form, field):
    aliases = clean_aliases(field.data or "")
    too_long = [a for a in aliases if len(a) > MAX_ALIAS_LENGTH]
    if too_long:
        raise ValidationError(
            f"Each other name must be {MAX_ALIAS_LENGTH} characters or fewer "
            f"(“{too_long[0][:40]}…” is {len(too_long[0])})"
        )
    if len(aliases) > MAX_ALIASES:
        raise ValidationError(f"Enter {MAX_ALIASES} other names or fewer")


class DepartmentForm(FlaskForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter the department’s code"),
            Length(max=20, message="Code must be 20 characters or fewer"),
            _code,
        ],
        description="A short code, for example MOJ or DfT. Letters, numbers and hyphens only.",
    )
    name = text_field(
        "Name",
        "Name",
        "Enter the department’s name",
        max_len=120,
        area=False,
        hint="The full name, for example Ministry of Justice",
    )
    aliases = TextAreaField(
        "Other names (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=8000, message="Other names must be 8000 characters or fewer in all"),
            PlainText("Other names", allow_newlines=True),
            _aliases,
        ],
        description="Other names that nomination spreadsheets use, one on each line, for example MoJ. "
        "Letter case does not matter when names are matched.",
    )
    submit = SubmitField("Save department", widget=GovSubmitInput())

    @property
    def alias_list(self) -> list[str]:
        return clean_aliases(self.aliases.data or "")


# Users ---------------------------------------------------------------------


def _email(form, field):
    if not field.data:
        return
    try:
        result = validate_email(field.data, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.gov.uk"
        ) from None
    field.data = result.normalized.lower()


def _role(form, field):
    if field.data not in {r.value for r in Role}:
        raise ValidationError("Select a role from the list")


def _department(form, field):
    field.data = field.data or ""
    if field.data not in {value for value, _ in field.choices}:
        raise ValidationError("Select a department from the list")
    if not field.data and form.role.data in {r.value for r in DEPARTMENT_REQUIRED}:
        raise ValidationError("Select a department: participants and department sponsors must belong to one")


def _full_name_field() -> StringField:
    return text_field("Full name", "Full name", "Enter a full name", max_len=120, area=False)


def _role_field() -> RadioField:
    return RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[(r.value, r.label) for r in Role],
        validate_choice=False,  # checked by _role, with a GOV.UK message
        validators=[InputRequired("Select a role"), _role],
    )


def _department_field() -> SelectField:
    return SelectField(
        "Department",
        widget=GovSelect(),
        choices=[],
        validate_choice=False,  # checked by _department, with a GOV.UK message
        validators=[_department],
        description="Needed for participants and department sponsors",
    )


def _job_title_field() -> StringField:
    return text_field("Job title (optional)", "Job title", None, max_len=120, area=False)


class InviteUserForm(FlaskForm):
    full_name = _full_name_field()
    email = text_field(
        "Email address",
        "Email address",
        "Enter an email address",
        max_len=254,
        area=False,
        extra=[_email],
        hint="Their work email address. They sign in with it.",
    )
    role = _role_field()
    department = _department_field()
    job_title = _job_title_field()
    submit = SubmitField("Invite user", widget=GovSubmitInput())


class ResendInvitationForm(FlaskForm):
    """ "Send a new invitation": the hidden nonce makes the message's key (cohort/auth/messages.py)."""

    occasion = HiddenField(validators=[DataRequired(), Regexp(RESEND_NONCE)])


class UserDetailsForm(FlaskForm):
    """What a programme manager may change about a person (not their email address)."""

    full_name = _full_name_field()
    role = _role_field()
    department = _department_field()
    job_title = _job_title_field()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


# Filters (GET forms: nothing changes, so no CSRF token) -------------------------


DATE_HINT = "For example, 27/3/2026 or 2026-03-27"
# Outside these years a date is a typing mistake (and 31/12/9999 has no next day to end on).
MIN_YEAR, MAX_YEAR = 1900, 2999
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_UK_DATE = re.compile(r"^(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})$", re.ASCII)


def parse_date(text: str) -> date | None:
    """A date typed as YYYY-MM-DD or D/M/YYYY (with / . - or space), or None if not a real one."""
    text = text.strip()
    if m := _ISO_DATE.match(text):
        year, month, day = m.groups()
    elif m := _UK_DATE.match(text):
        day, month, year = m.groups()
    else:
        return None
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


class DateText(StringField):
    """A date typed in one text box; `date` holds it once valid."""

    date: date | None = None

    def pre_validate(self, form):
        self.date = None
        if self.data:
            self.date = parse_date(self.data)
            if self.date is None:
                raise ValidationError(f"{self.label.text} must be a real date, like 27/3/2026")


class UserFilterForm(Form):
    q = StringField("Search by name or email address", widget=GovTextInput(), filters=[strip_filter])
    role = SelectField("Role", widget=GovSelect(), choices=[], validate_choice=False)
    department = SelectField("Department", widget=GovSelect(), choices=[], validate_choice=False)


class AuditFilterForm(Form):
    entity_type = SelectField("Record type", widget=GovSelect(), choices=[], validate_choice=False)
    actor = SelectField("Who", widget=GovSelect(), choices=[], validate_choice=False)
    action = SelectField("Action", widget=GovSelect(), choices=[], validate_choice=False)
    date_from = DateText("Date from", widget=GovTextInput(), filters=[strip_filter])
    date_to = DateText("Date to", widget=GovTextInput(), filters=[strip_filter])
    q = StringField("Search the descriptions", widget=GovTextInput(), filters=[strip_filter])

    def validate_date_to(self, field):
        if self.date_from.date and field.date and field.date < self.date_from.date:
            raise ValidationError("Date to must be the same as or after date from")
