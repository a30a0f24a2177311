"""Security headers as the browser sees them, and no content security policy violations."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for

# Pages that use the GOV.UK template's inline script, the module script, forms and the menu.
JS_ENABLED = re.compile(r"\bgovuk-frontend-supported\b")

PAGES = [
    "/dashboard",
    "/cohorts",
    "/cohorts/cohort-1",
    "/cohorts/new",
    "/admin/users",
    "/admin/departments",
    "/admin/audit",
    "/account",
    "/accessibility",
    "/privacy",
]


def test_pages_send_security_headers_and_break_no_csp_rule(tab: Tab) -> None:
    response = tab.goto("/sign-in")
    _assert_security_headers(response.headers, "/sign-in")
    tab.sign_in(login_for("admin").email)
    for path in PAGES:
        response = tab.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        _assert_security_headers(response.headers, path)
        # The GOV.UK template's inline script ran under its nonce: the body says JS is on.
        expect(tab.page.locator("body")).to_have_class(JS_ENABLED)
    problems = tab.problems()
    assert not problems, "\n".join(problems)
    assert len(tab.visited) >= len(PAGES) + 2


def test_csp_detector_catches_a_blocked_inline_script(tab: Tab) -> None:
    """The checks above would pass trivially if violations went unseen: prove they are seen."""
    tab.goto("/accessibility")
    tab.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); }"
    )
    tab.page.wait_for_timeout(200)
    assert tab.page.evaluate("window.__ran === undefined"), "an inline script without the nonce ran"
    problems = tab.problems()
    assert any("CSP violation" in p for p in problems), problems
    tab.clear_problems()


def _assert_security_headers(headers: dict[str, str], path: str) -> None:
    csp = headers.get("content-security-policy", "")
    assert csp, f"no Content-Security-Policy on {path}"
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, f"{directive!r} missing from the CSP of {path}: {csp}"
    assert "'unsafe-inline'" not in csp, f"the CSP of {path} allows inline code: {csp}"
    assert "'nonce-" in csp, f"no nonce in the CSP of {path}"
    assert headers.get("x-content-type-options") == "nosniff", path
    assert headers.get("referrer-policy"), path
    assert headers.get("cache-control") == "no-store", path
