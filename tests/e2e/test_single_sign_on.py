"""Single sign-on in a real browser (docs/sign-in.md, Single sign-on): a participant signs in
through a real OpenID Connect provider (oidc-provider-mock on 127.0.0.1), finds their linked
account under Your account and unlinks it; someone with no account gets a clear page. axe runs
on each new page, which must also reflow at 320 CSS pixels.

The shared live server has no provider configured, so this module serves its own: the same
app and demo data, with the provider in its settings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from cohort import create_app
from cohort.demo import seed_demo
from cohort.extensions import db
from tests.e2e.conftest import _CSP_LISTENER, Tab
from tests.e2e.test_accessibility import format_violations
from tests.oidc import MockProvider, running_provider

PROVIDER_BUTTON = "Sign in with Ministry of Justice account"
_axe = Axe()


@pytest.fixture(scope="module")
def provider() -> Iterator[MockProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory, provider: MockProvider) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("e2e-sso-db") / "cohort-e2e.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
            "RATELIMIT_ENABLED": False,
            "OIDC_PROVIDERS": {"moj": provider.settings()},
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # The provider sends the browser back to <SERVICE_URL>/sign-in/moj/callback.
    app.config["SERVICE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-sso-server", daemon=True)
    thread.start()
    try:
        yield app.config["SERVICE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def tab(browser: Browser, sso_server: str) -> Iterator[Tab]:
    context = browser.new_context(base_url=sso_server, viewport={"width": 1280, "height": 900})
    context.add_init_script(_CSP_LISTENER)
    # The provider's own page asks for a stylesheet on the internet: not needed here.
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    wrapped = Tab(page=page, base_url=sso_server)
    try:
        yield wrapped
        problems = wrapped.problems()
        assert not problems, "The browser reported problems:\n" + "\n".join(problems)
    finally:
        context.close()


def check_page(tab: Tab, name: str) -> None:
    """axe finds nothing, and the page does not scroll sideways at 320 CSS pixels."""
    tab.screenshot(name)
    violations = _axe.run(tab.page).response["violations"]
    assert not violations, f"axe on {name} ({tab.page.url}):\n" + format_violations(violations)
    tab.page.set_viewport_size({"width": 320, "height": 900})
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    tab.page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{name} scrolls sideways at 320 px ({width} px wide)"


def through_provider(tab: Tab, provider: MockProvider, sub: str) -> None:
    """Choose the provider's button on the sign-in page, then 'Authorize' on the provider's page."""
    tab.goto("/sign-in")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name=PROVIDER_BUTTON).click()
    assert tab.page.url.startswith(provider.url)
    tab.page.locator("input[name=sub]").fill(sub)
    with tab.page.expect_navigation(url=lambda url: url.startswith(tab.base_url)):
        tab.page.get_by_role("button", name="Authorize").click()
    tab.settle()


def test_a_participant_signs_in_with_their_department_account_and_unlinks_it(tab: Tab, provider):
    provider.set_user(
        "amara-e2e", {"email": "amara.okafor@justice.gov.uk", "email_verified": True, "name": "Amara Okafor"}
    )
    tab.goto("/sign-in")
    expect(
        tab.page.get_by_role("heading", name="Or sign in with your email address and password")
    ).to_be_visible()
    check_page(tab, "sso-sign-in")

    through_provider(tab, provider, "amara-e2e")
    assert tab.page.url == tab.url("/dashboard")
    expect(tab.page.get_by_role("link", name="Your account")).to_be_visible()

    tab.goto("/account")
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Single sign-on").click()
    tab.settle()
    expect(tab.page.get_by_role("heading", name="Ministry of Justice account")).to_be_visible()
    expect(tab.page.get_by_text("amara.okafor@justice.gov.uk")).to_be_visible()
    check_page(tab, "sso-your-accounts")

    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Unlink Ministry of Justice account").click()
    tab.settle()
    expect(tab.page.get_by_role("heading", name="Unlink your Ministry of Justice account")).to_be_visible()
    check_page(tab, "sso-unlink")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Unlink").click()
    tab.settle()
    expect(tab.page.get_by_text("Your Ministry of Justice account is unlinked")).to_be_visible()
    expect(tab.page.get_by_role("button", name="Link your Ministry of Justice account")).to_be_visible()
    check_page(tab, "sso-unlinked")


def test_someone_with_no_account_is_told_whom_to_ask(tab: Tab, provider):
    provider.set_user("stranger-e2e", {"email": "new.person@justice.gov.uk", "email_verified": True})
    through_provider(tab, provider, "stranger-e2e")
    expect(tab.page.get_by_role("heading", name="You do not have a Cohort account")).to_be_visible()
    expect(tab.page.get_by_text("Ask your programme manager to add you to Cohort")).to_be_visible()
    check_page(tab, "sso-refused")
    tab.goto("/account")
    assert "/sign-in" in tab.page.url  # nobody was signed in
