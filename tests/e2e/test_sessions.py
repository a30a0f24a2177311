"""Where you're signed in, in real browsers: two browsers of one person, one ends the other
(docs/sign-in.md, Sessions)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def test_a_participant_signs_out_their_phone_from_their_laptop(
    tab: Tab, browser: Browser, live_server: str
) -> None:
    person = login_for("participant")
    phone_context = browser.new_context(
        base_url=live_server, user_agent=PHONE, viewport={"width": 320, "height": 700}
    )
    try:
        phone = Tab(page=phone_context.new_page(), base_url=live_server)
        phone.sign_in(person.email)
        expect(phone.page).to_have_url(tab.url("/dashboard"))

        tab.sign_in(person.email)
        tab.goto("/account")
        with tab.page.expect_navigation():
            tab.page.get_by_role("link", name="Where you’re signed in").click()
        page = tab.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Where you’re signed in")
        expect(page.get_by_text("This browser", exact=True)).to_have_count(1)
        expect(page.get_by_role("heading", name="Mobile Safari on iOS")).to_be_visible()
        tab.screenshot("sessions-two-browsers")
        violations = Axe().run(page).response["violations"]
        assert not violations, format_violations(violations)

        with page.expect_navigation():
            page.get_by_role("button", name="Sign out Mobile Safari on iOS").click()
        expect(page.get_by_text("Mobile Safari on iOS has been signed out")).to_be_visible()
        expect(page.get_by_role("heading", name="Mobile Safari on iOS")).to_have_count(0)

        # The phone is signed out on its next page; the laptop carries on.
        phone.goto("/dashboard")
        expect(phone.page).to_have_url(tab.url("/sign-in?next=%2Fdashboard"))
        tab.goto("/dashboard")
        expect(page).to_have_url(tab.url("/dashboard"))
        assert not phone.problems()
    finally:
        phone_context.close()
