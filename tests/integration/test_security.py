"""Headers, content security policy, error pages and request limits."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import InternalServerError  # noqa: F401 - documents what a 500 is

from cohort import create_app
from cohort.extensions import db


def test_pages_carry_security_headers_and_a_csp_nonce_matching_the_script(client, world, sign_in):
    sign_in(world.admin)
    response = client.get("/dashboard")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert directive in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<script nonce="{nonce}">' in response.text
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # development


def test_each_response_gets_a_new_nonce(client):
    first = client.get("/sign-in").headers["Content-Security-Policy"]
    second = client.get("/sign-in").headers["Content-Security-Policy"]
    assert first != second


def test_production_sends_hsts_and_secure_cookies(monkeypatch, database_url):
    monkeypatch.setenv("COHORT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COHORT_ALLOW_SQLITE", "1")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("SERVICE_URL", "https://cohort.example.gov.uk")
    app = create_app()
    assert app.debug is False
    response = app.test_client().get("/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.engine.dispose()


def test_static_files_are_cacheable_but_pages_are_not(client):
    with client.get("/assets/images/favicon.svg") as asset:
        assert asset.status_code == 200
        assert "no-store" not in asset.headers.get("Cache-Control", "")
    assert client.get("/accessibility").headers["Cache-Control"] == "no-store"


def test_not_found_is_a_govuk_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "govuk-template" in response.text


def test_oversized_request_gets_a_clear_413_page(app, client, world, sign_in):
    sign_in(world.admin)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/cohorts/new", data={"name": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.text


def test_unexpected_error_shows_a_friendly_500_and_no_traceback(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": False})

    @app.route("/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    with app.app_context():
        db.engine.dispose()


def test_footer_links_to_accessibility_and_privacy(client):
    page = client.get("/sign-in").text
    assert 'href="/accessibility"' in page and 'href="/privacy"' in page
    assert "govuk-footer__crown" not in page  # internal service: no crown logo
    assert "GDS Transport" not in page


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/cohorts/%00", 404),
        ("/cohorts/cohort-1%00/schedule", 404),
        ("/participants/?q=%00", 200),
        ("/admin/users?q=a%00b", 200),
        ("/admin/audit?%00=1", 200),
        ("/cohorts/cohort-1/schedule?week=%00", 404),  # world's cohorts have other addresses
    ],
)
def test_nul_characters_in_addresses_are_not_found_and_dropped_from_searches(
    client, world, sign_in, path, status
):
    # PostgreSQL refuses strings holding NUL: they must never reach a query.
    sign_in(world.admin)
    response = client.get(path)
    assert response.status_code == status
    assert "Sorry, there is a problem with the service" not in response.text
