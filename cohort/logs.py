"""Logs an operator can use, with no secrets in them (docs/operations.md, Logs).

init_logging(app), called once by create_app:

- one handler on the root logger, writing to standard error: a JSON object per line
  (python-json-logger) when LOG_FORMAT is json, the production default; one readable
  line otherwise;
- the level from LOG_LEVEL; when it is not set, INFO for the web service and WARNING for
  `flask` commands other than `flask run`, so a command's output is its own;
- alembic, Flask-Migrate, WeasyPrint, fontTools and matplotlib are kept to WARNING, and
  the development server's own request lines are dropped (ours replace them);
- every record made anywhere in the process has what looks like a secret replaced by
  [redacted] before any handler sees it (redact(): a safety net, not a licence to log
  secrets);
- every request gets an id: the proxy's X-Request-Id when TRUSTED_PROXY_COUNT is above 0
  and the header looks like an id, otherwise a new one. It is sent back in X-Request-Id,
  added to every record made while the request runs, and shown on the 500 page; when the
  request ends, one line on `cohort.requests` says what it was (route, not address: ids and
  tokens in addresses stay out of the logs).
"""

from __future__ import annotations

import configparser
import logging
import re
import secrets
import sys
import time

import click
from flask import Flask, current_app, g, has_request_context, request
from flask_login import AnonymousUserMixin, user_logged_out
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect as inspect_model
from sqlalchemy.exc import NoInspectionAvailable

REQUEST_LOG = logging.getLogger("cohort.requests")
REQUEST_ID_HEADER = "X-Request-Id"

# Third-party loggers that talk at INFO about their own work (migrations run, CSS parsed,
# fonts subset): an operator needs their warnings only.
QUIET_LOGGERS = ("alembic", "flask_migrate", "weasyprint", "fontTools", "matplotlib", "PIL", "huey")

# A request id from a proxy is used only if it is short and made of safe characters
# (nginx's $request_id, a UUID, AWS's Root=1-… style ids).
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=-]{0,63}")

REDACTED = "[redacted]"
_SECRETS = (
    # Password-setting links and calendar feeds: the token in the address is the key.
    (re.compile(r"(/set-password/)[A-Za-z0-9_.~%-]{6,}"), r"\1" + REDACTED),
    (re.compile(r"(/calendar/)[A-Za-z0-9_~%-]{6,}"), r"\1" + REDACTED),
    # Credentials in a URL: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@"), r"\1" + REDACTED + "@"),
    # Authorization and cookie headers, whole.
    (
        re.compile(r"(?i)\b(authorization\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest)\s+)?)[^\s,;\"']+"),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b((?:set-)?cookie\s*:\s*)[^\r\n\"']+"), r"\1" + REDACTED),
    # name=value in query strings, form bodies and cookies: tokens, passwords, secrets, sessions.
    (
        re.compile(
            r"(?i)\b([\w.-]*(?:password|passwd|secret|token|api[_-]?key|session)[\w.-]*=)"
            r"(?:'[^']*'|\"[^\"]*\"|[^&\s;,\"']+)"
        ),
        r"\1" + REDACTED,
    ),
    # 'password': '…' in dicts, JSON and reprs.
    (
        re.compile(
            r"""(?i)(["']?[\w.-]*(?:password|passwd|secret|token|authorization|cookie)[\w.-]*["']?\s*:\s*["'])[^"']*"""
        ),
        r"\1" + REDACTED,
    ),
)


def redact(text: str) -> str:
    """The text with anything that looks like a secret replaced by [redacted]."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it when the record is written
            message = None
        if message is not None:
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            # Every formatter (ours, python-json-logger's, the test runner's) prints exc_text
            # when there is no exc_info left to format again.
            record.exc_info, record.exc_text = None, cleaned


def _install_redaction() -> None:
    """Redact in the record factory, so every handler, ours or not, gets clean records."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "cohort_redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    factory.cohort_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def current_user_id() -> int | None:
    """The signed-in user's id, if this request has loaded them; never a query of its own
    (the database may be why we are logging)."""
    if not has_request_context():
        return None
    user = g.get("_login_user")  # where Flask-Login keeps the request's user
    if user is None or isinstance(user, AnonymousUserMixin):
        return g.get("signed_out_user_id")  # a sign-out is still that person's request
    return _id_of(user)


def _id_of(user) -> int | None:
    """The id from the identity map, which holds it even once the row's values have expired."""
    try:
        identity = inspect_model(user).identity
    except NoInspectionAvailable:
        return None
    return identity[0] if identity else None


def current_route() -> str | None:
    """The route's rule (/cohorts/<slug>), the same for every cohort and free of tokens."""
    if has_request_context() and request.url_rule is not None:
        return request.url_rule.rule
    return None


class RequestContextFilter(logging.Filter):
    """Adds request_id (None outside a request) to every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    """2026-11-23 10:15:02,113 INFO cohort.requests [3f9a1c2b7d4e5f60] GET /sign-in 200 12 ms"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


def _json_formatter() -> JsonFormatter:
    # {"time": "2026-11-23T10:15:02.113+00:00", "level": "INFO", "logger": "cohort.requests",
    #  "message": "GET /sign-in 200 12 ms", "request_id": "3f9a…", "method": "GET", …}
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


_format = "text"  # what the handler below writes; set by init_logging


class StandardErrorHandler(logging.StreamHandler):
    """The service's one handler: standard error as it is at each record (the test runner
    swaps it), in the format LOG_FORMAT chose, with the request id on every record.

    It builds itself from the current settings, so alembic's logging set-up can name the class
    to put it back (see _alembic_logging)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)
        self.setFormatter(_json_formatter() if _format == "json" else TextFormatter())
        self.addFilter(RequestContextFilter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # always the current sys.stderr


def _in_flask_command() -> bool:
    """True while a `flask …` command other than `flask run` or `flask worker` (services, which
    log what they do) builds the app."""
    context = click.get_current_context(silent=True)
    if context is None:
        return False
    while context is not None:
        if context.info_name in {"run", "worker"}:
            return False
        context = context.parent
    return True


def _level(app: Flask) -> int:
    configured = app.config.get("LOG_LEVEL")
    if isinstance(configured, int):
        return configured
    if configured:
        return logging.getLevelName(str(configured).upper())
    return logging.WARNING if _in_flask_command() else logging.INFO


class _DropDevServerRequestLines(logging.Filter):
    """The development server logs every request with its full address and query string;
    our own line on cohort.requests replaces it. Its start-up banner and errors stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and " - - [" in str(record.msg))


def _alembic_logging(config):
    """Flask-Migrate hands us alembic's Config before every `flask db …` command. Then
    migrations/env.py calls logging.config.fileConfig(config.config_file_name), which would
    swap our handler for alembic's own and print its INFO lines ("Running upgrade …"). Alembic
    has already read its settings from that file, and fileConfig also takes a parsed
    configuration: give it one that puts our handler back on the root logger (level left as
    it is) and keeps alembic and Flask-Migrate at WARNING."""
    logging_config = configparser.ConfigParser()
    logging_config.read_dict(
        {
            "loggers": {"keys": "root,alembic,flask_migrate"},
            "handlers": {"keys": "cohort"},
            "formatters": {"keys": ""},
            "logger_root": {"handlers": "cohort"},
            "logger_alembic": {"qualname": "alembic", "level": "WARNING", "handlers": ""},
            "logger_flask_migrate": {"qualname": "flask_migrate", "level": "WARNING", "handlers": ""},
            "handler_cohort": {"class": f"{__name__}.StandardErrorHandler", "args": "()"},
        }
    )
    config.config_file_name = logging_config
    return config


def configure_logging(app: Flask) -> None:
    """Set up the process's logging from the app's settings (again for each app a test makes)."""
    global _format
    _format = "json" if app.config.get("LOG_FORMAT") == "json" else "text"
    level = _level(app)
    _install_redaction()

    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StandardErrorHandler)]:
        root.removeHandler(handler)
    root.addHandler(StandardErrorHandler())
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _DropDevServerRequestLines) for f in werkzeug.filters):
        werkzeug.addFilter(_DropDevServerRequestLines())

    from cohort.extensions import migrate

    if _alembic_logging not in migrate.configure_callbacks:
        migrate.configure(_alembic_logging)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _request_id_from_proxy() or secrets.token_hex(8)


def _request_id_from_proxy() -> str | None:
    if not current_app.config.get("TRUSTED_PROXY_COUNT"):
        return None
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if _REQUEST_ID.fullmatch(value) else None


def _quiet(endpoint: str | None) -> bool:
    """Static files and health probes: logged at DEBUG, not one INFO line per probe."""
    return endpoint in {"static", "main.assets"} or (endpoint or "").startswith("health.")


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    level = logging.DEBUG if _quiet(request.endpoint) else logging.INFO
    if not REQUEST_LOG.isEnabledFor(level):
        return response
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    route = current_route()
    user_id = current_user_id()
    fields = {
        "method": request.method,
        "route": route,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "user_id": user_id,
    }
    if route is None:
        # No route matched (404, scanners): the address without its query string, cut short.
        fields["path"] = request.path[:200]
    REQUEST_LOG.log(
        level,
        "%s %s %s %s ms user %s",
        request.method,
        route or f"{fields['path']} (no route)",
        response.status_code,
        duration_ms,
        user_id if user_id is not None else "-",
        extra=fields,
    )
    return response


def _remember_who_signed_out(_app, user=None, **_extra) -> None:
    if user is not None and has_request_context():
        g.signed_out_user_id = _id_of(user)


def init_logging(app: Flask) -> None:
    """Logging for the process, and the request id and request line for this app."""
    configure_logging(app)
    # Registered before every other hook: the id exists before anything logs, and the request
    # line is written after every other after_request hook has had its say.
    app.before_request(_start_request)
    app.after_request(_finish_request)
    user_logged_out.connect(_remember_who_signed_out, app)
