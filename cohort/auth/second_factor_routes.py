"""Second factor pages (docs/sign-in.md, Second factor).

After the password: "Enter the code from your authenticator app" (or a recovery code), or,
for the roles that must have one, setting one up, all before the person is signed in.
Your account: set up, new recovery codes, turn off. A programme manager's user page: reset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import segno
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cohort.auth import bp
from cohort.auth import second_factor as sf
from cohort.auth.access import admin_required, refuse
from cohort.auth.second_factor_forms import CodeForm, RecoveryCodeForm
from cohort.auth.sessions import PASSWORD_AND_CODE, PASSWORD_AND_RECOVERY_CODE, begin_session, end_sessions
from cohort.core import audit
from cohort.domain.formatting import plural
from cohort.extensions import db, limiter, login_manager
from cohort.form_results import page_status
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import User

security_log = logging.getLogger("cohort.security")

WRONG_CODE = "The code is not correct or has already been used. Enter the code your app shows now"
WRONG_RECOVERY_CODE = "The recovery code is not correct or has already been used"


# --- what the account and admin pages show --------------------------------------------------


@dataclass(frozen=True)
class SecondFactorSummary:
    set_up_on: datetime | None
    required: bool
    recovery_codes_left: int

    @property
    def low(self) -> bool:
        return self.set_up_on is not None and self.recovery_codes_left <= sf.RECOVERY_CODES_LOW


def second_factor_summary(user: User) -> SecondFactorSummary:
    """For Your account and the admin user page: set up when, required, recovery codes left."""
    factor = sf.factor_of(user)
    return SecondFactorSummary(
        set_up_on=factor.confirmed_at if factor is not None else None,
        required=sf.required_for(user),
        recovery_codes_left=sf.recovery_codes_left(user) if factor is not None else 0,
    )


# --- after the password ---------------------------------------------------------------------


def _pending_or_restart():
    """The pending sign-in, or the response that sends the browser back to sign in."""
    if current_user.is_authenticated:
        return None, redirect(url_for("main.dashboard"))
    pending, expired = sf.pending_sign_in()
    if pending is None:
        if expired:
            flash("Your sign-in timed out. Sign in again.")
        return None, redirect(url_for("auth.sign_in"))
    return pending, None


def _locked_out_page(template: str, form, **context):
    return render_template(
        template,
        form=form,
        locked_out=True,
        window=current_app.config["SIGN_IN_WINDOW_MINUTES"],
        **context,
    ), 429


def _finish(user: User, method: str, next_path: str | None):
    begin_session(user, method)  # commits; clears the pending sign-in; the session id rotates
    return redirect(next_path or url_for("main.dashboard"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def second_factor_code():
    pending, restart = _pending_or_restart()
    if pending is None:
        return restart
    if pending.setup:
        return redirect(url_for("auth.second_factor_setup"))
    user = pending.user
    if sf.factor_of(user) is None:  # reset since the password was typed
        sf.end_pending()
        flash("Sign in again.")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    context = {"demo_code": sf.demo_code(user)}
    if sf.locked_out(user):
        return _locked_out_page("auth/second_factor_code.html", form, **context)
    if form.validate_on_submit():
        if sf.check_code(user, form.code.data) is sf.Check.ACCEPTED:
            return _finish(user, PASSWORD_AND_CODE, pending.next_path)
        db.session.rollback()
        sf.record_failure(user)
        if sf.locked_out(user):
            return _locked_out_page("auth/second_factor_code.html", form, **context)
        form.code.errors = [WRONG_CODE]
        context["demo_code"] = sf.demo_code(user)
    return render_template("auth/second_factor_code.html", form=form, locked_out=False, **context), (
        page_status(form)
    )


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def second_factor_recovery():
    pending, restart = _pending_or_restart()
    if pending is None:
        return restart
    if pending.setup:
        return redirect(url_for("auth.second_factor_setup"))
    user = pending.user
    if sf.factor_of(user) is None:
        sf.end_pending()
        flash("Sign in again.")
        return redirect(url_for("auth.sign_in"))
    form = RecoveryCodeForm()
    if sf.locked_out(user):
        return _locked_out_page("auth/second_factor_recovery.html", form)
    if form.validate_on_submit():
        if sf.use_recovery_code(user, form.code.data):
            audit.record(user, "update", user, f"Signed in with a recovery code ({user.email})")
            left = sf.recovery_codes_left(user)
            response = _finish(user, PASSWORD_AND_RECOVERY_CODE, pending.next_path)
            _flash_codes_left(left)
            return response
        db.session.rollback()
        sf.record_failure(user)
        if sf.locked_out(user):
            return _locked_out_page("auth/second_factor_recovery.html", form)
        form.code.errors = [WRONG_RECOVERY_CODE]
    return render_template("auth/second_factor_recovery.html", form=form, locked_out=False), (
        page_status(form)
    )


def _flash_codes_left(left: int) -> None:
    words = f"{plural(left, 'recovery code')} left"
    if left <= sf.RECOVERY_CODES_LOW:
        flash(
            f"You have {words}. Get new ones from Your account → Get new recovery codes, "
            "while you still have your authenticator app."
        )
    else:
        flash(f"You signed in with a recovery code. You have {words}.")


# --- setting one up -------------------------------------------------------------------------


QR_MAX_PIXELS = 240  # fits a 320-pixel-wide screen beside the page's margins, with no style


def _qr_code(uri: str) -> str:
    qr = segno.make(uri, error="m")
    scale = max(2, QR_MAX_PIXELS // qr.symbol_size(scale=1, border=4)[0])
    return qr.svg_data_uri(scale=scale, border=4, dark="#0b0c0c", light="#ffffff")


@bp.route("/account/second-factor/set-up", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def second_factor_setup():
    """From Your account, or straight after the password for a role that requires one."""
    user, pending, answer = _who_sets_up()
    if answer is not None:
        return answer
    assert user is not None  # _who_sets_up answers when there is nobody
    if sf.factor_of(user) is not None:
        return _already_set_up(pending)
    form = CodeForm()
    if pending is not None and sf.locked_out(user):
        return _setup_locked_out(user, form, pending)
    if form.validate_on_submit():
        if sf.confirm_setup(user, form.code.data):
            return _set_up(user, pending)
        db.session.rollback()
        if pending is not None:
            sf.record_failure(user)
            if sf.locked_out(user):
                return _setup_locked_out(user, form, pending)
        form.code.errors = [WRONG_CODE]
    secret = sf.setup_secret(user)
    return render_template(
        "auth/second_factor_setup.html", form=form, locked_out=False, **_setup_context(user, secret, pending)
    ), page_status(form)


def _who_sets_up() -> tuple[User | None, sf.Pending | None, ResponseReturnValue | None]:
    """The signed-in user, or the person part-way through signing in who must set up a
    factor; else the answer to give instead (sign in again, or enter the code)."""
    if current_user.is_authenticated:
        return current_user._get_current_object(), None, None
    pending, _expired = sf.pending_sign_in()
    if pending is None:
        if _expired:
            flash("Your sign-in timed out. Sign in again.")
            return None, None, redirect(url_for("auth.sign_in"))
        return None, None, login_manager.unauthorized()
    if not pending.setup:
        # Someone with a factor enters its code: setting up another is not a way round it.
        return None, None, redirect(url_for("auth.second_factor_code"))
    return pending.user, pending, None


def _already_set_up(pending: sf.Pending | None) -> ResponseReturnValue:
    if pending is not None:
        sf.end_pending()
        flash("Your second factor is already set up. Sign in again.")
        return redirect(url_for("auth.sign_in"))
    flash("Your second factor is already set up.")
    return redirect(url_for("auth.account"))


def _setup_locked_out(user: User, form: CodeForm, pending: sf.Pending) -> ResponseReturnValue:
    secret = sf.setup_secret(user)
    return _locked_out_page("auth/second_factor_setup.html", form, **_setup_context(user, secret, pending))


def _set_up(user: User, pending: sf.Pending | None) -> ResponseReturnValue:
    """The code was right: new recovery codes, the audit event, and (during sign-in) the session."""
    codes = sf.replace_recovery_codes(user)
    audit.record(
        user,
        "update",
        user,
        f"Set up a second factor for {user.email}",
        before={"second_factor": "not set up"},
        after={"second_factor": "set up", "recovery_codes": sf.RECOVERY_CODES},
    )
    if pending is not None:
        begin_session(user, PASSWORD_AND_CODE)  # commits; the session id rotates
        continue_to = pending.next_path or url_for("main.dashboard")
    else:
        db.session.commit()
        continue_to = url_for("auth.account")
    return render_template("auth/recovery_codes.html", codes=codes, continue_to=continue_to, first_time=True)


def _setup_context(user: User, secret: str, pending) -> dict:
    return {
        "qr": _qr_code(sf.provisioning_uri(secret, user.email)),
        "secret": sf.grouped_secret(secret),
        "issuer": sf.ISSUER,
        "email": user.email,
        "signing_in": pending is not None,
    }


# --- Your account ---------------------------------------------------------------------------


def _checked_code(form: CodeForm, user: User) -> bool | None:
    """A code typed on an account page: True if right and unused; None if locked out."""
    if sf.locked_out(user):
        return None
    if not form.validate_on_submit():
        return False
    if sf.check_code(user, form.code.data) is sf.Check.ACCEPTED:
        return True
    db.session.rollback()
    sf.record_failure(user)
    if sf.locked_out(user):
        return None
    form.code.errors = [WRONG_CODE]
    return False


@bp.route("/account/second-factor/recovery-codes", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    if sf.factor_of(user) is None:
        flash("Set up a second factor first: its recovery codes come with it.")
        return redirect(url_for("auth.account"))
    form = CodeForm()
    checked = _checked_code(form, user)
    if checked is None:
        return _locked_out_page("auth/recovery_codes_new.html", form)
    if checked:
        codes = sf.replace_recovery_codes(user)
        audit.record(
            user,
            "update",
            user,
            f"Made new recovery codes for {user.email}",
            before={"recovery_codes": "earlier codes"},
            after={"recovery_codes": f"{sf.RECOVERY_CODES} new codes"},
        )
        db.session.commit()
        security_log.info("second factor: new recovery codes for user %s", user.id)
        return render_template(
            "auth/recovery_codes.html", codes=codes, continue_to=url_for("auth.account"), first_time=False
        )
    return render_template("auth/recovery_codes_new.html", form=form, locked_out=False), (page_status(form))


@bp.route("/account/second-factor/turn-off", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@login_required
def turn_off_second_factor():
    user = current_user._get_current_object()
    if sf.factor_of(user) is None:
        flash("You do not have a second factor set up.")
        return redirect(url_for("auth.account"))
    if sf.required_for(user):
        refuse(403, "second factor required for the role: it cannot be turned off")
    form = CodeForm()
    checked = _checked_code(form, user)
    if checked is None:
        return _locked_out_page("auth/second_factor_turn_off.html", form)
    if checked:
        sf.remove_factor(user)
        audit.record(
            user,
            "update",
            user,
            f"Turned off the second factor for {user.email}",
            before={"second_factor": "set up"},
            after={"second_factor": "not set up"},
        )
        db.session.commit()
        security_log.info("second factor: turned off by user %s", user.id)
        flash("Your second factor is turned off. You sign in with your password alone.", "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/second_factor_turn_off.html", form=form, locked_out=False), (
        page_status(form)
    )


# --- a programme manager resets someone's ---------------------------------------------------


@bp.route("/admin/users/<id:user_id>/second-factor/reset", methods=["POST"])
@admin_required
def reset_second_factor(user_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = found_or_404(User, user_id)
    back = redirect(url_for("admin.show_user", user_id=user.id, _anchor="second-factor"))
    if user.id == current_user.id:
        security_log.warning("second factor: user %s tried to reset their own", user.id)
        flash("You cannot reset your own second factor. Another programme manager would have to.")
        return back
    had = sf.factor_of(user) is not None
    if not sf.remove_factor(user):
        flash(f"{user.full_name} has no second factor to reset.")
        return back
    end_sessions(user, f"second factor reset by programme manager {current_user.id}", commit=False)
    audit.record(
        current_user,
        "update",
        user,
        f"Reset the second factor of {user.full_name} ({user.email})",
        before={"second_factor": "set up" if had else "being set up"},
        after={"second_factor": "not set up"},
    )
    db.session.commit()
    security_log.info("second factor: user %s's reset by programme manager %s", user.id, current_user.id)
    then = (
        "They must set up a new one the next time they sign in."
        if sf.required_for(user)
        else "They can set up a new one from Your account."
    )
    flash(
        f"{user.full_name}’s second factor has been reset and they have been signed out everywhere. {then}",
        "success",
    )
    return back
