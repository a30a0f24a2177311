"""Two facilitators take the same register at once, each in their own browser: the second
save over the first is refused with who changed what, keeps what was typed, passes axe, and
saving again (knowingly) goes through (docs/decisions/0003-concurrent-registers-and-grids.md)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import _CSP_LISTENER, Tab
from tests.e2e.test_accessibility import format_violations

# Session 13 is a workshop of the running demo cohort that has ended; Daniel Whitfield's
# enrolment is 4. Other browser tests use sessions 11 and 12.
SESSION = 13
DANIEL = 4
REGISTER = f"/cohorts/cohort-1/sessions/{SESSION}/register"


def _second_tab(browser: Browser, live_server: str) -> Tab:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return Tab(page=page, base_url=live_server)


def test_a_save_over_a_newer_one_is_refused_and_explained(
    tab: Tab, browser: Browser, live_server: str
) -> None:
    tom = tab  # facilitator.one
    tom.sign_in("facilitator.one@example.gov.uk")
    tom.goto(REGISTER)  # Tom opens the register …

    aisha = _second_tab(browser, live_server)
    try:
        aisha.sign_in("facilitator.two@example.gov.uk")
        aisha.goto(REGISTER)  # … so does Aisha, who marks Daniel late and saves first.
        aisha.page.locator(f"input[name='mark-{DANIEL}'][value='late']").check()
        with aisha.page.expect_navigation():
            aisha.page.get_by_role("button", name="Save register").click()
        expect(aisha.page.get_by_role("alert", name="Success")).to_contain_text("Register saved")
        assert not aisha.problems(), aisha.problems()
    finally:
        aisha.page.context.close()

    page = tom.page
    page.locator(f"input[name='mark-{DANIEL}'][value='excused']").check()
    page.locator(f"#note-{DANIEL}").fill("Rang in: hospital appointment")
    with page.expect_navigation():
        page.get_by_role("button", name="Save register").click()
    tom.settle(screenshot="register-stale-save-refused")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Aisha Bello marked Daniel Whitfield late")
    # What Tom typed is still there, for him to check and save again.
    expect(page.locator(f"input[name='mark-{DANIEL}'][value='excused']")).to_be_checked()
    expect(page.locator(f"#note-{DANIEL}")).to_have_value("Rang in: hospital appointment")
    violations = Axe().run(page).response["violations"]
    assert not violations, format_violations(violations)

    with page.expect_navigation():
        page.get_by_role("button", name="Save register").click()
    tom.settle()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Register saved")
    expect(page.locator(f"input[name='mark-{DANIEL}'][value='excused']")).to_be_checked()
