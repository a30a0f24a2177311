"""Security wiring for every request: headers, content security policy, sessions.

- A fresh CSP nonce per response for the GOV.UK template's one inline script.
- Sessions end after SESSION_IDLE_TIMEOUT without a request and after
  SESSION_ABSOLUTE_TIMEOUT since sign-in, whatever the activity.
- Pages are never stored by browsers or proxies (they show personal data);
  only the static files are cacheable.
- Behind TRUSTED_PROXY_COUNT proxies, the client's address and scheme come from their
  X-Forwarded-For and X-Forwarded-Proto headers (docs/operations.md, Request ids).
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

security_log = logging.getLogger("cohort.security")

SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_LAST_SEEN = "last_seen"


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def _is_static(path: str) -> bool:
    return path.startswith(("/static/", "/assets/"))


def _enforce_session_timeouts():
    if not current_user.is_authenticated:
        return None
    now = datetime.now(UTC).timestamp()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    signed_in_at = session.get(SESSION_SIGNED_IN_AT, 0)
    last_seen = session.get(SESSION_LAST_SEEN, 0)
    if now - last_seen > idle or now - signed_in_at > absolute:
        security_log.info("session timed out for user %s", current_user.id)
        logout_user()
        session.clear()
        flash("You were signed out because your session timed out. Sign in again to continue.")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    session[SESSION_LAST_SEEN] = now
    return None


def start_session() -> None:
    """Called right after a successful sign-in (the session was cleared just before)."""
    now = datetime.now(UTC).timestamp()
    session.permanent = True
    session[SESSION_SIGNED_IN_AT] = now
    session[SESSION_LAST_SEEN] = now


def _refuse_nul_characters():
    """No address holds a NUL character, and no search or filter can mean one; PostgreSQL
    would refuse it mid-query (a 500). An address with one is not found; in the query
    string NUL characters are dropped, so searches and filters behave as if never typed."""
    if "\x00" in request.path:
        abort(404)
    if "\x00" in unquote_to_bytes(request.query_string).decode("latin-1"):
        request.args = ImmutableMultiDict(
            (key.replace("\x00", ""), value.replace("\x00", ""))
            for key, value in request.args.items(multi=True)
        )


def init_security(app: Flask) -> None:
    if proxies := app.config.get("TRUSTED_PROXY_COUNT"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_refuse_nul_characters)

    @app.before_request
    def _timeouts():
        if _is_static(request.path) or request.blueprint == "health":
            return None  # health probes never sign anyone out, nor load a user
        return _enforce_session_timeouts()

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = _content_security_policy(csp_nonce())
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["ENV_IS_PRODUCTION"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if _is_static(request.path):
            headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response

    app.jinja_env.globals["csp_nonce"] = csp_nonce
