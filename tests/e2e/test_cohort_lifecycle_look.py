"""How a cohort's page looks at each stage of its life (docs/rules.md §2.3): a new cohort leading
with the standard programme, a running one, one that ended weeks ago waiting to be finished, and a
finished one reading as a record; the finished cohort's outcomes page with its certificates; the
standard programme asked for a second time. Each at 1280 and 320 px wide, with no sideways scroll
and no axe violation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_date, london_to_utc
from cohort.extensions import db
from cohort.models import Cohort, CohortStatus, Session, User
from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

WIDTHS = (1280, 320)
_axe = Axe()


def _check(tab: Tab, name: str) -> None:
    violations = _axe.run(tab.page).response["violations"]
    assert not violations, format_violations(violations)
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.page.wait_for_timeout(100)
        assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            name,
            width,
        )
        tab.screenshot(f"lifecycle-{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def _setup(live_app) -> tuple[str, str]:
    """A new cohort (starts in six weeks, nothing set up) and one whose last day was three weeks
    ago, still stored as running, with one session on that day. Returns their slugs."""
    with live_app.app_context():
        today = london_date(datetime.now(UTC))
        monday = today - timedelta(days=today.weekday())
        facilitator = db.session.scalar(select(User).where(User.email == login_for("facilitator").email))
        new = Cohort(
            name="AI Accelerator — Cohort 3",
            slug="lifecycle-new",
            start_date=monday + timedelta(weeks=6),
            status=CohortStatus.PLANNED,
        )
        ended = Cohort(
            name="AI Accelerator — Autumn sprint",
            slug="lifecycle-ended",
            start_date=monday - timedelta(weeks=15),
            status=CohortStatus.RUNNING,
        )
        ended.facilitators = [facilitator]
        db.session.add_all([new, ended])
        db.session.flush()
        last = ended.end_date
        db.session.add(
            Session(
                cohort=ended,
                kind=SessionKind.SHOWCASE,
                title="Final showcase",
                starts_at=london_to_utc(last, time(13)),
                ends_at=london_to_utc(last, time(16)),
                sequence=0,
            )
        )
        db.session.commit()
        db.session.remove()
        return "lifecycle-new", "lifecycle-ended"


def test_a_cohort_page_at_each_stage(tab: Tab, live_app) -> None:
    new, ended = _setup(live_app)
    tab.sign_in(login_for("admin").email)

    tab.goto(f"/cohorts/{new}")
    expect(tab.page.get_by_role("heading", name="Next step")).to_be_visible()
    expect(tab.page.get_by_role("button", name="Apply the standard programme")).to_be_visible()
    _check(tab, "new")

    tab.goto("/cohorts/cohort-1")
    expect(tab.page.locator(".govuk-summary-list").first).to_contain_text("Running")
    expect(tab.page.get_by_role("button", name="Edit cohort")).to_be_visible()
    _check(tab, "running")

    tab.goto(f"/cohorts/{ended}")
    expect(tab.page.get_by_text("Ended — waiting to be finished")).to_be_visible()
    expect(tab.page.get_by_role("button", name="Finish this cohort")).to_be_visible()
    _check(tab, "ended")

    tab.goto("/cohorts/pilot-cohort")
    expect(tab.page.get_by_text("This cohort finished on")).to_be_visible()
    expect(tab.page.get_by_role("button", name="Edit cohort")).to_have_count(0)
    expect(tab.page.get_by_text("Record assessments")).to_have_count(0)
    _check(tab, "finished")

    tab.goto("/cohorts/pilot-cohort/outcomes")
    expect(tab.page.get_by_role("heading", name="Certificates")).to_be_visible()
    expect(tab.page.get_by_role("link", name="Download all certificates (ZIP, 10 PDFs)")).to_be_visible()
    _check(tab, "finished-outcomes")

    tab.goto("/cohorts/cohort-2/schedule/standard")
    expect(tab.page.get_by_text("This cohort already has 19 sessions")).to_be_visible()
    _check(tab, "standard-again")
    assert not tab.problems(), tab.problems()
