"""How the register deadline, check-in and the team nudge look (docs/rules.md §2.6, §3.2, §7.3):
My schedule after check-in, the check-in screen's live count (updated by its script, with no CSP
violation), My progress with a session waiting for the register, and the dashboard's nudge, each
at 1280 and 320 px wide with no sideways scroll."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_to_utc
from cohort.extensions import db
from cohort.models import Cohort, Session, TeamMember
from cohort.models.base import utcnow
from tests.e2e.conftest import _CSP_LISTENER, Tab, login_for

WIDTHS = (1280, 320)


def _no_sideways_scroll(tab: Tab) -> None:
    assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shots(tab: Tab, name: str) -> None:
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.page.wait_for_timeout(100)
        _no_sideways_scroll(tab)
        tab.screenshot(f"{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def _setup(live_app) -> tuple[int, int]:
    """A session on now since before the demo's drop-in (so it is "On now" on My schedule; no check-in yet), one that ended an hour ago with no marks (waiting for
    the register), and a hackathon in 5 days with no teams. Returns (on now id, hackathon id)."""
    with live_app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.slug == "cohort-1"))
        now = utcnow().replace(microsecond=0)
        on_now = Session(
            cohort=cohort,
            kind=SessionKind.OTHER,
            title="Drop-in: model clinic",
            starts_at=now - timedelta(hours=2),
            ends_at=now + timedelta(hours=2),
            sequence=0,
        )
        ended = Session(
            cohort=cohort,
            kind=SessionKind.OTHER,
            title="Drop-in: data clinic",
            starts_at=now - timedelta(hours=3),
            ends_at=now - timedelta(hours=1),
            sequence=0,
        )
        day = date.today() + timedelta(days=5)
        hackathon = Session(cohort=cohort, kind=SessionKind.HACKATHON, title="Hackathon: agents",
                            starts_at=london_to_utc(day, time(9, 30)), ends_at=london_to_utc(day, time(16, 30)),
                            sequence=0)  # fmt: skip
        db.session.add_all([on_now, ended, hackathon])
        db.session.commit()
        assert db.session.scalar(select(TeamMember).where(TeamMember.session_id == hackathon.id)) is None
        ids = on_now.id, hackathon.id
        db.session.remove()
        return ids


def test_check_in_live_count_and_what_the_participant_sees(
    browser: Browser, live_server: str, live_app
) -> None:
    on_now, _ = _setup(live_app)
    contexts = []
    tabs = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        context.add_init_script(_CSP_LISTENER)
        contexts.append(context)
        tabs.append(Tab(page=context.new_page(), base_url=live_server))
    facilitator, participant = tabs
    try:
        facilitator.sign_in(login_for("facilitator").email)
        facilitator.goto(f"/cohorts/cohort-1/sessions/{on_now}/check-in")
        facilitator.page.get_by_role("button", name=re.compile("Open check-in")).click()
        facilitator.settle()
        count = facilitator.page.locator("#check-in-count")
        expect(count).to_have_text(re.compile(r"^0 of \d+ checked in$"))
        expect(count).to_have_attribute("aria-live", "polite")
        code = facilitator.page.locator("#check-in-code").inner_text().strip()

        participant.sign_in(login_for("participant").email)
        participant.goto("/dashboard")
        expect(
            participant.page.get_by_text(re.compile("You are not in a team for Hackathon: agents"))
        ).to_be_visible()
        _shots(participant, "nudge-dashboard")

        participant.goto("/check-in")
        participant.page.get_by_label("Check-in code").fill(code)
        with participant.page.expect_navigation():
            participant.page.get_by_role("button", name="Check in").click()
        participant.settle()
        expect(participant.page.get_by_text(re.compile(r"You checked in at")).first).to_be_visible()
        expect(participant.page.get_by_text("Check in to this session")).to_have_count(0)
        _shots(participant, "my-schedule-after-check-in")

        # The screen's script asks again within 10 seconds: no reload.
        expect(count).to_have_text(re.compile(r"^1 of \d+ checked in$"), timeout=15_000)
        _shots(facilitator, "check-in-live-count")

        participant.goto("/my-progress")
        expect(participant.page.get_by_text("Waiting for the register").first).to_be_visible()
        _shots(participant, "my-progress-waiting")
        participant.goto("/my-schedule")
        expect(participant.page.get_by_text("Waiting for the register").first).to_be_visible()
        assert not facilitator.problems() and not participant.problems(), (
            facilitator.problems() + participant.problems()
        )
    finally:
        for context in contexts:
            context.close()
