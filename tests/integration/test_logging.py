"""Logs an operator can use (docs/operations.md, Logs and Request ids).

One line per request on cohort.requests (route pattern, status, duration, user id: no
addresses with ids or tokens, no query strings, no names or e-mail addresses); the request id
on every line of a request, in the X-Request-Id header and on the 500 page; JSON lines in
production; `flask` commands that print only their own output.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cohort import create_app
from cohort.extensions import db
from cohort.logs import configure_logging
from tests.factories import PASSWORD

GENERATED_ID = re.compile(r"[0-9a-f]{16}")


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "cohort.requests"]


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def json_logs(app, capsys):
    """The app's logging as in production (LOG_FORMAT=json), read back from standard error."""
    app.config["LOG_FORMAT"] = "json"
    configure_logging(app)
    capsys.readouterr()
    return lambda: _json_lines(capsys.readouterr().err)


def test_each_request_is_one_line_with_its_route_status_duration_and_user(client, world, sign_in, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(world.admin)
    response = client.get(f"/cohorts/{world.cohort.slug}?q=private+search+words")
    assert response.status_code == 200

    [line] = _request_lines(caplog)
    assert line.levelno == logging.INFO
    assert (line.method, line.route, line.status, line.user_id) == (
        "GET",
        "/cohorts/<slug>",
        200,
        world.admin.id,
    )
    assert line.duration_ms >= 0
    message = line.getMessage()
    assert message.startswith("GET /cohorts/<slug> 200 ") and message.endswith(f" ms user {world.admin.id}")
    for private in (world.cohort.slug, "private", world.admin.email, world.admin.full_name):
        assert private not in message


def test_an_address_no_route_matches_is_logged_without_its_query_string(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/wp-login.php?user=someone@example.org")
    [line] = _request_lines(caplog)
    assert (line.route, line.path, line.status) == (None, "/wp-login.php", 404)
    assert "someone" not in line.getMessage()


def test_production_logs_are_json_lines_with_the_request_id_on_every_line(world, sign_in, json_logs):
    client = sign_in(world.participant)
    response = client.get("/admin/users")  # refused: a security event, then the request line
    assert response.status_code == 403
    request_id = response.headers["X-Request-Id"]
    assert GENERATED_ID.fullmatch(request_id)

    lines = json_logs()
    refused, request_line = lines[-2], lines[-1]
    assert refused["logger"] == "cohort.security" and refused["level"] == "WARNING"
    assert refused["request_id"] == request_id
    assert request_line["logger"] == "cohort.requests"
    assert {key: request_line[key] for key in ("request_id", "method", "route", "status", "user_id")} == {
        "request_id": request_id,
        "method": "GET",
        "route": "/admin/users",
        "status": 403,
        "user_id": world.participant.id,
    }
    assert request_line["time"].endswith("+00:00") and request_line["duration_ms"] >= 0


def test_development_logs_are_one_readable_line_each(client, capsys):
    capsys.readouterr()
    response = client.get("/accessibility")
    written = capsys.readouterr().err.splitlines()
    request_id = response.headers["X-Request-Id"]
    assert any(
        re.search(rf" INFO cohort\.requests \[{request_id}\] GET /accessibility 200 [\d.]+ ms user -$", line)
        for line in written
    ), written


def test_each_request_gets_its_own_id_and_a_proxys_only_when_it_is_trusted(app, client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]

    from_proxy = {"X-Request-Id": "nginx-5f2c9a1b7e3d4c60"}
    assert app.config["TRUSTED_PROXY_COUNT"] == 0  # reached directly: anyone could send one
    assert client.get("/healthz", headers=from_proxy).headers["X-Request-Id"] != from_proxy["X-Request-Id"]

    app.config["TRUSTED_PROXY_COUNT"] = 1
    assert client.get("/healthz", headers=from_proxy).headers["X-Request-Id"] == from_proxy["X-Request-Id"]
    for unusable in ("has spaces", "x" * 65, "<script>", "line\\nbreak", ""):
        answered = client.get("/healthz", headers={"X-Request-Id": unusable}).headers["X-Request-Id"]
        assert GENERATED_ID.fullmatch(answered), unusable


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(database_url, world, caplog):
    caplog.set_level(logging.INFO, logger="cohort.security")
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    email = world.admin.email
    db.session.commit()  # the test's own transaction ends: the other app's request may write
    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        proxied = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "TRUSTED_PROXY_COUNT": proxies,
            }
        )
        caplog.clear()
        response = proxied.test_client().post(
            "/sign-in", data={"email": email, "password": PASSWORD}, headers=forwarded
        )
        assert response.status_code == 302
        assert f"sign-in succeeded for '{email}' from {expected}" in caplog.text
        with proxied.app_context():
            db.engine.dispose()


def test_an_unexpected_error_is_one_error_line_and_a_reference_on_the_page(
    app, client, world, sign_in, caplog, json_logs
):
    @app.route("/explode")
    def explode():
        raise RuntimeError("internals nobody should see")

    caplog.set_level(logging.INFO)
    sign_in(world.admin)
    response = client.get("/explode")

    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert "quote this reference:" in response.text and request_id in response.text
    assert "internals nobody should see" not in response.text
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.name == "cohort.errors"
    assert (error.method, error.route, error.user_id) == ("GET", "/explode", world.admin.id)
    assert "RuntimeError: internals nobody should see" in caplog.text  # the traceback, for the operator
    [written] = [line for line in json_logs() if line["level"] == "ERROR"]
    assert written["request_id"] == request_id
    assert "Traceback" in written["exc_info"]
    assert written["message"] == f"unexpected error in GET /explode for user {world.admin.id}"


def test_static_files_and_health_probes_are_logged_only_at_debug(client, caplog):
    caplog.set_level(logging.INFO)
    for path in ("/assets/images/favicon.svg", "/healthz", "/readyz"):
        with client.get(path) as response:
            assert response.status_code == 200
    assert _request_lines(caplog) == []
    caplog.set_level(logging.DEBUG)
    client.get("/healthz")
    assert [r.route for r in _request_lines(caplog)] == ["/healthz"]


def test_the_development_servers_own_request_lines_are_dropped(client, caplog):
    caplog.set_level(logging.INFO)
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.info('127.0.0.1 - - [23/Nov/2026 10:00:00] "GET /calendar/Xyz123abc.ics?x=1 HTTP/1.1" 200 -')
    werkzeug.info(" * Running on http://127.0.0.1:5000")
    assert [r.getMessage() for r in caplog.records if r.name == "werkzeug"] == [
        " * Running on http://127.0.0.1:5000"
    ]


@pytest.mark.parametrize(
    ("command", "level_set", "expected"),
    [
        ("db", None, logging.WARNING),  # any `flask` command: its output is its own
        ("run", None, logging.INFO),  # the development server logs its requests
        ("db", "DEBUG", logging.DEBUG),  # LOG_LEVEL says otherwise
    ],
)
def test_flask_commands_log_warnings_only_unless_log_level_says_otherwise(
    database_url, command, level_set, expected
):
    flask_group = click.Context(click.Group("flask"), info_name="flask")
    with flask_group, click.Context(click.Command(command), info_name=command, parent=flask_group):
        cli_app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LOG_LEVEL": level_set})
    assert logging.getLogger().level == expected
    assert logging.getLogger("alembic").level >= logging.WARNING
    assert logging.getLogger("weasyprint").level >= logging.WARNING
    with cli_app.app_context():
        db.engine.dispose()


def _flask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "COHORT_", "FLASK_"))}
    env.update(
        FLASK_APP="cohort", DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", REPORTS_FOLDER=str(tmp_path)
    )
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_flask_commands_print_only_their_own_output(tmp_path):
    upgraded = _flask(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    # No "INFO [alembic.runtime.migration] Running upgrade …", no plugin set-up lines.
    assert (upgraded.stdout, upgraded.stderr) == ("", "")

    current = _flask(tmp_path, "db", "current")
    assert current.stderr == ""
    assert current.stdout.strip().endswith("(head)")

    helped = _flask(tmp_path, "build-reports", "--help")
    assert helped.stderr == ""  # no WeasyPrint or fontTools lines
    assert helped.stdout.startswith("Usage: flask build-reports")
