"""The subject access export's pages pass axe (docs/personal-data.md §2; docs/architecture.md §9):
the request page, "being prepared", "ready", "already downloaded", and the programme manager's
request page for a person. The live server has no worker: the test builds the file itself."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from cohort.extensions import db
from cohort.models import User
from cohort.models.privacy_exports import DataExport, ExportState
from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

_axe = Axe()


def _no_violations(tab: Tab, name: str) -> None:
    tab.screenshot(name)
    violations = _axe.run(tab.page).response["violations"]
    assert not violations, f"axe on {name}:\n" + format_violations(violations)


@pytest.mark.parametrize("role", ["participant"])
def test_export_pages_have_no_axe_violations(tab: Tab, live_app, role: str) -> None:
    email = login_for(role).email
    tab.sign_in(email)
    tab.goto("/account")
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Download your data").click()
    expect(tab.page.get_by_role("heading", name="Download your data")).to_be_visible()
    _no_violations(tab, "export-request")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Prepare the download").click()
    # The live server runs jobs at once (JOBS_IMMEDIATE outside production): ready already.
    expect(tab.page.get_by_role("button", name="Download (ZIP,")).to_be_visible()
    _no_violations(tab, "export-ready")
    status_url = tab.page.url
    export_id = int(status_url.rstrip("/").rsplit("/", 1)[1])

    with live_app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        building = DataExport(requested_by_id=person.id, subject_id=person.id)
        db.session.add(building)
        db.session.commit()
        building_id = building.id
    tab.goto(f"/data-exports/{building_id}")
    expect(tab.page.get_by_text("The file is being prepared")).to_be_visible()
    _no_violations(tab, "export-building")

    with live_app.app_context():
        db.session.get(DataExport, export_id).state = ExportState.DOWNLOADED
        db.session.commit()
    tab.goto(f"/data-exports/{export_id}")
    expect(tab.page.get_by_text("already been downloaded")).to_be_visible()
    _no_violations(tab, "export-downloaded")


def test_their_data_page_has_no_axe_violations(tab: Tab, live_app) -> None:
    tab.sign_in(login_for("admin").email)
    with live_app.app_context():
        person = db.session.scalar(select(User).where(User.email == login_for("participant").email))
        person_id = person.id
    tab.goto(f"/admin/users/{person_id}")
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Download their data").click()
    expect(tab.page.get_by_role("heading", name="Download Amara Okafor’s data")).to_be_visible()
    _no_violations(tab, "export-request-theirs")
