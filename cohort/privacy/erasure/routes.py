"""Pages for personal data: erasure (docs/personal-data.md §4). Programme managers only."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from cohort.auth.access import admin_required
from cohort.extensions import db
from cohort.form_results import page_status, show_error
from cohort.lookups import found_or_404
from cohort.models import User
from cohort.privacy.erasure import bp
from cohort.privacy.erasure.forms import EraseForm
from cohort.privacy.erasure.service import (
    ErasureRefused,
    counts_before,
    erase_person,
    erasure_of,
    refusal,
)


@bp.route("/admin/users/<id:user_id>/erase", methods=["GET", "POST"])
@admin_required
def erase_user(user_id: int):
    user = found_or_404(User, user_id)
    done = erasure_of(user)
    refused = None if done else refusal(user, current_user)
    form = EraseForm()
    if done is None and refused is None and form.validate_on_submit():
        if form.confirmation.data != user.email:
            form.confirmation.errors = [*form.confirmation.errors, "The email address does not match theirs"]
        else:
            try:
                erase_person(user, reason=form.reason.data or "", actor=current_user)
            except ErasureRefused as error:
                db.session.rollback()
                user = found_or_404(User, user_id)
                done = erasure_of(user)
                refused = None if done else error
                if refused is not None and refused.field:
                    show_error(form, refused, "reason")
                    refused = None
            else:
                flash("Their personal data has been erased", "success")
                return redirect(url_for("admin.show_user", user_id=user_id))
    status = 409 if (done or refused) and form.is_submitted() else page_status(form)
    return render_template(
        "erasure/erase.html",
        title=f"Erase personal data: {user.full_name}",
        user=user,
        form=form,
        done=done,
        refused=refused,
        counts=None if done else counts_before(user),
    ), status
