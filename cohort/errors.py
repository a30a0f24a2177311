"""GOV.UK-styled error pages. Every error answers with a page, never a stack trace.

A 500 or 503 page gives the request id to quote; the log line of the error carries the same
id (docs/operations.md, Request ids). JSON requests get application/problem+json.
"""

from __future__ import annotations

import contextlib
import json
import logging
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from cohort.extensions import db, login_manager
from cohort.health.checks import is_unreachable, unreachable_message
from cohort.logs import current_route, current_user_id
from cohort.security import NUL_MESSAGE, UnsavableCharacter

log = logging.getLogger("cohort.errors")

PAGES = {
    400: (
        "There is a problem with your request",
        "The request could not be understood. Go back and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "Your role does not allow you to use this page. If you think it should, contact your programme manager.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
    ),
    405: (
        "There is a problem with your request",
        "This page cannot be used in that way. Go back and try again.",
    ),
    413: (
        "The file or form is too large",
        "What you sent is larger than this service accepts (spreadsheets up to 5 MB). Make it smaller and try again.",
    ),
    429: (
        "Too many requests",
        "You have made too many requests in a short time. Wait a few minutes and try again.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. What you were doing has not been saved.",
    ),
    503: (
        "Sorry, the service is unavailable",
        "Try again later. What you were doing has not been saved.",
    ),
}


def _page(status: int, heading: str | None = None, message: str | None = None, back_url: str | None = None):
    default_heading, default_message = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    return (
        render_template(
            "errors/error.html",
            title=heading or default_heading,
            message=message or default_message,
            status=status,
            reference=g.get("request_id") if status >= 500 else None,
            back_url=back_url,
        ),
        status,
    )


def _problem(status: int, title: str, detail: str) -> Response:
    """RFC 9457 problem details, for requests that sent JSON."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if request_id := g.get("request_id"):
        body["request_id"] = request_id
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def _back_url() -> str | None:
    """Where the form came from, on this site; else the form's own page, if it has one."""
    if request.referrer:
        parts = urlsplit(request.referrer)
        if parts.netloc == request.host and parts.scheme in {"http", "https"} and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.path
    return None


def _as_anonymous() -> None:
    """Render the page for nobody in particular when the user could not be loaded (the
    database is why we are here): the header would only try again."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def init_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("CSRF check failed: %s", error.description)
        return _page(
            400,
            "Your form could not be sent",
            "The page you sent the form from has expired, or the form was not sent from this "
            "service. Go back, reload the page and try again.",
        )

    @app.errorhandler(UnsavableCharacter)
    def unsavable_character(error: UnsavableCharacter):
        with contextlib.suppress(Exception):
            db.session.rollback()  # refused mid-request: nothing half-written stays
        if request.is_json:
            return _problem(400, "A character that cannot be saved", NUL_MESSAGE)
        return _page(400, "Your form could not be saved", NUL_MESSAGE, back_url=_back_url())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is not None and error.code < 400:
            return error  # routing redirects (a missing trailing slash) pass through
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        with contextlib.suppress(Exception):  # the database may be what failed
            db.session.rollback()  # never leave a half-written change behind
        if isinstance(error, DBAPIError) and is_unreachable(error):
            # One line an operator can act on, not a traceback per request.
            log.error(unreachable_message(db.engine.url, error))
            _as_anonymous()
            return _page(503)
        user_id = current_user_id()
        log.error(
            "unexpected error in %s %s for user %s",
            request.method,
            current_route() or request.path[:200],
            user_id if user_id is not None else "-",
            exc_info=error,
            extra={"method": request.method, "route": current_route(), "user_id": user_id},
        )
        _as_anonymous()
        return _page(500)
