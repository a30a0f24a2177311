"""Pages for subject access exports (docs/personal-data.md §2): Your account → "Download your
data" for everyone signed in; Users → a person → "Download their data" for programme managers."""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for
from flask_login import current_user, login_required

from cohort.auth.access import admin_required, refuse
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import User
from cohort.models.privacy_exports import DataExport
from cohort.privacy.export import bp
from cohort.privacy.export.service import KEPT_FOR, request_export, shown_state, take_download


def _request_page(person: User, own: bool):
    form = ConfirmForm()
    if form.validate_on_submit():
        export, _ = request_export(current_user._get_current_object(), person)
        return redirect(url_for("privacy_export.status", export_id=export.id))  # id loaded before commit
    title = "Download your data" if own else f"Download {person.full_name}’s data"
    return render_template(
        "export/request.html", title=title, person=person, own=own, form=form, days=KEPT_FOR.days
    )


@bp.route("/account/your-data", methods=["GET", "POST"])
@login_required
def request_own():
    return _request_page(current_user._get_current_object(), own=True)


@bp.route("/admin/users/<id:user_id>/their-data", methods=["GET", "POST"])
@admin_required
def request_theirs(user_id: int):
    return _request_page(found_or_404(User, user_id), own=False)


def _mine(export_id: int) -> DataExport:
    export = found_or_404(DataExport, export_id)
    if export.requested_by_id != current_user.id:
        refuse(404, f"data export {export_id} asked for by someone else")
    return export


@bp.route("/data-exports/<id:export_id>")
@login_required
def status(export_id: int):
    export = _mine(export_id)
    own = export.subject_id == current_user.id
    name = "your data" if own else f"{export.subject.full_name}’s data"
    return render_template(
        "export/status.html",
        title=f"A copy of {name}",
        export=export,
        state=shown_state(export).value,
        own=own,
        form=ConfirmForm(),
    )


@bp.route("/data-exports/<id:export_id>/download", methods=["POST"])
@login_required
def download(export_id: int):
    export = _mine(export_id)
    form = ConfirmForm()
    content = take_download(export, current_user._get_current_object()) if form.validate_on_submit() else None
    if content is None:
        return redirect(url_for("privacy_export.status", export_id=export_id))
    return Response(
        content,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="cohort-data-{export_id}.zip"',
            "Cache-Control": "no-store",
        },
    )
