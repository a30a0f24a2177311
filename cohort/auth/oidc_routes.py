"""Single sign-on pages (docs/sign-in.md, Single sign-on).

`/sign-in/<provider>` sends the browser to the provider (authorization code flow with PKCE,
state and nonce, kept by Authlib in the signed session cookie); `/sign-in/<provider>/callback`
takes the answer back: Authlib exchanges the code and checks the ID token's signature,
issuer, audience, expiry and nonce, then cohort/auth/oidc.py decides who it signs in. The same
callback finishes linking an account from Your account → Single sign-on ("link" mode).
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client.errors import (  # type: ignore[import-untyped]
    MismatchingStateError,
    OAuthError,
)
from authlib.integrations.flask_client import OAuth  # type: ignore[import-untyped]
from flask import Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from joserfc import errors as jose_errors
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import ValidationError

from cohort.auth import bp, oidc
from cohort.auth.access import admin_required
from cohort.auth.oidc_settings import Provider
from cohort.auth.routes import safe_next
from cohort.auth.sessions import begin_session, single_sign_on
from cohort.database import writing
from cohort.extensions import db, limiter
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404, parse_id
from cohort.models import SignInIdentity, User

EXTENSION = "cohort.single_sign_on"
LINKING = "single_sign_on_link"  # session: {"provider": key, "user_id": id} while linking
NEXT = "single_sign_on_next"  # session: where to go after signing in
TIMEOUT_SECONDS = 10  # every request to a provider


@bp.record_once
def _init(state) -> None:
    app: Flask = state.app
    app.extensions[EXTENSION] = {"oauth": OAuth(app), "clients": {}}
    # Authlib logs the PKCE code verifier at DEBUG: never a secret in the log, whatever
    # LOG_LEVEL says (docs/sign-in.md, Single sign-on).
    logging.getLogger("authlib").setLevel(logging.INFO)


def _client(provider: Provider):
    """Authlib's client for this provider, made on first use from the settings."""
    registry = current_app.extensions[EXTENSION]
    known = registry["clients"].get(provider.key)
    if known is not None and known[0] == provider:
        return known[1]
    name = f"oidc_{provider.key}"
    registry["oauth"]._clients.pop(name, None)  # the settings changed since: a new client
    client = registry["oauth"].register(
        name=name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )
    registry["clients"][provider.key] = (provider, client)
    return client


def _provider_or_404(key: str) -> Provider:
    provider = oidc.provider_for(key) if len(key) <= 40 else None
    if provider is None:
        abort(404)
    return provider


def _callback_url(provider: Provider) -> str:
    # The address registered with the provider: <SERVICE_URL>/sign-in/<key>/callback.
    base = current_app.config.get("SERVICE_URL") or request.host_url
    return base.rstrip("/") + url_for("auth.sign_in_callback", provider=provider.key)


def _refused(problem: oidc.Refusal, provider: Provider | None, linking: bool = False):
    db.session.rollback()
    problem.log(provider)
    return render_template(
        "auth/single_sign_on_refused.html", problem=problem, provider=provider, linking=linking
    ), problem.status


def _describe(error: BaseException) -> str:
    # The class and the claim only: an exception's text can quote what the provider sent.
    claim = getattr(error, "claim", None)
    return type(error).__name__ + (f" ({claim})" if claim else "")


def _network_refusal(error: BaseException, provider: Provider) -> oidc.Refusal:
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return oidc.refusal("unavailable", provider, _describe(error))
    return oidc.refusal("nonsense", provider, _describe(error))


def _to_provider(provider: Provider):
    client = _client(provider)
    try:
        return client.authorize_redirect(_callback_url(provider))
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as error:
        return _refused(_network_refusal(error, provider), provider)


@bp.route("/sign-in/<provider>")
@limiter.limit("30 per minute")
def start_sign_in(provider: str):
    chosen = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    session.pop(LINKING, None)
    target = safe_next(request.args.get("next"))
    if target:
        session[NEXT] = target
    return _to_provider(chosen)


def _token(provider: Provider) -> dict:
    """Exchange the code and check the ID token, or raise the refusal that says why not."""
    client = _client(provider)
    try:
        metadata = client.load_server_metadata()
        issuer = metadata.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise oidc.refusal("nonsense", provider, "no issuer in the provider's metadata")
        # Audience checked here: Authlib checks `azp` but not `aud` by itself.
        options = {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": provider.client_id},
        }
        token = client.authorize_access_token(claims_options=options)
    except MismatchingStateError as error:
        raise oidc.refusal("state", provider, _describe(error)) from None
    except OAuthError as error:
        reason = {"invalid_grant": "code", "access_denied": "denied"}.get(error.error or "", "nonsense")
        raise oidc.refusal(reason, provider, f"provider said {error.error}") from None
    except jose_errors.ExpiredTokenError as error:
        raise oidc.refusal("expired", provider, _describe(error)) from None
    except jose_errors.ClaimError as error:
        reason = {"nonce": "nonce", "aud": "audience", "azp": "audience", "iss": "issuer"}.get(
            error.claim, "signature"
        )
        raise oidc.refusal(reason, provider, _describe(error)) from None
    except jose_errors.JoseError as error:
        raise oidc.refusal("signature", provider, _describe(error)) from None
    except (requests.RequestException, ValueError, KeyError, RuntimeError, TypeError) as error:
        raise _network_refusal(error, provider) from None
    if not isinstance(token.get("userinfo"), dict):
        raise oidc.refusal("nonsense", provider, "no ID token")
    return token


def _claims(provider: Provider, token: dict) -> dict:
    """The ID token's claims, with the provider's userinfo when the ID token has no e-mail."""
    claims = dict(token["userinfo"])
    if claims.get("email"):
        return claims
    client = _client(provider)
    if not client.load_server_metadata().get("userinfo_endpoint"):
        return claims
    try:
        extra = dict(client.userinfo(token=token))
    except (requests.RequestException, ValueError, KeyError, RuntimeError, OAuthError) as error:
        raise _network_refusal(error, provider) from None
    if extra.get("sub") != claims.get("sub"):
        raise oidc.refusal("nonsense", provider, "userinfo is for another subject")
    return {**extra, **{k: v for k, v in claims.items() if v is not None}}


@bp.route("/sign-in/<provider>/callback")
@limiter.limit("30 per minute")
def sign_in_callback(provider: str):
    chosen = _provider_or_404(provider)
    linking = session.get(LINKING) or {}
    link_mode = linking.get("provider") == chosen.key
    try:
        said = oidc.asserted(_claims(chosen, _token(chosen)), chosen)
        # This GET writes (the provider sends the browser back with a GET): it takes the write
        # lock before reading, as every POST does (docs/decisions/0002-sqlite-begin-immediate.md).
        with writing():
            if link_mode:
                session.pop(LINKING, None)
                if not current_user.is_authenticated or current_user.id != linking.get("user_id"):
                    raise oidc.refusal("link-signed-out", chosen, "signed out while linking")
                oidc.link_to(current_user._get_current_object(), chosen, said)
                flash(f"Your {chosen.name} is linked. You can use it to sign in to Cohort.", "success")
                return redirect(url_for("auth.single_sign_on_accounts"))
            target = session.pop(NEXT, None)
            user = oidc.person_for_sign_in(chosen, said)
            begin_session(user, single_sign_on(chosen.name))  # commits the link or new account with it
            return redirect(safe_next(target) or url_for("main.dashboard"))
    except oidc.Refusal as problem:
        return _refused(problem, chosen, linking=link_mode)
    except IntegrityError:
        return _refused(oidc.refusal("conflict", chosen, "identity linked at the same moment"), chosen)


# Your account → Single sign-on ---------------------------------------------------------------


@bp.route("/account/single-sign-on")
@login_required
def single_sign_on_accounts():
    if not oidc.providers():
        abort(404)
    identities = oidc.identities_of(current_user)
    linked = {identity.provider for identity in identities}
    return render_template(
        "auth/single_sign_on.html",
        identities=identities,
        unlinked=[p for p in oidc.providers() if p.key not in linked],
        passwords_off=not oidc.password_sign_in_allowed(current_user),
    )


@bp.route("/account/single-sign-on/<provider>/link")
@login_required
@limiter.limit("30 per minute")
def link_account(provider: str):
    chosen = _provider_or_404(provider)
    # A link, not a form (the provider's page is on another site), so the CSRF token travels
    # in the address: nobody else's page can start linking an account to yours.
    try:
        validate_csrf(request.args.get("csrf_token"))
    except (ValidationError, CSRFError):
        abort(400)
    session[LINKING] = {"provider": chosen.key, "user_id": current_user.id}
    return _to_provider(chosen)


def _identity_of(user_id: int, raw: str | None) -> SignInIdentity | None:
    wanted = parse_id(raw)
    if wanted is None:
        return None
    return db.session.scalar(
        select(SignInIdentity).where(SignInIdentity.id == wanted, SignInIdentity.user_id == user_id)
    )


@bp.route("/account/single-sign-on/unlink", methods=["GET", "POST"])
@login_required
def unlink_account():
    form = ConfirmForm()
    raw = request.form.get("identity") if request.method == "POST" else request.args.get("identity")
    if request.method == "POST" and parse_id(raw) is None:
        abort(400)
    identity = _identity_of(current_user.id, raw)
    if identity is None:
        if request.method == "POST":
            flash("That account was already unlinked.")
            return redirect(url_for("auth.single_sign_on_accounts"))
        abort(404)
    problem = oidc.unlink_problem(current_user, identity)
    if request.method == "POST" and form.validate_on_submit() and problem is None:
        name = oidc.provider_name(identity.provider)
        oidc.unlink(current_user._get_current_object(), identity)
        flash(f"Your {name} is unlinked. You can no longer use it to sign in to Cohort.", "success")
        return redirect(url_for("auth.single_sign_on_accounts"))
    if request.method == "POST" and problem is None:
        abort(400)  # the form's CSRF token was missing or wrong
    status = 409 if (problem and request.method == "POST") else 200
    return render_template(
        "auth/single_sign_on_unlink.html", identity=identity, problem=problem, form=form
    ), status


@bp.route("/admin/users/<id:user_id>/single-sign-on/unlink", methods=["POST"])
@admin_required
def admin_unlink_identity(user_id: int):
    user = found_or_404(User, user_id)
    raw = request.form.get("identity")
    if not ConfirmForm().validate_on_submit() or parse_id(raw) is None:
        abort(400)
    identity = _identity_of(user.id, raw)
    back = redirect(url_for("admin.show_user", user_id=user.id) + "#single-sign-on")
    if identity is None:
        flash("That account was already unlinked.")
        return back
    problem = oidc.unlink_problem(user, identity)
    if problem:
        flash(problem + ".", "error")
        return back
    name = oidc.provider_name(identity.provider)
    oidc.unlink(current_user._get_current_object(), identity)
    flash(f"{user.full_name}’s {name} is unlinked.", "success")
    return back
