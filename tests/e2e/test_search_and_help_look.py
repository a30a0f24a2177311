"""How staff search, the Help pages and the sponsor's paged dashboard look: each at 1280 and
320 px wide, with no sideways scroll and no axe violation, the header's search box included
(at 320 px it is in the menu)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for

WIDTHS = (1280, 320)
_axe = Axe()


def _check(tab: Tab, name: str) -> None:
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.page.wait_for_timeout(100)
        assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            f"{name} scrolls sideways at {width} px"
        )
        violations = _axe.run(tab.page).response["violations"]
        assert not violations, f"{name} at {width} px: " + "; ".join(v["id"] for v in violations)
        tab.screenshot(f"{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def small_pages(live_app) -> Iterator[None]:
    """Two enrolments a page, so the demo sponsor's dashboard has page links."""
    before = live_app.config["USERS_PER_PAGE"]
    live_app.config["USERS_PER_PAGE"] = 2
    try:
        yield
    finally:
        live_app.config["USERS_PER_PAGE"] = before


def test_a_programme_manager_searches_from_the_header(tab: Tab) -> None:
    tab.sign_in(login_for("admin").email)
    box = tab.page.get_by_label("Search people, cohorts, sessions and challenges")
    box.fill("ok")
    with tab.page.expect_navigation():
        box.press("Enter")
    tab.settle()
    expect(tab.page.get_by_role("heading", name="People", exact=False).first).to_be_visible()
    expect(tab.page.get_by_role("link", name="Amara Okafor")).to_be_visible()
    _check(tab, "search-results-admin")
    tab.goto("/search?q=")
    expect(tab.page.locator(".govuk-error-summary")).to_be_visible()
    _check(tab, "search-empty-error")


def test_the_header_search_box_fits_at_320_px(tab: Tab) -> None:
    tab.sign_in(login_for("facilitator").email)
    tab.page.set_viewport_size({"width": 320, "height": 900})
    tab.page.get_by_role("button", name="Menu").click()
    box = tab.page.get_by_label("Search people, cohorts, sessions and challenges")
    expect(box).to_be_visible()
    right = tab.page.evaluate(
        "Math.max(...[...document.querySelectorAll('#header-search, #header-search + button')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert right <= 320
    tab.screenshot("header-search-menu-320")
    _check(tab, "header-search-facilitator")


def test_a_sponsor_searches_and_pages_their_dashboard(tab: Tab, small_pages) -> None:
    tab.sign_in(login_for("sponsor", "MOJ").email)
    expect(tab.page.locator(".govuk-pagination")).to_be_visible()
    _check(tab, "sponsor-dashboard-paged")
    tab.goto("/dashboard?status=active&page=2")
    assert "page 2 of" in tab.page.title()
    _check(tab, "sponsor-dashboard-filtered")
    tab.goto("/search?q=a")
    _check(tab, "search-results-sponsor")


@pytest.mark.parametrize("role", ["admin", "participant"])
def test_help_pages(tab: Tab, role: str) -> None:
    tab.sign_in(login_for(role).email)
    tab.page.get_by_role("contentinfo").get_by_role("link", name="Help").click()
    tab.settle()
    expect(tab.page.get_by_role("heading", name="What to do first")).to_be_visible()
    _check(tab, f"help-{role}")
    other = "/help/facilitators"
    tab.goto(other)
    expect(tab.page.locator(".govuk-inset-text")).to_contain_text("help for another role")
    _check(tab, f"help-facilitators-read-by-{role}")


def test_help_for_someone_not_signed_in(tab: Tab) -> None:
    tab.goto("/help")
    _check(tab, "help-general")
    tab.goto("/help/sponsors")
    expect(tab.page.locator(".govuk-inset-text")).to_contain_text("to open the pages named here")
    _check(tab, "help-sponsors-anonymous")
