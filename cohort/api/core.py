"""The API's machinery (docs/api.md): flask-smorest's Api under /api/v1, errors as RFC 9457
problem details, bearer tokens with scopes, and a rate limit per token.

Only bearer tokens sign anyone in here: the browser's session cookie is ignored, so the API
needs no CSRF protection. Every call runs as the token's owner (`current_user`), so the same
scope helpers as the pages (cohort/auth/access.py) decide what it reaches: out of scope is 404.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, NoReturn

from flask import Flask, Response, g, has_request_context, request
from flask_smorest import Api  # type: ignore[import-untyped]
from marshmallow import Schema, fields
from sqlalchemy import event, update
from werkzeug.exceptions import HTTPException

from cohort.api import tokens as api_tokens
from cohort.database import writing
from cohort.extensions import db, limiter
from cohort.models import ApiToken, AuditEvent, User

security_log = logging.getLogger("cohort.security")

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"
LAST_USED_EVERY = timedelta(minutes=1)
# A problem's `type`: stable, documented in docs/api.md (Errors); the address is this service's.
PROBLEM_TYPES = {
    400: "bad-request",
    401: "unauthorised",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    415: "unsupported-media-type",
    422: "invalid-input",
    428: "precondition-required",
    429: "too-many-requests",
    500: "server-error",
    503: "unavailable",
}


def problem_type(status: int) -> str:
    return (
        f"{PREFIX}/problems/{PROBLEM_TYPES.get(status, 'server-error' if status >= 500 else 'bad-request')}"
    )


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "Stable identifier of the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "Invalid input: field (or row) to its problems"})
    request_id = fields.String()


class CohortApi(Api):
    """flask-smorest's Api with problem details documented for every error, and no app-wide
    error handler of its own (the pages keep theirs: errors outside /api stay HTML)."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own error statuses

    # Documenting every operation (apispec reading each schema) took about half of
    # create_app(), which every web worker, job worker and `flask` command pays, while only
    # the reference page and /api/v1/openapi.json read the document. So a blueprint's routes
    # are registered at once and its documentation when the document is first read.
    _documented_later: list[tuple[Any, dict[str, Any]]]
    _spec: Any = None

    _documenting = threading.Lock()  # two first readers in two threads document once

    @property
    def spec(self) -> Any:
        with self._documenting:
            pending, self._documented_later = getattr(self, "_documented_later", []), []
        for blp, options in pending:
            name = options.get("name", blp.name)
            blp.register_views_in_doc(
                self, self._app, self._spec, name=name, parameters=options.get("parameters")
            )
            self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec, self._documented_later = value, []

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._documented_later.append((blp, {**options, "parameters": parameters}))

    def _register_error_handlers(self):
        pass  # see init_problems

    def _register_pagination_header(self):
        # The header's value is JSON text; flask-smorest documents it as an object, which a
        # header's simple style would serialise as "key,value,…". Documented as what is sent.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Paging, as JSON: total, total_pages, first_page, last_page, page, "
                "previous_page, next_page",
                "schema": {"type": "string"},
            },
            lazy=True,
        )

    def _register_responses(self):
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"


api = CohortApi()


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def problem(
    status: int, detail: str, *, errors: Any = None, headers: dict[str, str] | None = None
) -> Response:
    title = {401: "Unauthorised"}.get(status) or _title(status)
    body: dict[str, Any] = {"type": problem_type(status), "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    if request_id := g.get("request_id"):
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


DETAILS = {
    404: "Not found, or not in your scope.",
    405: "This address does not take that method.",
    422: "Some of what you sent is not valid: see errors.",
    429: "Too many requests for this token. Wait a minute and try again.",
}


def _from_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    errors = None
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # webargs/marshmallow: which fields were wrong, and why
        errors = data["messages"]
    detail = data.get("message") or DETAILS.get(status) or error.description or _title(status)
    headers: dict[str, str] = {}
    if status == 405:
        allowed = getattr(error, "valid_methods", None) or []
        headers["Allow"] = ", ".join(sorted(set(allowed) | ({"HEAD"} if "GET" in allowed else set())))
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="cohort"'
    for name, value in (data.get("headers") or {}).items():
        headers[name] = value
    return problem(status, detail, errors=errors, headers=headers)


def init_problems(app: Flask) -> None:
    """Errors under /api as problem details; everywhere else the pages' handlers as before.
    Called after cohort.errors has registered the pages' handlers, which it wraps."""
    handlers = app.error_handler_spec[None][None]
    html_http = handlers[HTTPException]
    html_unexpected = handlers[Exception]

    def http_error(error: HTTPException):
        if not is_api_request() or (error.code is not None and error.code < 400):
            return html_http(error)
        return _from_http_error(error)

    def unexpected_error(error: Exception):
        page = html_unexpected(error)  # logs, rolls back
        if not is_api_request():
            return page
        status = page[1] if isinstance(page, tuple) and isinstance(page[1], int) else 500
        return problem(status, "Sorry, there is a problem with the service. Nothing has been saved.")

    from cohort.security import NUL_MESSAGE, UnsavableCharacter

    html_unsavable = app.error_handler_spec[None][400][UnsavableCharacter]

    def unsavable(error: UnsavableCharacter):
        page = html_unsavable(error)  # rolls back
        return problem(400, NUL_MESSAGE) if is_api_request() else page

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    app.register_error_handler(UnsavableCharacter, unsavable)


# Tokens -------------------------------------------------------------------------------------


class Refusal(HTTPException):
    """An API refusal with its problem's detail (401 with WWW-Authenticate, 403, 404)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.code = status


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_key() -> str:
    """The rate limit's key: the token's prefix (its first characters, not the secret), or the
    caller's address when there is no token."""
    secret = _bearer()
    if secret and secret.startswith(api_tokens.TOKEN_START):
        return "token:" + secret[: api_tokens.PREFIX_LENGTH]
    return "address:" + (request.remote_addr or "-")


def refuse(status: int, detail: str, why: str) -> NoReturn:
    owner = g.get("api_token")
    security_log.warning(
        "api refused %s %s for token %s: %s (%s)",
        request.method,
        request.path,
        owner.id if owner is not None else "-",
        why,
        status,
    )
    raise Refusal(status, detail)


def _note_use(row: ApiToken, now: datetime) -> None:
    if row.last_used_at is not None and row.last_used_at + LAST_USED_EVERY > now:
        return
    with writing():
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        db.session.commit()


def authenticate(scope: str) -> User:
    g.pop("api_token", None)
    secret = _bearer()
    if secret is None:
        refuse(401, "Send a personal access token: Authorization: Bearer cohort_pat_…", "no token")
    now = datetime.now(UTC)
    row = api_tokens.find_live(secret or "", now)
    if row is None:
        refuse(401, "The token is not valid: it may have expired or been revoked.", "unknown or ended token")
        raise AssertionError  # unreachable
    g.api_token = row
    if scope not in row.scopes:
        refuse(403, f"The token does not have the {scope} scope.", f"missing scope {scope}")
    owner = row.user
    _note_use(row, now)
    # The acting user for the scope helpers and the audit trail; the cookie is never used here.
    g._login_user = owner
    return owner


def token_required(scope: str) -> Callable:
    """The view runs as the owner of a live bearer token that has `scope`."""
    if scope not in api_tokens.SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            authenticate(scope)
            return view(*args, **kwargs)

        wrapped._api_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorator


def rate_limited(view: Callable) -> Callable:
    return limiter.limit(lambda: _limit(), key_func=token_key)(view)


def public_rate_limited(view: Callable) -> Callable:
    """Per address, as the public page it mirrors (cohort/records/routes.py CHECK_LIMIT)."""
    from cohort.records.routes import CHECK_LIMIT

    return limiter.limit(CHECK_LIMIT, key_func=token_key)(view)


def _limit() -> str:
    from flask import current_app

    return current_app.config.get("API_RATE_LIMIT", "120 per minute")


def configure(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Cohort API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": "Cohort's JSON API. See docs/api.md."},
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "description": "A personal access token"}
                }
            },
        },
    )


READ_ERRORS = (400, 401, 403, 404, 422, 429)


def operation(blp, scope: str | None, *statuses: int):
    """An operation of `blp`: a bearer token with `scope` (checked first, before any input;
    None for a public operation), the rate limit, and the error statuses it documents, each a
    problem (application/problem+json)."""
    from http import HTTPStatus

    def decorate(view):
        if scope is not None:
            view = token_required(scope)(view)
        view = rate_limited(view) if scope is not None else public_rate_limited(view)
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        if scope is not None:
            view = blp.doc(security=[{"bearer": []}], **{"x-scope": scope})(view)
        return view

    return decorate


def abort_invalid(errors: dict) -> None:
    """422 with the problems per field, as webargs gives for input that does not parse."""
    from flask_smorest import abort

    abort(422, messages=errors)


MAX_OFFSET = 2**31 - 1  # a page number far past the end is an empty page, not a database error


def page_window(pagination_parameters) -> tuple[int, int]:
    """(offset, limit) for the page asked for."""
    return min(pagination_parameters.first_item, MAX_OFFSET), pagination_parameters.page_size


@event.listens_for(AuditEvent, "before_insert")
def _name_the_token(mapper, connection, target: AuditEvent) -> None:
    """Every change made through the API names the token it was made with (its prefix, never
    the secret) in the audit event's summary (docs/api.md, Auditing)."""
    if not has_request_context():
        return
    row = g.get("api_token")
    if row is not None and is_api_request():
        suffix = f" (through API token {row.prefix}…, “{row.name}”)"
        target.summary = (target.summary[: 300 - len(suffix)] + suffix)[:300]
