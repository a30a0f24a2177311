"""Your account → API tokens, and a programme manager's view of anyone's (docs/api.md, Tokens).

Pages, not the API: signed in with the browser's session, forms with CSRF as everywhere else.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from cohort.api import tokens as api_tokens
from cohort.api.token_forms import NewTokenForm
from cohort.auth.access import admin_required, refuse
from cohort.extensions import db
from cohort.form_results import page_status
from cohort.forms import ConfirmForm
from cohort.models import ApiToken, User

bp = Blueprint("api_tokens", __name__, template_folder="templates")


def _own_tokens_only():
    if not api_tokens.may_hold_tokens(current_user):
        # Participants hold no tokens (docs/api.md, Tokens): the page is not theirs.
        refuse(403, "participants hold no API tokens")


def _token(token_id: int, owner_id: int | None = None) -> ApiToken | None:
    row = db.session.get(ApiToken, token_id)
    if row is None or (owner_id is not None and row.user_id != owner_id):
        return None
    return row


@bp.route("/account/api-tokens")
@login_required
def list_tokens():
    _own_tokens_only()
    return render_template(
        "api/tokens.html",
        tokens=api_tokens.tokens_of(current_user),
        confirm=ConfirmForm(),
    )


@bp.route("/account/api-tokens/new", methods=["GET", "POST"])
@login_required
def new_token():
    _own_tokens_only()
    form = NewTokenForm().offer(api_tokens.scopes_for(current_user.role))
    today = datetime.now(UTC).date()
    if form.validate_on_submit():
        try:
            made = api_tokens.create(current_user, form.name.data, form.scopes.data, form.expires_on.data)
        except api_tokens.TokenError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "name")
            field.errors = [*field.errors, str(exc)]
        else:
            # Shown on this response only: never in a redirect, a flash message or a log.
            return render_template("api/token_made.html", token=made.row, secret=made.secret), 201
    status = page_status(form)
    return render_template("api/token_new.html", form=form, latest=api_tokens.latest_expiry(today)), status


@bp.route("/account/api-tokens/<id:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_token(token_id: int):
    _own_tokens_only()
    row = _token(token_id, owner_id=current_user.id)
    if row is None:
        refuse(404, "not one of the person's API tokens")
    form = ConfirmForm()
    if form.validate_on_submit():
        if api_tokens.revoke(current_user, row):
            flash(f"API token “{row.name}” has been revoked.", "success")
        else:
            flash(f"API token “{row.name}” had already ended.")
        return redirect(url_for("api_tokens.list_tokens"))
    return render_template(
        "api/token_revoke.html", token=row, form=form, back=url_for("api_tokens.list_tokens")
    )


@bp.route("/admin/users/<id:user_id>/api-tokens/<id:token_id>/revoke", methods=["POST"])
@admin_required
def admin_revoke_token(user_id: int, token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    row = _token(token_id, owner_id=user.id) if user is not None else None
    if user is None or row is None:
        refuse(404, "no such API token")
    if api_tokens.revoke(current_user, row):
        flash(f"{user.full_name}’s API token “{row.name}” has been revoked.", "success")
    else:
        flash(f"{user.full_name}’s API token “{row.name}” had already ended.")
    return redirect(url_for("admin.show_user", user_id=user.id) + "#api-tokens")
