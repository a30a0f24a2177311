"""Erasure's page passes axe (docs/personal-data.md §4; docs/architecture.md §9): refused (still
enrolled in a running cohort), the form, the form with errors, and the person's page after."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from cohort.demo.completion import ALUMNI
from cohort.extensions import db
from cohort.models import User
from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

_axe = Axe()


def _no_violations(tab: Tab, name: str) -> None:
    tab.screenshot(name)
    violations = _axe.run(tab.page).response["violations"]
    assert not violations, f"axe on {name}:\n" + format_violations(violations)


def test_erasure_pages_have_no_axe_violations(tab: Tab, live_app) -> None:
    tab.sign_in(login_for("admin").email)
    with live_app.app_context():
        enrolled = db.session.scalar(select(User).where(User.email == login_for("participant").email)).id
        alumnus = db.session.scalar(select(User).where(User.full_name == ALUMNI[0]))
        alumnus_id, alumnus_email = alumnus.id, alumnus.email

    tab.goto(f"/admin/users/{enrolled}/erase")
    expect(tab.page.get_by_text("You cannot erase their personal data yet")).to_be_visible()
    _no_violations(tab, "erase-refused")

    tab.goto(f"/admin/users/{alumnus_id}")
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Erase this person's personal data").click()
    expect(tab.page.get_by_role("heading", name="What will be removed")).to_be_visible()
    _no_violations(tab, "erase-form")

    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Erase their personal data").click()
    expect(tab.page.get_by_text("There is a problem")).to_be_visible()
    _no_violations(tab, "erase-errors")

    tab.page.get_by_label("Why are you erasing their personal data?").fill("Erasure request ER-E2E")
    tab.page.get_by_label("Type their email address to confirm").fill(alumnus_email)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Erase their personal data").click()
    expect(tab.page.get_by_text("Personal data erased on")).to_be_visible()
    _no_violations(tab, "erased-person")
