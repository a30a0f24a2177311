"""Invitations and forgotten passwords in the browser (docs/messages.md, Invitations and
forgotten passwords): the programme manager imports nominations and sends the invitations, reads
one in Admin → Outbox, and the invited person follows its link, sets a password and signs in;
someone who never set one asks for a link from the sign-in page and does the same. axe on every
new page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

NEW_PASSWORD = "violet kettle under the stairs"


def _no_axe_violations(tab: Tab) -> None:
    violations = Axe().run(tab.page).response["violations"]
    assert not violations, format_violations(violations)


def _link_from_outbox(tab: Tab, address: str, subject: str) -> str:
    """The password link in the newest message to `address`, read as the programme manager reads
    it under Admin → Outbox; pointed at the test's server (SERVICE_URL names another host)."""
    tab.goto("/admin/outbox")
    row = tab.page.get_by_role("row").filter(has_text=address).filter(has_text=subject).first
    with tab.page.expect_navigation():
        row.get_by_role("link").first.click()
    tab.settle()
    href = tab.page.locator("#message-body a[href*='/set-password/']").first.get_attribute("href")
    assert href, "no password link in the message"
    return tab.url(urlsplit(href).path)


def _set_password_and_sign_in(
    browser: Browser, base_url: str, link: str, email: str, screenshot: str
) -> None:
    """In a browser of the person's own (nobody signed in), as they would from their inbox."""
    context = browser.new_context()
    try:
        page = context.new_page()
        person = Tab(page=page, base_url=base_url)
        page.goto(link)
        person.settle(screenshot=screenshot)
        expect(page.get_by_text(email)).to_be_visible()
        _no_axe_violations(person)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Save password").click()
        person.settle()
        expect(page.get_by_text("Your password has been set")).to_be_visible()
        person.sign_in(email, NEW_PASSWORD)
        assert "/dashboard" in page.url, page.url
        # The link works once.
        page.goto(link)
        expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
        assert not person.problems(), person.problems()
    finally:
        context.close()


def test_programme_manager_sends_invitations_after_an_import_and_one_is_followed(
    tab: Tab, browser: Browser, tmp_path
) -> None:
    page = tab.page
    nominations = tmp_path / "invitations.csv"
    nominations.write_text(
        "Email address,Given name,Surname,Organisation\n"
        "ffion.evans@justice.gov.uk,Ffion,Evans,MOJ\n"
        "marek.kowalczyk@justice.gov.uk,Marek,Kowalczyk,MOJ\n",
        encoding="utf-8",
    )
    tab.sign_in(login_for("admin").email)
    tab.goto("/cohorts/cohort-2/import")
    page.get_by_label("Nominations file").set_input_files(str(nominations))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    tab.settle()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Confirm and enrol 2 people$")).click()
    tab.settle(screenshot="journey-invitations-result")

    # The result page: who has not signed in, and the one button.
    expect(page.get_by_role("heading", name="Invite people to set a password")).to_be_visible()
    expect(page.get_by_role("cell", name="Ffion Evans")).to_be_visible()
    send = page.get_by_role(
        "button", name=re.compile(r"^Send invitations to the \d+ people who have not signed in yet$")
    )
    count = int(re.search(r"\d+", send.inner_text()).group())
    assert count >= 2
    _no_axe_violations(tab)
    with page.expect_navigation():
        send.click()
    tab.settle(screenshot="journey-invitations-sent")
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        f"{count} invitations to set a password"
    )
    expect(
        page.get_by_text("Everyone in this cohort has signed in or has been sent an invitation")
    ).to_be_visible()
    _no_axe_violations(tab)

    # The user list and page say so.
    tab.goto("/admin/users?q=ffion.evans")
    expect(page.get_by_role("cell", name=re.compile(r"^Sent "))).to_be_visible()
    expect(page.get_by_role("cell", name="Never")).to_be_visible()
    _no_axe_violations(tab)

    link = _link_from_outbox(tab, "ffion.evans@justice.gov.uk", "Set your password for Cohort")
    tab.screenshot("journey-invitations-outbox-message")
    _set_password_and_sign_in(
        browser, tab.base_url, link, "ffion.evans@justice.gov.uk", "journey-invitation-set-password"
    )


def test_someone_who_forgot_their_password_gets_a_link_by_email(tab: Tab, browser: Browser) -> None:
    page = tab.page
    email = "rhys.forgetful@justice.gov.uk"
    # A programme manager invites Rhys; the invitation goes astray.
    tab.sign_in(login_for("admin").email)
    tab.goto("/admin/users/invite")
    page.get_by_label("Full name").fill("Rhys Forgetful")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Facilitator").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Invite user").click()
    tab.settle(screenshot="journey-invited-user-page")
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"emailed to {email}")
    expect(page.get_by_role("button", name="Send a new invitation")).to_be_visible()
    _no_axe_violations(tab)

    # Rhys, in a browser of his own, uses "Forgotten your password?".
    context = browser.new_context()
    try:
        rhys = Tab(page=context.new_page(), base_url=tab.base_url)
        rhys.goto("/sign-in")
        with rhys.page.expect_navigation():
            rhys.page.get_by_role("link", name="Forgotten your password?").click()
        rhys.settle(screenshot="journey-forgotten-password")
        _no_axe_violations(rhys)
        with rhys.page.expect_navigation():
            rhys.page.get_by_role("button", name="Send me a link").click()
        rhys.settle(screenshot="journey-forgotten-password-errors")
        expect(rhys.page.get_by_role("alert")).to_contain_text("Enter your email address")
        _no_axe_violations(rhys)
        rhys.page.get_by_label("Email address").fill(email)
        with rhys.page.expect_navigation():
            rhys.page.get_by_role("button", name="Send me a link").click()
        rhys.settle(screenshot="journey-forgotten-password-sent")
        expect(rhys.page.get_by_role("heading", name="Check your email")).to_be_visible()
        _no_axe_violations(rhys)
        assert not rhys.problems(), rhys.problems()
    finally:
        context.close()

    link = _link_from_outbox(tab, email, "Reset your Cohort password")
    _set_password_and_sign_in(browser, tab.base_url, link, email, "journey-reset-password")
