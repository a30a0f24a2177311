"""A programme manager imports a department's nominations file in the browser (docs/rules.md §8)."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import SAMPLE_NOMINATIONS, format_violations


def test_upload_preview_and_confirm_enrols_everyone_in_the_file(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(login_for("admin").email)
    tab.goto("/cohorts/cohort-2")
    page.get_by_role("button", name="Import nominations").click()

    page.get_by_label("Nominations file").set_input_files(str(SAMPLE_NOMINATIONS))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    tab.settle(screenshot="journey-import-preview")
    expect(page.get_by_role("heading", name="Check the nominations before you import them")).to_be_visible()
    # Names keep their accents and apostrophes, shown as text.
    expect(page.get_by_role("cell", name=re.compile("Siân O'Neill"))).to_be_visible()

    confirm = page.get_by_role("button", name=re.compile(r"^Confirm and enrol \d+ people$"))
    expected = int(re.search(r"\d+", confirm.inner_text()).group())
    with page.expect_navigation():
        confirm.click()
    tab.settle(screenshot="journey-import-done")
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"{expected} people enrolled")
    # The import ends on the invitations page: the new people, who have not signed in yet, are listed.
    expect(page.get_by_role("heading", name="Invite people to set a password")).to_be_visible()
    expect(page.get_by_role("link", name="Łukasz Wiśniewski")).to_be_visible()
    violations = Axe().run(page).response["violations"]
    assert not violations, format_violations(violations)
    # Everyone from the file is in the cohort, those who had accounts already too.
    tab.goto("/cohorts/cohort-2")
    expect(page.get_by_role("link", name="Siân O'Neill")).to_be_visible()
    expect(page.get_by_role("link", name="Łukasz Wiśniewski")).to_be_visible()

    # The same file again: everyone is now already enrolled, so there is nothing to confirm.
    page.goto(tab.url("/cohorts/cohort-2/import"))
    page.get_by_label("Nominations file").set_input_files(str(SAMPLE_NOMINATIONS))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="There is nobody to import")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Confirm"))).to_have_count(0)
