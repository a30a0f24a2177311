"""Forms of the hackathon pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError

from cohort.concurrency import version_field
from cohort.forms import DayMonthYearField, WholeNumberField, text_field
from cohort.models.hackathons import CRITERIA_LABELS, DataSensitivity
from cohort.schedule.forms import TimeOfDayField

TEXT_MAX = 5000
LINK_MAX = 500


def web_link(form, field):
    value = field.data or ""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(
            f"{field.label.text.replace(' (optional)', '')} must be a web address starting with https://"
        )


class StrictSelect(SelectField):
    """A drop-down whose "not one of the choices" message says what to do."""

    def __init__(
        self,
        label=None,
        validators=None,
        invalid: str = "Choose one from the list",
        allow_empty=False,
        **kwargs,
    ):
        kwargs.setdefault("widget", GovSelect())
        super().__init__(label, validators, choices=[], **kwargs)
        self.invalid = invalid
        self.allow_empty = allow_empty

    def process_formdata(self, valuelist):
        self.data = str(valuelist[0])[:20] if valuelist else ""

    def pre_validate(self, form):
        if (not self.data and not self.allow_empty) or self.data not in {value for value, _ in self.choices}:
            self.data = ""
            raise ValidationError(self.invalid)


class Checkboxes(SelectMultipleField):
    def __init__(self, label=None, validators=None, invalid: str = "Choose only from the list", **kwargs):
        kwargs.setdefault("widget", GovCheckboxesInput())
        super().__init__(label, validators, choices=[], **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        self.data = [str(v)[:20] for v in valuelist[:200]]

    def pre_validate(self, form):
        allowed = {value for value, _ in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(self.invalid)


class StrictRadio(RadioField):
    def __init__(self, label=None, validators=None, invalid: str = "Select an option", **kwargs):
        kwargs.setdefault("widget", GovRadioInput())
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        self.data = str(valuelist[0])[:40] if valuelist else None

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError(self.invalid)


class ChallengeForm(FlaskForm):
    title = text_field("Title", "Title", "Enter the challenge's title", 200, area=False)
    problem_statement = text_field(
        "Problem statement",
        "Problem statement",
        "Enter the problem statement",
        hint="What the problem is, who has it and why it matters",
    )
    department = StrictSelect(
        "Department that owns it", invalid="Select the department that owns this challenge"
    )
    data_available = text_field("Data available (optional)", "Data available", None)
    data_sensitivity = StrictRadio(
        "How sensitive is the data?",
        choices=[(s.value, s.label) for s in DataSensitivity],
        default=DataSensitivity.OFFICIAL.value,
        invalid="Select how sensitive the data is",
    )
    success_looks_like = text_field("What success looks like (optional)", "What success looks like", None)
    contact = text_field(
        "Contact (optional)",
        "Contact",
        None,
        200,
        area=False,
        hint="Who teams can ask, for example a name and email",
    )
    version = version_field()  # editing: the version the page showed (docs/decisions/0004-…)
    submit = SubmitField("Save challenge", widget=GovSubmitInput())


class SettingsForm(FlaskForm):
    team_size_min = WholeNumberField(
        "Smallest team", what="Smallest team", validators=[InputRequired("Enter the smallest team size")]
    )
    team_size_max = WholeNumberField(
        "Largest team", what="Largest team", validators=[InputRequired("Enter the largest team size")]
    )
    deadline_date = DayMonthYearField("Deadline date", what="Deadline date", validators=[Optional()])
    deadline_time = TimeOfDayField("Deadline time", what="Deadline time", validators=[Optional()])
    challenges = Checkboxes("Challenges on offer", invalid="Choose only challenges from the list")
    version = version_field()
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate_deadline_time(self, field):
        if bool(self.deadline_date.data) != bool(field.time) and not self.deadline_date.errors:
            raise ValidationError("Enter both the date and the time of the deadline, or neither")


class TeamForm(FlaskForm):
    name = text_field("Team name", "Team name", "Enter a name for the team", 80, area=False)
    challenge = StrictSelect("Challenge", invalid="Choose one of the challenges on offer", allow_empty=True)
    version = version_field()  # changing a team: the version the page showed
    submit = SubmitField("Create team", widget=GovSubmitInput())


class JoinForm(FlaskForm):
    code = text_field(
        "Join code", "Join code", "Enter the join code your team shared with you", 20, area=False
    )
    submit = SubmitField("Join team", widget=GovSubmitInput())


class AddMemberForm(FlaskForm):
    enrolment = StrictSelect("Add a participant", invalid="Choose a participant from the list")
    version = version_field()  # the team's members as the page showed them
    submit = SubmitField("Add to team", widget=GovSubmitInput())


class AutoFormForm(FlaskForm):
    size = WholeNumberField("Team size", what="Team size", validators=[InputRequired("Enter the team size")])
    submit = SubmitField("Form teams", widget=GovSubmitInput())


class SubmissionForm(FlaskForm):
    title = text_field("Project title", "Project title", "Enter your project's title", 200, area=False)
    summary = text_field(
        "Summary", "Summary", "Enter a summary of what you built", hint="What you built and for whom"
    )
    repository_link = text_field(
        "Repository link (optional)", "Repository link", None, max_len=LINK_MAX, area=False, extra=[web_link]
    )
    demo_link = text_field(
        "Demo link (optional)", "Demo link", None, max_len=LINK_MAX, area=False, extra=[web_link]
    )
    data_used = text_field("What data did you use?", "Data used", "Enter what data you used")
    who_could_be_harmed = text_field(
        "Who could be harmed, and how?", "Who could be harmed", "Enter who could be harmed"
    )
    bias_checked = text_field(
        "How did you check for bias?", "How you checked for bias", "Enter how you checked for bias"
    )
    human_decides = text_field(
        "What does a human still decide?", "What a human still decides", "Enter what a human still decides"
    )
    submit = SubmitField("Hand in", widget=GovSubmitInput())


class JudgeForm(FlaskForm):
    user = StrictSelect("Invite a judge", invalid="Choose a facilitator or sponsor from the list")
    submit = SubmitField("Invite judge", widget=GovSubmitInput())


SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


def _criterion(name: str) -> StrictRadio:
    label = CRITERIA_LABELS[name]
    return StrictRadio(label, choices=SCORE_CHOICES, invalid=f"Give a score from 1 to 5 for {label.lower()}")


class ScoreForm(FlaskForm):
    public_impact = _criterion("public_impact")
    technical_quality = _criterion("technical_quality")
    responsible_ai = _criterion("responsible_ai")
    presentation = _criterion("presentation")
    comment = text_field(
        "Comment for the team (optional)", "Comment", None, max_len=2000, widget=GovCharacterCount()
    )
    submit = SubmitField("Save scores", widget=GovSubmitInput())
