"""Forms of the skills pages. Grids (cohort skills, assessments) are read by hand in the routes,
one field per cell; these are the ordinary forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cohort.domain.progress import LEVEL_NAMES
from cohort.forms import DayMonthYearField, PlainText, strip_filter, text_field

TEXT_MAX = 2000
LINK_MAX = 500


def web_link(form, field):
    value = field.data or ""
    if value and not (value.startswith("https://") or value.startswith("http://")):
        raise ValidationError("Link must be a web address starting with https://")
    if any(c.isspace() for c in value):
        raise ValidationError("Link must not contain spaces")


def _level_field(level: int) -> TextAreaField:
    return TextAreaField(
        f"Level {level} – {LEVEL_NAMES[level]}",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(
                max=TEXT_MAX, message=f"Level {level} description must be {TEXT_MAX:,} characters or fewer"
            ),
            PlainText(f"Level {level} description", allow_newlines=True),
        ],
    )


class SkillForm(FlaskForm):
    name = text_field("Name", "Name", "Enter the skill's name", max_len=120, area=False)
    category = text_field(
        "Category",
        "Category",
        "Enter the skill's category",
        max_len=80,
        area=False,
        hint="For example: Engineering, Machine learning, Data, Responsible AI, Delivery",
    )
    description = text_field("Description", "Description", None, max_len=TEXT_MAX)
    level_0 = _level_field(0)
    level_1 = _level_field(1)
    level_2 = _level_field(2)
    level_3 = _level_field(3)
    level_4 = _level_field(4)
    submit = SubmitField("Save skill", widget=GovSubmitInput())


class CopySkillsForm(FlaskForm):
    source = SelectField("Copy skills and targets from", widget=GovSelect(), choices=[], validate_choice=True)
    copy = SubmitField("Copy skills and targets", widget=GovSubmitInput())


class GridForm(FlaskForm):
    """Only the CSRF token and the button: the cells are named level-<enrolment>-<skill>."""

    save = SubmitField("Save assessments", widget=GovSubmitInput())


class LogEntryForm(FlaskForm):
    entry_date = DayMonthYearField("Date", what="Date", validators=[InputRequired("Enter the date")])
    activity = text_field(
        "What did you do?",
        "What you did",
        "Enter what you did",
        max_len=200,
        area=False,
        hint="For example: deployed the court backlog model to a test environment",
    )
    hours = StringField(
        "Hours spent",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="In hours, for example 1.5 for an hour and a half",
        validators=[DataRequired("Enter how many hours you spent")],
    )
    reflection = text_field(
        "Reflection (optional)",
        "Reflection",
        None,
        max_len=TEXT_MAX,
        widget=GovCharacterCount(),
        hint="What you learnt, what was hard, what you would do differently",
    )
    link = text_field(
        "Link (optional)",
        "Link",
        None,
        max_len=LINK_MAX,
        area=False,
        extra=[web_link],
        hint="A repository, notebook or write-up, starting with https://",
    )
    submit = SubmitField("Save entry", widget=GovSubmitInput())

    def validate_hours(self, field):
        text = field.data or ""
        try:
            value = float(text) if len(text) <= 6 and text.replace(".", "", 1).isdigit() else None
        except ValueError:
            value = None
        if value is None:
            raise ValidationError("Hours must be a number, like 1.5")
        if not (0 < value <= 24):
            raise ValidationError("Hours must be more than 0 and no more than 24")
        field.hours = round(value, 2)


class CommentForm(FlaskForm):
    body = text_field("Your comment", "Comment", "Enter your comment", max_len=TEXT_MAX)
    submit = SubmitField("Add comment", widget=GovSubmitInput())
