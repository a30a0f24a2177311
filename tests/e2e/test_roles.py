"""Each role sees only its own navigation and data (docs/rules.md §1)."""

from __future__ import annotations

from playwright.sync_api import expect

from cohort.demo import DEMO_COHORT_NAME, PARTICIPANTS
from tests.e2e.conftest import Tab, login_for

ADMIN_LINKS = ["Departments", "Users", "Audit log"]


def _nav(tab: Tab):
    return tab.page.locator(".govuk-service-navigation")


def test_programme_manager_sees_the_admin_navigation(tab: Tab) -> None:
    tab.sign_in(login_for("admin").email)
    nav = _nav(tab)
    for label in ["Dashboard", "Cohorts", *ADMIN_LINKS, "Your account"]:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()


def test_participant_has_no_admin_navigation_and_is_refused_admin_pages(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(login_for("participant").email, screenshot="participant-dashboard-nav")
    nav = _nav(tab)
    expect(nav.get_by_role("link", name="Dashboard", exact=True)).to_be_visible()
    for label in [*ADMIN_LINKS, "Cohorts"]:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)

    response = tab.goto("/admin/users", screenshot="participant-403-admin-users")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")


def test_facilitator_has_no_admin_navigation(tab: Tab) -> None:
    tab.sign_in(login_for("facilitator").email)
    nav = _nav(tab)
    expect(nav.get_by_role("link", name="Cohorts", exact=True)).to_be_visible()
    for label in ADMIN_LINKS:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    assert tab.goto("/admin/departments").status == 403


def test_moj_sponsor_sees_moj_participants_only(tab: Tab) -> None:
    page = tab.page
    moj = [name for name, code in PARTICIPANTS if code == "MOJ"]
    dvla = [name for name, code in PARTICIPANTS if code == "DVLA"]
    assert moj and dvla

    tab.sign_in(login_for("sponsor", "MOJ").email, screenshot="sponsor-moj-dashboard-scope")
    expect(page).to_have_url(tab.url("/dashboard"))
    main = page.locator("main")
    expect(main.get_by_text(DEMO_COHORT_NAME).first).to_be_visible()
    for name in moj:
        expect(main.get_by_text(name, exact=True)).to_be_visible()
    body = main.inner_text()
    assert not [name for name in dvla if name in body], "DVLA participants shown to the MOJ sponsor"
    for label in ADMIN_LINKS:
        expect(_nav(tab).get_by_role("link", name=label, exact=True)).to_have_count(0)

    # The cohort page is scoped the same way.
    tab.goto("/cohorts/cohort-1", screenshot="sponsor-moj-cohort")
    body = page.locator("main").inner_text()
    assert [name for name in moj if name in body], "MOJ participants missing from the cohort page"
    assert not [name for name in dvla if name in body], "DVLA participants shown on the cohort page"
