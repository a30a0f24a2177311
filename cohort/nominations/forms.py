from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import HiddenField, SubmitField

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    file = FileField(
        "Nominations file",
        widget=GovFileInput(),
        validators=[FileRequired("Select the nominations file (CSV or Excel workbook)")],
    )
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class ConfirmImportForm(FlaskForm):
    """The confirm button on a preview. It names the file previewed (its SHA-256) and
    how many people the preview said would be enrolled, so a confirm sent from an
    older preview, or in another tab, cannot import something else."""

    upload = HiddenField()
    expected = HiddenField()
    submit = SubmitField("Confirm and enrol", widget=GovSubmitInput())

    def expected_count(self) -> int | None:
        try:
            value = int(self.expected.data or "")
        except ValueError:
            return None
        return value if 0 <= value <= 1_000_000 else None
