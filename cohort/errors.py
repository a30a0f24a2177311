"""GOV.UK-styled error pages. Every error answers with a page, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cohort.extensions import db

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
}


def _page(status: int, heading: str | None = None, message: str | None = None):
    default_heading, default_message = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    return (
        render_template(
            "errors/error.html",
            title=heading or default_heading,
            message=message or default_message,
            status=status,
        ),
        status,
    )


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

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is not None and error.code < 400:
            return error  # routing redirects (a missing trailing slash) pass through
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error")
        db.session.rollback()  # never leave a half-written change behind
        return _page(500)
