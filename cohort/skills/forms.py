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
from cohort.forms import DayMonthYearField, PlainText, strip_filter

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
            Length(max=TEXT_MAX, message=f"Level {level} description must be {TEXT_MAX} characters or fewer"),
            PlainText(f"Level {level} description", allow_newlines=True),
        ],
    )


class SkillForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter the skill's name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
            PlainText("Name"),
        ],
    )
    category = StringField(
        "Category",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example: Engineering, Machine learning, Data, Responsible AI, Delivery",
        validators=[
            DataRequired("Enter the skill's category"),
            Length(max=80, message="Category must be 80 characters or fewer"),
            PlainText("Category"),
        ],
    )
    description = TextAreaField(
        "Description",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Description must be {TEXT_MAX} characters or fewer"),
            PlainText("Description", allow_newlines=True),
        ],
    )
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
    activity = StringField(
        "What did you do?",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example: deployed the court backlog model to a test environment",
        validators=[
            DataRequired("Enter what you did"),
            Length(max=200, message="What you did must be 200 characters or fewer"),
            PlainText("What you did"),
        ],
    )
    hours = StringField(
        "Hours spent",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="In hours, for example 1.5 for an hour and a half",
        validators=[DataRequired("Enter how many hours you spent")],
    )
    reflection = TextAreaField(
        "Reflection (optional)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        description="What you learnt, what was hard, what you would do differently",
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Reflection must be {TEXT_MAX} characters or fewer"),
            PlainText("Reflection", allow_newlines=True),
        ],
    )
    link = StringField(
        "Link (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="A repository, notebook or write-up, starting with https://",
        validators=[
            Optional(),
            Length(max=LINK_MAX, message=f"Link must be {LINK_MAX} characters or fewer"),
            PlainText("Link"),
            web_link,
        ],
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
    body = TextAreaField(
        "Your comment",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter your comment"),
            Length(max=TEXT_MAX, message=f"Comment must be {TEXT_MAX} characters or fewer"),
            PlainText("Comment", allow_newlines=True),
        ],
    )
    submit = SubmitField("Add comment", widget=GovSubmitInput())
