"""Your account → Where you're signed in (docs/sign-in.md, Sessions)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from cohort.auth import bp
from cohort.auth.sessions import end_session, end_sessions, sessions_of
from cohort.domain.formatting import plural
from cohort.forms import ConfirmForm


@bp.route("/account/sessions")
@login_required
def signed_in_sessions():
    return render_template(
        "auth/sessions.html",
        sessions=sessions_of(current_user),
        this_session=current_user.current_session,
        form=ConfirmForm(),
    )


@bp.route("/account/sessions/<id:session_id>/end", methods=["POST"])
@login_required
def end_signed_in_session(session_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # Only the person's own sessions: anyone else's id is not found.
    mine = {row.id: row for row in sessions_of(current_user)}
    row = mine.get(session_id)
    if row is None:
        # Already ended (a second press, or ended from the other device): nothing to do.
        flash("That device was already signed out.")
        return redirect(url_for("auth.signed_in_sessions"))
    if row.id == current_user.current_session.id:
        end_session(row, "signed out")
        logout_user()
        flash("You have signed out.")
        return redirect(url_for("auth.sign_in"))
    end_session(row, "ended from another of the person's devices")
    flash(f"{row.device} has been signed out.", "success")
    return redirect(url_for("auth.signed_in_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = end_sessions(
        current_user, "ended by the person from another device", keep=current_user.current_session
    )
    if ended:
        flash(f"{plural(ended, 'other device has', 'other devices have')} been signed out.", "success")
    else:
        flash("You were not signed in anywhere else.")
    return redirect(url_for("auth.signed_in_sessions"))
