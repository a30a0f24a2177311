"""A date's link in the error summary takes the focus to its first box, as GOV.UK's date input
pattern does (docs/architecture.md §9): from there the person types the date straight away."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for


@pytest.mark.parametrize(
    ("path", "button", "message", "day_box"),
    [
        ("/cohorts/new", "Save cohort", "Enter the start date, a Monday", "start_date-day"),
        ("/cohorts/cohort-1/schedule/new", "Add the session", "Enter the date of the session", "day-day"),
    ],
    ids=["new-cohort", "new-session"],
)
def test_date_error_link_focuses_the_day(
    tab: Tab, path: str, button: str, message: str, day_box: str
) -> None:
    page = tab.page
    tab.sign_in(login_for("admin").email)
    tab.goto(path)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    tab.settle()

    # The form with its errors still reflows at 320 CSS pixels (WCAG 2.2 1.4.10).
    page.set_viewport_size({"width": 320, "height": 900})
    wide, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{path} with errors is {wide}px wide at {window}px"
    page.set_viewport_size({"width": 1280, "height": 900})

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves the focus to the summary
    summary.get_by_role("link", name=message).click()
    expect(page.locator(f"#{day_box}")).to_be_focused()
    # The focused box is the date's Day box, inside its fieldset.
    expect(
        page.get_by_role("group", name="Start date" if day_box.startswith("start") else "Date")
    ).to_contain_text("Day")
    page.keyboard.type("7")
    expect(page.locator(f"#{day_box}")).to_have_value("7")
