"""Form pieces shared by every feature: GOV.UK widgets and common validators."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import DateField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from cohort.text import invisible_characters


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


def text_field(
    label: str,
    what: str,
    required: str | None,
    max_len: int = 5000,
    area: bool = True,
    hint=None,
    widget=None,
    extra=(),
):
    """A text box (or one-line input with `area=False`) that is stripped, required with the
    `required` message (or optional), at most `max_len` characters, and free of invisible or
    control characters; every message names the field as `what`. `extra` validators run
    after those (an e-mail address's shape, a web link's)."""
    validators = [DataRequired(required)] if required else [Optional()]
    validators += [
        Length(max=max_len, message=f"{what} must be {max_len:,} characters or fewer"),
        PlainText(what, allow_newlines=area),
        *extra,
    ]
    field = TextAreaField if area else StringField
    widget = widget or (GovTextArea() if area else GovTextInput())
    return field(label, widget=widget, filters=[strip_filter], validators=validators, description=hint or "")


def whole_number_field(
    label: str,
    what: str,
    *,
    required: str,
    low: int,
    high: int,
    out_of_range: str,
    default: int | None = None,
):
    """A required whole number from `low` to `high`; `out_of_range` says the range in the
    field's own words ("Capacity must be between 1 and 200 participants")."""
    return WholeNumberField(
        label,
        what=what,
        default=default,
        validators=[InputRequired(required), NumberRange(min=low, max=high, message=out_of_range)],
    )


def percentage_field(label: str, what: str, required: str, default: int | None = None):
    """A whole percentage from 0 to 100, required with the `required` message."""
    return whole_number_field(
        label,
        what,
        required=required,
        low=0,
        high=100,
        out_of_range=f"{what} must be a percentage from 0 to 100",
        default=default,
    )


class ConfirmForm(FlaskForm):
    """A form with only a button, for actions that change state (POST, with CSRF)."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class DayMonthYearInput(GovDateInput):
    """GOV.UK's date input, keyed by the field's name rather than its id.

    The field's id is the box the error summary's link moves the focus to (the day, or the
    first box left empty), as GOV.UK's date input pattern asks; the wrapping <div> takes
    the field's name instead, so no two elements share an id. The wrapper carries no
    `required` attribute: it is not a form control, so the attribute is invalid there.
    """

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.name)
        if "value" not in kwargs:
            kwargs["value"] = field._value()
        kwargs.pop("required", None)
        return GovFormBase.__call__(self, field, **kwargs)


class DayMonthYearField(DateField):
    """A date typed into the GOV.UK date input's three boxes (day, month, year).

    The govuk-frontend-wtf widget posts the three boxes under one name and
    needs exactly three raw values to redraw them; a hostile or broken request
    may send fewer or more, so they are normalised here, and each way a date
    can be wrong gets its own plain-English message.

    Its id is that of a box (`<name>-day`, or the first box left empty), so the error
    summary, which links each message to its field's id, takes the focus there.
    """

    def __init__(self, label=None, validators=None, what: str = "Date", **kwargs):
        kwargs.setdefault("widget", DayMonthYearInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.what = what
        self.id = f"{self.name}-day"

    def process_formdata(self, valuelist):
        parts = [str(v).strip() for v in (valuelist or [])][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        if not all(parts):
            self.data = None
            missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
            self.id = f"{self.name}-{missing[0]}"
            raise ValueError(f"{self.what} must include a {' and '.join(missing)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.what} must be a real date, with a 4-digit year, like 7 9 2026")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.data = None
            raise ValueError(f"{self.what} must be a real date") from None


class WholeNumberField(IntegerField):
    """An integer box whose "not a number" message says what was expected."""

    def __init__(self, label=None, validators=None, what: str = "Value", **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 9:
            self.data = None
            raise ValueError(f"{self.what} must be a whole number, like 12")
        self.data = int(text)
