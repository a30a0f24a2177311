"""Signing in and out through the real forms, in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from cohort.demo import DEMO_COHORT_NAME
from tests.e2e.conftest import Tab, login_for


def test_programme_manager_signs_in_sees_dashboard_and_signs_out(tab: Tab) -> None:
    page = tab.page
    manager = login_for("admin")

    tab.goto("/dashboard")
    expect(page).to_have_url(tab.url("/sign-in?next=%2Fdashboard"))

    tab.sign_in(manager.email, screenshot="sign-in-then-dashboard")
    expect(page).to_have_url(tab.url("/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("AI Accelerator Programme")
    # The cohort's own page; the overview's link of the same words goes to its completion report.
    expect(page.get_by_role("link", name=DEMO_COHORT_NAME, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"{DEMO_COHORT_NAME} completion report", exact=True)).to_be_visible()

    with page.expect_navigation():
        page.locator("header").get_by_role("button", name="Sign out").click()
    tab.settle("signed-out")
    expect(page).to_have_url(tab.url("/sign-in"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # The session really ended: the dashboard asks for sign-in again.
    tab.goto("/dashboard")
    expect(page).to_have_url(tab.url("/sign-in?next=%2Fdashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Cohort")
    expect(page.get_by_text(DEMO_COHORT_NAME)).to_have_count(0)


def test_wrong_password_shows_the_error_summary(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(
        login_for("facilitator").email, password="not the right password", screenshot="sign-in-wrong-password"
    )

    expect(page).to_have_url(tab.url("/sign-in"))
    expect(page).to_have_title("Error: Sign in – Cohort")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter a correct email address and password")).to_be_visible()
    # The GOV.UK error summary takes focus so screen readers announce it.
    expect(summary).to_be_focused()
    # The inline error sits on the field too, and the password is not echoed back.
    expect(page.locator(".govuk-error-message")).to_contain_text("Enter a correct email address and password")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


def test_unknown_account_gets_the_same_message(tab: Tab) -> None:
    page = tab.page
    tab.sign_in("nobody@example.gov.uk", password="whatever it may be")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct email address and password")
