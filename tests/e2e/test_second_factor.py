"""The second factor in a real browser (docs/sign-in.md, Second factor), with axe on every page.

- A participant sets one up from Your account (QR code, key, first code, recovery codes), signs
  in again with a code and with a recovery code, gets new recovery codes and turns it off.
- A new facilitator, whose role needs one, is sent to set it up straight after the password;
  the programme manager then resets it from the user page.
- A demo programme manager reads the demo code off the code page.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from cohort.auth.passwords import hash_password
from cohort.auth.second_factor import code_at, current_step
from cohort.demo import DEMO_PASSWORD, participant_email
from cohort.extensions import db
from cohort.models import Role, User
from tests.e2e.conftest import Tab, login_for, note_demo_code_used
from tests.e2e.test_accessibility import format_violations

_axe = Axe()


def _accessible(tab: Tab) -> None:
    violations = _axe.run(tab.page).response["violations"]
    assert not violations, f"{tab.page.url}: {format_violations(violations)}"


def _reflows(tab: Tab) -> None:
    """No sideways scroll at 320 CSS pixels (WCAG 2.2 1.4.10)."""
    tab.page.set_viewport_size({"width": 320, "height": 900})
    width, window = tab.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    tab.page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= window, f"{tab.page.url} scrolls sideways at 320 px ({width} > {window})"


def _check(tab: Tab, screenshot: str) -> None:
    tab.settle(screenshot)
    _accessible(tab)
    _reflows(tab)


def _click(tab: Tab, role: str, name: str) -> None:
    with tab.page.expect_navigation():
        tab.page.get_by_role(role, name=name).click()


def _key_on_page(tab: Tab) -> str:
    text = tab.page.locator("code").first.inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", text), text
    return text.replace(" ", "")


def _next_code(key: str, used: set[int]) -> str:
    """A code of a step not used yet (a code works once), waiting for one if need be."""
    while (step := max([current_step(), *(u + 1 for u in used)])) > current_step() + 1:
        time.sleep(0.5)
    used.add(step)
    return code_at(key, step)


def _enter(tab: Tab, code: str, button: str = "Continue") -> None:
    tab.page.get_by_label(re.compile(r"^\s*Code")).fill(f"{code[:3]} {code[3:]}")
    _click(tab, "button", button)


def _sign_in_form(tab: Tab, email: str, password: str = DEMO_PASSWORD) -> None:
    tab.goto("/sign-in")
    tab.page.get_by_label("Email address").fill(email)
    tab.page.get_by_label("Password", exact=True).fill(password)
    _click(tab, "button", "Sign in")


def test_a_participant_sets_one_up_uses_it_and_turns_it_off(tab: Tab) -> None:
    page = tab.page
    email = participant_email("Zoë Ng", "ukhsa.gov.uk")
    tab.sign_in_with_form(email)
    expect(page).to_have_url(tab.url("/dashboard"))

    tab.goto("/account")
    _click(tab, "link", "Set up a second factor")
    _check(tab, "second-factor-set-up")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a second factor")
    qr = page.get_by_role("img", name=re.compile("QR code to add Cohort"))
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    expect(page.get_by_text(f"Cohort ({email})")).to_be_visible()
    key = _key_on_page(tab)
    used: set[int] = set()

    # A wrong code first: the GOV.UK error summary, the key kept.
    right = code_at(key, current_step())
    _enter(tab, "000000" if right != "000000" else "111111")
    _check(tab, "second-factor-set-up-wrong-code")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not correct")
    assert _key_on_page(tab) == key

    _enter(tab, _next_code(key, used))
    _check(tab, "recovery-codes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.locator("ol code").all_inner_texts()
    assert len(codes) == 10
    _click(tab, "button", "I have saved my recovery codes")
    expect(page).to_have_url(tab.url("/account"))
    expect(page.get_by_text("10 of 10 recovery codes left")).to_be_visible()
    _check(tab, "account-with-second-factor")

    # Signing in again: the code page, then a recovery code instead.
    with page.expect_navigation():
        page.locator("header").get_by_role("button", name="Sign out").click()
    _sign_in_form(tab, email)
    expect(page).to_have_url(tab.url("/sign-in/code"))
    _check(tab, "second-factor-code")
    expect(page.get_by_text("Demo account")).to_have_count(0)  # not the demo key
    tab.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))  # not signed in between
    tab.goto("/sign-in/code")
    _click(tab, "link", "Use a recovery code instead")
    _check(tab, "second-factor-recovery-code")
    page.get_by_label("Recovery code").fill(codes[3].upper())
    _click(tab, "button", "Continue")
    expect(page).to_have_url(tab.url("/dashboard"))
    expect(page.get_by_text("You have 9 recovery codes left")).to_be_visible()

    # New recovery codes, with a current code.
    tab.goto("/account")
    _click(tab, "link", "Get new recovery codes")
    _check(tab, "recovery-codes-new")
    _enter(tab, _next_code(key, used), "Get new recovery codes")
    _check(tab, "recovery-codes-again")
    assert not set(page.locator("ol code").all_inner_texts()) & set(codes)

    # And off again, leaving the demo participant as it was.
    tab.goto("/account")
    _click(tab, "link", "Turn off your second factor")
    _check(tab, "second-factor-turn-off")
    _enter(tab, _next_code(key, used), "Turn off second factor")
    expect(page).to_have_url(tab.url("/account"))
    expect(page.get_by_role("link", name="Set up a second factor")).to_be_visible()


def test_a_new_facilitator_must_set_one_up_and_a_programme_manager_resets_it(
    tab: Tab, browser: Browser, live_app
) -> None:
    email = "new.facilitator.2fa@example.gov.uk"
    with live_app.app_context():
        user = User(
            email=email,
            full_name="Nia Second-Factor",
            role=Role.FACILITATOR,
            is_active_account=True,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.remove()

    page = tab.page
    _sign_in_form(tab, email)
    expect(page).to_have_url(tab.url("/account/second-factor/set-up"))
    _check(tab, "second-factor-forced-set-up")
    expect(page.get_by_text("Your role needs a second factor")).to_be_visible()
    expect(page.get_by_role("link", name="Back to your account")).to_have_count(0)
    key = _key_on_page(tab)
    _enter(tab, code_at(key, current_step()))
    _check(tab, "recovery-codes-after-forced-set-up")
    _click(tab, "button", "I have saved my recovery codes")
    expect(page).to_have_url(tab.url("/dashboard"))

    # The programme manager resets it from the user page.
    context = browser.new_context(base_url=tab.base_url, viewport={"width": 1280, "height": 900})
    try:
        manager = Tab(page=context.new_page(), base_url=tab.base_url)
        manager.sign_in(login_for("admin").email)
        manager.goto(f"/admin/users/{user_id}")
        expect(manager.page.get_by_text(re.compile(r"Second factor: set up on"))).to_be_visible()
        _check(manager, "admin-user-second-factor")
        _click(manager, "button", "Reset second factor")
        manager.settle("admin-user-second-factor-reset")
        expect(manager.page.get_by_text("second factor has been reset")).to_be_visible()
        expect(manager.page.get_by_text("Second factor: not set up.")).to_be_visible()
        assert not manager.problems(), manager.problems()
    finally:
        context.close()

    # The facilitator's browser was signed out; the next sign-in asks for a new set-up.
    tab.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    _sign_in_form(tab, email)
    expect(page).to_have_url(tab.url("/account/second-factor/set-up"))


def test_the_demo_code_is_on_the_code_page(tab: Tab) -> None:
    page = tab.page
    manager = login_for("admin").email
    _sign_in_form(tab, manager)
    expect(page).to_have_url(tab.url("/sign-in/code"))
    inset = page.locator(".govuk-inset-text")
    expect(inset).to_contain_text("Demo account: the code now is")
    shown = re.search(r"(\d{3}) (\d{3})", inset.inner_text())
    assert shown
    code = shown.group(1) + shown.group(2)
    note_demo_code_used(manager, code)  # so the other tests' codes for this login are later ones
    _enter(tab, code)
    assert urlsplit(page.url).path == "/dashboard"
