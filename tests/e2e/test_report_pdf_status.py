"""A department report's PDF while the job queue prints it (docs/messages.md, Report PDFs): the
"Preparing your PDF" page passes axe, does not move the reader on by itself, offers "Check
again", and says in its live region when the PDF is ready, with a link to download it."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import delete, select

from cohort.extensions import db
from cohort.models.reports import PdfState, ReportPdf
from cohort.reports import routes as report_routes
from cohort.reports import stored_pdfs
from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

PDF = "/departments/MOJ/report.pdf"


@pytest.fixture
def queue_held(live_app, monkeypatch):
    """The job queue takes the build but no worker runs it yet (the queue in the tests runs a
    job when it is queued); the page checks every second, not every five."""
    queued: list[int] = []
    monkeypatch.setattr(stored_pdfs, "_queue", queued.append)
    monkeypatch.setattr(report_routes, "CHECK_EVERY_SECONDS", 1)
    with live_app.app_context():
        db.session.execute(delete(ReportPdf).where(ReportPdf.kind == "department"))
        db.session.commit()
    return queued


def test_the_preparing_page_waits_for_the_reader_then_says_the_pdf_is_ready(tab: Tab, live_app, queue_held):
    tab.sign_in(login_for("sponsor", "MOJ").email)
    response = tab.goto(PDF, screenshot="report-pdf-preparing")
    assert response.status == 202
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Preparing your PDF")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    check_again = page.get_by_role("button", name="Check again")
    expect(check_again).to_be_visible()
    violations = Axe().run(page).response["violations"]
    assert not violations, format_violations(violations)

    # Still preparing: "Check again" says so, and the page stays where it is meanwhile.
    check_again.click()
    tab.settle()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preparing your PDF")
    assert page.url.endswith(f"{PDF}?waiting=1")

    # The worker prints it; the page's own check says so in its live region, without moving on.
    with live_app.app_context():
        [pdf_id] = queue_held
        assert stored_pdfs.build(pdf_id) is PdfState.READY
        assert db.session.scalar(select(ReportPdf.state).where(ReportPdf.id == pdf_id)) is PdfState.READY
    live = page.locator('[aria-live="polite"]')
    expect(live).to_contain_text("Your PDF is ready.", timeout=10_000)
    expect(live.get_by_role("link", name="Download the PDF")).to_have_attribute("href", PDF)
    assert page.url.endswith(f"{PDF}?waiting=1")
    tab.screenshot("report-pdf-ready-announced")

    # Without the script, "Check again" gives the page that offers the download.
    check_again.click()
    tab.settle()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your PDF is ready")
    expect(page.get_by_role("button", name="Download the PDF")).to_have_attribute("href", PDF)
