"""Pages for e-mail: the outbox and jobs (programme managers), preferences, unsubscribe.

docs/messages.md. Programme managers see every message, as the person received it (the body
of one that held a single-use link is not kept once a real transport has sent it), and every
recent background job; each person chooses their optional e-mails; an unsubscribe link works
without signing in, because its signature says whose it is and for what.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cohort.auth.access import admin_required
from cohort.extensions import csrf, db, limiter
from cohort.form_results import page_status
from cohort.forms import ConfirmForm
from cohort.lookups import MAX_ID, found_or_404
from cohort.messages import bp, preferences, queries
from cohort.messages.forms import EmailPreferencesForm, OutboxFilterForm
from cohort.messages.kinds import KINDS, kinds_for
from cohort.messages.links import read_unsubscribe_token
from cohort.models import Message, MessageStatus, User
from cohort.paging import paginate, pagination_params

MESSAGES_PER_PAGE = 50


@bp.route("/admin/outbox")
@admin_required
def outbox():
    form = OutboxFilterForm(request.args)
    kind = form.kind.data if form.kind.data in KINDS else ""
    status = form.status.data if form.status.data in set(MessageStatus) else ""
    page = paginate(queries.outbox_query(kind, status), request.args.get("page"), MESSAGES_PER_PAGE)
    args = {k: v for k, v in {"kind": kind, "status": status}.items() if v}
    return render_template(
        "messages/outbox.html",
        form=form,
        page=page,
        pagination=pagination_params(page, args, "Pages of the outbox"),
        filtering=bool(args),
        counts=queries.status_counts(),
        failed_jobs=queries.failed_job_count(),
        kinds=KINDS,
        transport=current_app.config["EMAIL_TRANSPORT"],
    )


@bp.route("/admin/outbox/<id:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = found_or_404(Message, message_id)
    return render_template(
        "messages/message.html", message=message, kind=KINDS.get(message.kind), retry_form=ConfirmForm()
    )


@bp.route("/admin/outbox/<id:message_id>/attachment")
@admin_required
def outbox_attachment(message_id: int):
    message = found_or_404(Message, message_id)
    if message.attachment_text is None:
        abort(404)
    response = current_app.response_class(
        message.attachment_text, mimetype=(message.attachment_type or "text/plain").split(";")[0]
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{message.attachment_name or "attachment"}"'
    )
    return response


@bp.route("/admin/outbox/<id:message_id>/retry", methods=["POST"])
@admin_required
def retry_message(message_id: int):
    from cohort.messages.delivery import retry

    message = found_or_404(Message, message_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if retry(current_user, message):
            flash(f"The message to {message.to_address} will be tried again.", "success")
        else:
            flash("This message has not failed, so there is nothing to try again.")
    return redirect(url_for("messages.outbox_message", message_id=message_id))


@bp.route("/admin/jobs")
@admin_required
def jobs():
    state = request.args.get("state", "")
    return render_template("messages/jobs.html", runs=queries.recent_job_runs(state), state=state)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def email_preferences() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    current = queries.preferences(user)
    form = EmailPreferencesForm()
    form.kinds.choices = [(name, KINDS[name].label) for name in current]
    if request.method == "GET":
        form.kinds.data = [name for name, on in current.items() if on]
    if form.validate_on_submit():
        chosen = set(form.kinds.data or [])
        changed = preferences.save_preferences(user, user, {name: name in chosen for name in current})
        flash(
            "Your e-mail choices have been saved." if changed else "You did not change anything.", "success"
        )
        return redirect(url_for("messages.email_preferences"))
    always = [k for k in kinds_for(user.role) if not k.optional]
    return render_template("messages/preferences.html", form=form, always=always), (page_status(form))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail programs post here (RFC 8058 one-click)
@limiter.limit("30 per minute", methods=["POST"])
def unsubscribe(token: str):
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found and 0 < found[0] <= MAX_ID else None
    if found is None or user is None or found[1] not in KINDS or not KINDS[found[1]].optional:
        return render_template("messages/unsubscribe_invalid.html"), 404
    kind = KINDS[found[1]]
    if request.method == "POST":
        done = preferences.unsubscribe(user, kind.name)
        return render_template("messages/unsubscribed.html", kind=kind, already=not done)
    subscribed = queries.preferences(user).get(kind.name, True)
    if not subscribed:
        return render_template("messages/unsubscribed.html", kind=kind, already=True)
    return render_template("messages/unsubscribe.html", kind=kind, token=token)
