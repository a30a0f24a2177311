"""A facilitator takes a register and runs a self check-in that a participant uses."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Tab, login_for

# Seeded ids are stable: the standard programme's sessions are 1–19 in order (11 is the
# week 8 workshop, ended on any day the demo is seeded), the drop-in with an open check-in
# is 39, and Daniel Whitfield's enrolment is 4.
WEEK_8_WORKSHOP = 11
DROP_IN = 39
DANIEL = 4


def test_facilitator_takes_a_register_with_mark_all_present(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(login_for("facilitator").email)
    tab.goto(f"/cohorts/cohort-1/sessions/{WEEK_8_WORKSHOP}")
    page.get_by_role("button", name="Take the register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register")

    with page.expect_navigation():
        page.get_by_role("button", name="Mark everyone not yet marked as present").first.click()
    unmarked = page.locator("input[type=radio][value=present]:checked")
    expect(unmarked.first).to_be_visible()
    page.locator(f"input[name='mark-{DANIEL}'][value='absent']").check()
    page.locator(f"#note-{DANIEL}").fill("No word from him – chased by e-mail")
    with page.expect_navigation():
        page.get_by_role("button", name="Save register").click()
    tab.settle(screenshot="journey-register-saved")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Register saved")
    expect(page.locator(f"input[name='mark-{DANIEL}'][value='absent']")).to_be_checked()
    expect(page.locator(f"#note-{DANIEL}")).to_have_value("No word from him – chased by e-mail")
    # Nobody is left without a mark.
    names = page.locator("tbody tr:has(input[type=radio])")
    assert names.count() >= 20
    for row in range(names.count()):
        expect(names.nth(row).locator("input[type=radio]:checked")).to_have_count(1)


def test_participant_checks_in_with_the_code_the_facilitator_shows(
    browser: Browser, live_server: str
) -> None:
    facilitator = Tab(page=browser.new_context(base_url=live_server).new_page(), base_url=live_server)
    participant = Tab(page=browser.new_context(base_url=live_server).new_page(), base_url=live_server)
    try:
        facilitator.sign_in(login_for("facilitator").email)
        facilitator.goto(f"/cohorts/cohort-1/sessions/{DROP_IN}/check-in", screenshot="journey-check-in-code")
        code = facilitator.page.locator("#check-in-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{6}", code), code
        expect(facilitator.page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()

        participant.sign_in(login_for("participant").email)
        participant.page.get_by_role("link", name="Check in", exact=True).click()
        participant.page.get_by_label("Check-in code").fill("WRONG1")
        with participant.page.expect_navigation():
            participant.page.get_by_role("button", name="Check in").click()
        expect(participant.page.locator(".govuk-error-summary")).to_be_visible()

        participant.page.get_by_label("Check-in code").fill(code.lower())
        with participant.page.expect_navigation():
            participant.page.get_by_role("button", name="Check in").click()
        participant.settle(screenshot="journey-checked-in")
        expect(participant.page.get_by_role("alert", name="Success")).to_contain_text(
            "You are checked in to “Drop-in: project clinic” (present)"
        )

        facilitator.page.reload()
        expect(facilitator.page.get_by_text(re.compile(r"^1 of \d+ checked in$"))).to_be_visible()
        assert not facilitator.problems() and not participant.problems()
    finally:
        facilitator.page.context.close()
        participant.page.context.close()
