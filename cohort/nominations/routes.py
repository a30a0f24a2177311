"""Import nominations into a cohort: upload, preview every row, confirm (admin only).

    GET  /cohorts/<slug>/import           the upload form
    POST /cohorts/<slug>/import           read and check the file, keep it, show the preview
    GET  /cohorts/<slug>/import/preview   the preview of the kept file, as the database is now
    POST /cohorts/<slug>/import/confirm   check again and enrol everyone or no one
    GET  /cohorts/import/sample.csv       a sample file to start from
    GET  /cohorts/<slug>/invitations      who has not signed in yet and has no invitation
    POST /cohorts/<slug>/invitations      e-mail each of them an invitation, once

Nothing is written to the database before the confirm.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from cohort.auth.access import admin_required, cohort_for
from cohort.auth.messages import people_to_invite, send_invitations_for_cohort
from cohort.domain.formatting import noun, plural
from cohort.extensions import db
from cohort.form_results import page_status
from cohort.forms import ConfirmForm
from cohort.imports import ImportRefused, RowStatus
from cohort.imports.nominations import HEADER_VARIANTS
from cohort.imports.reading import MAX_ROWS
from cohort.models import Cohort
from cohort.nominations import bp, storage
from cohort.nominations.forms import ConfirmImportForm, UploadForm
from cohort.nominations.importer import (
    STATUS_ORDER,
    CohortPreview,
    EnrolmentError,
    NotImported,
    build_preview,
    department_records,
    import_nominations,
    sorted_rows,
)
from cohort.paging import Page, page_number, pagination_params
from cohort.text import shown

log = logging.getLogger("cohort.imports")

ROWS_PER_PAGE = 100
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "sample-nominations.csv"
NO_UPLOAD = "There is no uploaded file waiting to be imported into this cohort. Upload the nominations file."
FILE_GONE = "The file you uploaded is no longer available (uploads are kept for a day). Upload the nominations file again."


def _upload_page(cohort: Cohort, form: UploadForm, status: int = 200):
    item = storage.pending()
    waiting = item if item is not None and item.cohort_id == cohort.id else None
    return render_template(
        "nominations/upload.html",
        title=f"Import nominations into {cohort.name}",
        cohort=cohort,
        form=form,
        waiting=waiting,
        departments=department_records(),
        variants=HEADER_VARIANTS,
        max_rows=MAX_ROWS,
    ), status


def _refuse_upload(cohort: Cohort, message: str | list[str]):
    """The upload page again, with the message on the file field (and in the error summary)."""
    form = UploadForm(formdata=None)
    form.file.errors = [message] if isinstance(message, str) else list(message)
    return _upload_page(cohort, form, 400)


@bp.route("/cohorts/<slug>/import", methods=["GET", "POST"])
@admin_required
def upload(slug: str):
    cohort = cohort_for(current_user, slug)
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        filename = file.filename or "the file"
        data = file.read()
        try:
            checked = build_preview(cohort, filename, data)
        except ImportRefused as refused:
            db.session.rollback()
            log.info("nominations file %r refused for %s: %s", filename, cohort.slug, refused.message)
            form.file.errors = [refused.message]
        else:
            db.session.rollback()  # nothing to write: end the read transaction
            storage.keep(cohort.id, filename, data)
            log.info(
                "nominations file %r (%d bytes) uploaded for %s: %s",
                filename,
                len(data),
                cohort.slug,
                checked.preview.summary(),
            )
            return redirect(url_for("nominations.preview", slug=cohort.slug))
    return _upload_page(cohort, form, page_status(form))


def _load_pending(cohort: Cohort):
    """(pending import, its bytes) for this cohort, or (None, message)."""
    item = storage.pending()
    if item is None or item.cohort_id != cohort.id:
        return None, NO_UPLOAD
    data = storage.load(item)
    if data is None:
        storage.discard()
        return None, FILE_GONE
    return (item, data), None


def _status_filter(checked: CohortPreview) -> RowStatus | None:
    raw = request.args.get("status", "")
    try:
        status = RowStatus(raw)
    except ValueError:
        return None
    return status if checked.counts[status] else None


def _preview_page(
    cohort: Cohort,
    item: storage.PendingImport,
    checked: CohortPreview,
    problem: str | None = None,
    status: int = 200,
):
    shown_status = _status_filter(checked)
    rows = sorted_rows(checked.preview, shown_status)
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    number = min(page_number(request.args.get("page")), pages)
    start = (number - 1) * ROWS_PER_PAGE
    page = Page(
        items=rows[start : start + ROWS_PER_PAGE],
        number=number,
        pages=pages,
        total=len(rows),
        per_page=ROWS_PER_PAGE,
    )
    args = {"slug": cohort.slug, **({"status": shown_status.value} if shown_status else {})}
    confirm = ConfirmImportForm(formdata=None, upload=item.sha256, expected=str(len(checked.rows_to_enrol)))
    # For the error summary: each message links to where the page explains it.
    errors = []
    if problem:
        errors.append({"text": problem, "href": "#what-happens"})
    if checked.counts[RowStatus.ERROR]:
        errors.append(
            {
                "text": f"{plural(checked.counts[RowStatus.ERROR], 'row has', 'rows have')} errors. "
                "Fix the rows in error and upload the file again.",
                "href": "#rows",
            }
        )
    errors.extend({"text": blocker, "href": "#what-happens"} for blocker in checked.blockers)
    return render_template(
        "nominations/preview.html",
        title=("Error: " if errors else "") + f"Check the nominations for {cohort.name}",
        cohort=cohort,
        item=item,
        checked=checked,
        counts=checked.counts,
        statuses=STATUS_ORDER,
        shown_status=shown_status,
        page=page,
        pagination=pagination_params(page, args, "Pages of rows"),
        confirm=confirm,
        errors=errors,
    ), status


@bp.route("/cohorts/<slug>/import/preview")
@admin_required
def preview(slug: str):
    cohort = cohort_for(current_user, slug)
    found, message = _load_pending(cohort)
    if found is None:
        flash(message)
        return redirect(url_for("nominations.upload", slug=cohort.slug))
    item, data = found
    try:
        checked = build_preview(cohort, item.filename, data)
    except ImportRefused as refused:
        # Only if the departments changed under it (the file was readable on upload).
        storage.discard()
        return _refuse_upload(cohort, refused.message)
    return _preview_page(cohort, item, checked)


def _show_again(cohort: Cohort, item: storage.PendingImport, data: bytes, problem: str):
    """The kept file's preview as things are now, with what stopped the import (400)."""
    try:
        checked = build_preview(cohort, item.filename, data)
    except ImportRefused as refused:
        db.session.rollback()
        storage.discard()
        return _refuse_upload(cohort, refused.message)
    db.session.rollback()
    return _preview_page(cohort, item, checked, problem, 400)


@bp.route("/cohorts/<slug>/import/confirm", methods=["POST"])
@admin_required
def confirm(slug: str):
    cohort = cohort_for(current_user, slug)
    form = ConfirmImportForm()
    found, message = _load_pending(cohort)
    if found is None:
        return _refuse_upload(cohort, message)
    item, data = found
    if not form.validate_on_submit() or form.upload.data != item.sha256:
        if form.upload.data:
            # A confirm from an older preview, or another tab, after a different upload.
            problem = (
                "You uploaded a different file after the preview you confirmed. Nothing was imported. "
                f"This is the preview of the latest file, '{shown(item.filename, 80)}': check it before you confirm."
            )
        else:
            problem = "The confirmation did not say which file it was for. Nothing was imported: check the preview and confirm again."
        return _show_again(cohort, item, data, problem)
    try:
        result = import_nominations(current_user, cohort, item.filename, data, form.expected_count())
    except ImportRefused as refused:
        db.session.rollback()
        storage.discard()
        return _refuse_upload(cohort, refused.message)
    except NotImported as refused:
        db.session.rollback()
        return _preview_page(cohort, item, refused.preview, f"Nothing was imported. {refused}", 400)
    except EnrolmentError as error:
        # enrol_many has rolled back: nothing was written.
        return _show_again(cohort, item, data, f"Nothing was imported. {error}.")
    storage.discard()
    log.info("nominations file %r imported into %s: %s", item.filename, cohort.slug, result.summary())
    flash(f"{result.summary()}.", "success")
    if result.new_accounts:
        # The result page: who has no password yet, and the button that invites them.
        return redirect(url_for("nominations.invitations", slug=cohort.slug))
    return redirect(url_for("cohorts.show_cohort", slug=cohort.slug))


@bp.route("/cohorts/<slug>/invitations")
@admin_required
def invitations(slug: str):
    cohort = cohort_for(current_user, slug)
    return render_template(
        "nominations/invitations.html",
        title=f"Invitations for {cohort.name}",
        cohort=cohort,
        people=people_to_invite(cohort),
        form=ConfirmForm(formdata=None),
    )


@bp.route("/cohorts/<slug>/invitations", methods=["POST"])
@admin_required
def send_invitations(slug: str):
    cohort = cohort_for(current_user, slug)
    if not ConfirmForm().validate_on_submit():
        flash("The page was out of date. Nothing was sent: check the list and choose the button again.")
        return redirect(url_for("nominations.invitations", slug=cohort.slug))
    # Each person's invitation has one key, so a second press, or a colleague pressing at the
    # same moment, sends nobody a second one (docs/messages.md, Invitations).
    sent = send_invitations_for_cohort(cohort, current_user)
    log.info("%s queued for %s", plural(sent, "invitation"), cohort.slug)
    if sent:
        flash(
            f"{plural(sent, 'invitation')} to set a password {noun(sent, 'has', 'have')} been emailed.",
            "success",
        )
    else:
        flash("Nobody was sent an invitation: everyone in this cohort has signed in or already been invited.")
    return redirect(url_for("nominations.invitations", slug=cohort.slug))


@bp.route("/cohorts/import/sample.csv")
@admin_required
def sample():
    try:
        data = SAMPLE_FILE.read_bytes()  # small: read whole, so no file handle outlives the request
    except OSError:
        abort(404)
    return send_file(
        io.BytesIO(data),
        mimetype="text/csv",
        as_attachment=True,
        download_name="sample-nominations.csv",
        max_age=0,
    )
