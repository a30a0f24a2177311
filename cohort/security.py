"""Security wiring for every request: headers, content security policy, sessions.

- A fresh CSP nonce per response for the GOV.UK template's one inline script.
- Sessions end after SESSION_IDLE_TIMEOUT without a request and after
  SESSION_ABSOLUTE_TIMEOUT since sign-in, whatever the activity.
- Pages are never stored by browsers or proxies (they show personal data);
  only the static files are cacheable.
- Characters PostgreSQL cannot store (NUL) never reach a query: not found in an address,
  dropped from a query string, refused (400) in a file's name or a JSON body. Form fields
  are the forms' to check (they say which field is wrong); whatever a form lets through is
  refused with the same 400 page just before the statement would carry it to the database.
- Behind TRUSTED_PROXY_COUNT proxies, the client's address and scheme come from their
  X-Forwarded-For and X-Forwarded-Proto headers (docs/operations.md, Request ids).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import event
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from cohort.extensions import db

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


NUL_MESSAGE = (
    "The form contained a character that cannot be saved (a NUL character). Remove it and try again."
)

# NUL, which PostgreSQL refuses in text; lone surrogates, which cannot be encoded to store
# (a JSON body can carry "\ud800"; form fields are decoded from UTF-8 and cannot).
_UNSAVABLE = re.compile("[\x00\ud800-\udfff]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnsavableCharacter(BadRequest):
    """A form field, file name or JSON value holds a character the database cannot store."""

    description = NUL_MESSAGE


def _json_holds_unsavable(value) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSAVABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _body_holds_unsavable() -> bool:
    """A JSON body, or the name of an uploaded file, with a character the database cannot
    store. (A file's content is the importer's to judge, and form fields the forms'.)"""
    if request.is_json:
        return _json_holds_unsavable(request.get_json(silent=True))
    files = request.files.items(multi=True)
    return any(_UNSAVABLE.search(key) or _UNSAVABLE.search(file.filename or "") for key, file in files)


def _parameter_values(parameters):
    """Every value bound to a statement: a dict or a sequence, or a list of them (executemany
    and SQLAlchemy's batched inserts hand over either shape)."""
    for item in parameters.values() if isinstance(parameters, dict) else parameters:
        if isinstance(item, dict):
            yield from item.values()
        elif isinstance(item, list | tuple):
            yield from item
        else:
            yield item


def _refuse_unsavable_parameters(_connection, _cursor, _statement, parameters, _context, _executemany):
    """The last stop before the database, for every statement a request runs: a text value
    holding NUL is refused with the 400 page, not sent to PostgreSQL to fail (a 500).
    Same on SQLite, so the tests see what production does. Commands are left to the database."""
    if not has_request_context() or not parameters:
        return
    for value in _parameter_values(parameters):
        if isinstance(value, str) and _UNSAVABLE.search(value):
            security_log.info(
                "refused %s %s: a NUL character on its way to the database", request.method, request.path
            )
            raise UnsavableCharacter()


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
    string NUL characters are dropped, so searches and filters behave as if never typed.
    A JSON body or a file name holding one is refused (400) before any query: what was
    sent cannot be saved as it is, and the person is told so."""
    if "\x00" in request.path:
        abort(404)
    if request.method in _BODY_METHODS and _body_holds_unsavable():
        security_log.info(
            "refused %s %s: a NUL character in the body or a file name", request.method, request.path
        )
        raise UnsavableCharacter()
    if "\x00" in unquote_to_bytes(request.query_string).decode("latin-1"):
        request.args = ImmutableMultiDict(
            (key.replace("\x00", ""), value.replace("\x00", ""))
            for key, value in request.args.items(multi=True)
        )


def init_security(app: Flask) -> None:
    if proxies := app.config.get("TRUSTED_PROXY_COUNT"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_refuse_nul_characters)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _refuse_unsavable_parameters)

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
