"""Sign in, sign out, set and change passwords, "Forgotten your password?"."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from cohort.auth import accounts, bp
from cohort.auth.forms import ChangePasswordForm, ForgottenPasswordForm, SetPasswordForm, SignInForm
from cohort.auth.oidc import password_sign_in_allowed, passwords_off_message
from cohort.auth.passwords import password_problem, verify_password
from cohort.auth.second_factor import after_password
from cohort.auth.sessions import end_session
from cohort.auth.tokens import read_password_token
from cohort.extensions import limiter
from cohort.form_results import page_status
from cohort.forms import ConfirmForm

SIGN_IN_FAILED = "Enter a correct email address and password"


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm()
    locked_out = False
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None and not password_sign_in_allowed(result.user):
            form.email.errors = [passwords_off_message()]
        elif result.user is not None:
            # Straight in, or on to the second factor (docs/sign-in.md, Second factor).
            return after_password(result.user, safe_next(request.args.get("next")))
        elif result.locked_out:
            locked_out = True
        else:
            form.email.errors = [SIGN_IN_FAILED]
    status = 429 if locked_out else (200 if not form.errors else 400)
    return render_template(
        "auth/sign_in.html",
        form=form,
        locked_out=locked_out,
        window=current_app.config["SIGN_IN_WINDOW_MINUTES"],
    ), status


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    form = ConfirmForm()
    if form.validate_on_submit():
        # This browser only: the person's other devices stay signed in.
        end_session(current_user.current_session, "signed out")
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def set_password(token: str):
    # One page for both links (an invitation's and a reset's): the token says which it is.
    user, kind, problem = read_password_token(token)
    if user is None:
        return render_template("auth/password_link_invalid.html", problem=problem, kind=kind), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        message = password_problem(form.password.data, user.email)
        if message:
            form.password.errors = [message]
        else:
            # Ends every session the person had (a reset is often because one is not theirs).
            accounts.set_password(user, form.password.data)
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password has been set. Sign in with your email address and new password.")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, user=user, kind=kind), (page_status(form))


def _address_key() -> str:
    """The rate-limit key for the address typed: hashed, so the limiter's store holds no addresses."""
    typed = (request.form.get("email") or "").strip().lower()
    return "forgotten:" + hashlib.sha256(typed.encode()).hexdigest()


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit("10 per minute;30 per hour", methods=["POST"])
@limiter.limit("5 per hour", key_func=_address_key, methods=["POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        accounts.request_password_reset(form.email.data, request.remote_addr)
        # The same page, after at least the same time, whether or not the address has an
        # account (docs/messages.md, Invitations and forgotten passwords).
        floor = current_app.config["FORGOTTEN_PASSWORD_MIN_SECONDS"]
        time.sleep(max(0.0, floor - (time.monotonic() - started)))
        return render_template(
            "auth/forgotten_password_sent.html",
            email=form.email.data.strip(),
            minutes=current_app.config["PASSWORD_RESET_MINUTES"],
        )
    return render_template("auth/forgotten_password.html", form=form), page_status(form)


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html", sign_out_form=ConfirmForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = ["Your current password is not correct"]
        elif message := password_problem(form.password.data, current_user.email):
            form.password.errors = [message]
        else:
            user = current_user._get_current_object()
            accounts.set_password(user, form.password.data, keep=user.current_session)
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), page_status(form)
