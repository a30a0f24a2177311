"""Browser tests: the real app on a free localhost port, driven by Debian's chromium.

- `live_server` (session): the app served by Werkzeug in a background thread,
  on its own SQLite file in a temporary folder, migrated and seeded with the
  demo data, shut down cleanly at the end.
- `browser` (session): one headless chromium, launched through Playwright.
- `tab` (per test): a new browser context and page, wrapped in `Tab`, which
  collects console errors, page errors and content security policy
  violations; the test fails at teardown if any were seen.

Screenshots of every page visited go to test-artifacts/screenshots/.
Chromium comes from Debian (`apt-get install chromium`); set CHROMIUM to use
another binary.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright
from werkzeug.serving import make_server

from cohort import create_app
from cohort.auth.second_factor import DEMO_SECRET, code_at, current_step
from cohort.demo import DEMO_PASSWORD, DemoLogin, demo_logins, seed_demo
from cohort.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# Records every CSP violation the page reports, whether or not it reaches the console.
# Playwright injects init scripts itself, so the page's own policy does not block this one.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || document.location.href}`);
});
"""


def _chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"No chromium at {path}: the browser tests drive Debian's chromium "
            "(apt-get install chromium; .ci/run installs it), or set CHROMIUM to a binary",
            pytrace=False,
        )
    return path


_LIVE_APP: list = []


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (the `e2e` marker), without each file
    having to say so: `make test` deselects them, `make e2e` runs only them."""
    folder = Path(__file__).parent
    for item in items:
        if folder in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_app(live_server: str):
    """The live server's app, for a test to set up what no page makes (in an app context)."""
    return _LIVE_APP[-1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("e2e-db") / "cohort-e2e.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()

    # One line per request is noise in a test report.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _LIVE_APP.append(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """One page in its own browser context, with what it reported along the way."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    csp_messages: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    csp_events: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(f"{self.page.url}: {error}"))
        self.page.on("response", self._on_response)

    # --- listeners -------------------------------------------------------

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp_messages.append(f"{self.page.url}: {text}")
        elif message.type == "error":
            # Chromium logs an error for any 4xx/5xx answer, the page itself included;
            # error pages and forms answering 400 are expected. Failed sub-resources
            # are caught by _on_response instead.
            if text.startswith("Failed to load resource"):
                return
            self.console_errors.append(f"{self.page.url}: {text}")

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.failed_requests.append(f"{response.status} {response.url}")

    # --- actions ---------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, screenshot: str | None = None) -> Response:
        response = self.page.goto(self.url(path), wait_until="load")
        assert response is not None, f"no response for {path}"
        self.settle(screenshot)
        return response

    def settle(self, screenshot: str | None = None) -> None:
        """After a navigation: note the page, collect CSP events, take a screenshot."""
        self.page.wait_for_load_state("load")
        self.visited.append(self.page.url)
        self.collect_csp_events()
        if screenshot:
            self.screenshot(screenshot)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def collect_csp_events(self) -> None:
        events = self.page.evaluate("window.__cspViolations ? window.__cspViolations.splice(0) : []")
        self.csp_events.extend(f"{self.page.url}: {e}" for e in events)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD, screenshot: str | None = None) -> None:
        """Signed in as the person, on their dashboard.

        A code from the app is usable once per 30-second step per person, and many tests sign
        in as the same demo staff: the first sign-in of each login asked for a code goes through
        the real form and the code page, and its browser state is reused by the later ones
        (Playwright's storage state). A reused session that has ended (a test signed out) signs
        in afresh. People asked for no code (participants, sponsors) sign in through the form
        every time, so each browser has a session of its own; failed sign-ins are never kept."""
        key = (email.strip().lower(), password)
        cookies = _SIGNED_IN.get(key)
        if cookies:
            self.page.context.add_cookies(cookies)
            self.goto("/dashboard")
            if urlsplit(self.page.url).path == "/dashboard":
                if screenshot:
                    self.screenshot(screenshot)
                return
            del _SIGNED_IN[key]
        asked_for_code = self.sign_in_with_form(email, password, screenshot)
        if asked_for_code and urlsplit(self.page.url).path == "/dashboard":
            _SIGNED_IN[key] = self.page.context.storage_state()["cookies"]

    def sign_in_with_form(
        self, email: str, password: str = DEMO_PASSWORD, screenshot: str | None = None
    ) -> bool:
        """The real sign-in form, then the code from the demo key if the code page asks (True)."""
        self.goto("/sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        asked_for_code = urlsplit(self.page.url).path == "/sign-in/code"
        if asked_for_code:
            self.settle()
            self.enter_code(email)
        elif urlsplit(self.page.url).path == "/account/second-factor/set-up":
            self.settle()
            self.set_up_second_factor()
        self.settle(screenshot)
        return asked_for_code

    def set_up_second_factor(self) -> None:
        """On the set-up page a role that needs a second factor is sent to after the password
        (a new programme manager or facilitator): add the key shown to an "app", enter its code,
        then continue past the recovery codes, to the dashboard."""
        key = self.page.locator("code").first.inner_text().replace(" ", "")
        self.page.get_by_label("Code from your authenticator app").fill(code_at(key, current_step()))
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Continue").click()
        self.settle()
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="I have saved my recovery codes").click()

    def enter_code(self, email: str) -> None:
        """On the code page: the demo key's next unused code for this login."""
        self.page.get_by_label("Code", exact=True).fill(demo_code(email))
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Continue").click()

    def problems(self) -> list[str]:
        self.collect_csp_events()
        return [
            *(f"CSP violation (console): {m}" for m in self.csp_messages),
            *(f"CSP violation (event): {m}" for m in self.csp_events),
            *(f"JavaScript error: {m}" for m in self.page_errors),
            *(f"console error: {m}" for m in self.console_errors),
            *(f"failed request: {m}" for m in self.failed_requests),
        ]

    def clear_problems(self) -> None:
        for found in (
            self.console_errors,
            self.csp_messages,
            self.page_errors,
            self.failed_requests,
            self.csp_events,
        ):
            found.clear()


@pytest.fixture
def tab(browser: Browser, live_server: str) -> Iterator[Tab]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    wrapped = Tab(page=page, base_url=live_server)
    try:
        yield wrapped
        problems = wrapped.problems()
        assert not problems, "The browser reported problems:\n" + "\n".join(problems)
    finally:
        context.close()


# Cookies of one signed-in browser per (demo login, password), for the whole run.
_SIGNED_IN: dict[tuple[str, str], list] = {}
# The last 30-second step whose code each login has used: a code works once (docs/sign-in.md).
_LAST_STEP: dict[str, int] = {}


def demo_code(email: str) -> str:
    """The demo key's code for a step this login has not used yet: this step's, or the next's
    (accepted too), or, after both, the one after, once its step is near enough."""
    email = email.strip().lower()
    step = current_step()
    last = _LAST_STEP.get(email)
    if last is not None and last >= step:
        step = last + 1
        while step > current_step() + 1:
            time.sleep(0.5)
    _LAST_STEP[email] = step
    return code_at(DEMO_SECRET, step)


def note_demo_code_used(email: str, code: str) -> None:
    """A demo code typed by a test itself (read off the page): its step is used up."""
    now = current_step()
    steps = [step for step in (now - 1, now, now + 1) if code_at(DEMO_SECRET, step) == code]
    if steps:
        email = email.strip().lower()
        _LAST_STEP[email] = max(_LAST_STEP.get(email, steps[-1]), steps[-1])


def login_for(role: str, department: str | None = None) -> DemoLogin:
    """The demo login for a role (and department, for sponsors)."""
    for login in demo_logins():
        if login.role.value == role and (department is None or login.department == department):
            return login
    raise LookupError(f"no demo login for {role} {department or ''}".strip())
