"""The assessment grid and the progress matrix fit a laptop and reflow at 320 CSS pixels: the page
never scrolls sideways (a wide table scrolls inside its own box), a level can be changed and saved
by keyboard alone, and axe finds nothing (docs/rules.md §6.3, "On the page"; WCAG 2.2 1.4.10)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for
from tests.e2e.test_accessibility import format_violations

GRID = "/cohorts/cohort-1/assessments/midpoint"
# The final checkpoint is not recorded in the demo (week 9 of 12): this file's save is the only one.
FINAL = "/cohorts/cohort-1/assessments/final"
PAGES = {
    "grid-one-skill": GRID,
    "grid-all-skills": f"{GRID}?skill=all",
    "progress-matrix": "/cohorts/cohort-1/progress",
}


def _page_scrolls_sideways(tab: Tab) -> tuple[int, int]:
    return tab.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_without_scrolling_sideways(tab: Tab, name: str, width: int) -> None:
    tab.sign_in(login_for("facilitator").email)
    tab.page.set_viewport_size({"width": width, "height": 900})
    response = tab.goto(PAGES[name], screenshot=f"{name}-{width}")
    assert response.status == 200
    scroll_width, inner_width = _page_scrolls_sideways(tab)
    assert scroll_width <= inner_width, f"{name} is {scroll_width} px wide in a {inner_width} px window"
    if name == "grid-one-skill":
        # One skill: every participant's select is on the page, within the window.
        selects = tab.page.locator("select[name^='level-']")
        assert selects.count() >= 20
        box = selects.last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= inner_width
    else:
        # The wide table scrolls inside its own box, which a keyboard can reach.
        region = tab.page.get_by_role("region", name="(scrolls sideways)")
        expect(region).to_have_attribute("tabindex", "0")
        assert region.evaluate("(box) => box.scrollWidth > box.clientWidth")
    violations = Axe().run(tab.page).response["violations"]
    assert not violations, format_violations(violations)


def _tab_to(tab: Tab, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching selector has focus."""
    for _ in range(limit):
        if tab.page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        tab.page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_choose_a_skill_change_one_level_and_save(tab: Tab) -> None:
    tab.sign_in(login_for("facilitator").email)
    tab.goto(FINAL)
    page = tab.page
    chooser = page.get_by_role("navigation", name="Skill")
    links = chooser.get_by_role("link")
    second = links.nth(1)
    second_name = second.inner_text()
    href = second.get_attribute("href")
    assert href is not None

    # Choose the second skill from the list by keyboard.
    _tab_to(tab, f".app-skill-chooser a[href='{href}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab.settle()
    expect(chooser.get_by_role("link", name=second_name)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=2, name=second_name)).to_be_visible()

    # Change the first participant's level: Tab to the select, arrow down once ("Not assessed" → 0).
    first = page.locator("select[name^='level-']").first
    cell = first.get_attribute("name")
    label = page.locator(f"label[for='{cell}']").inner_text()
    assert first.input_value() == ""
    _tab_to(tab, f"select[name='{cell}']")
    page.keyboard.press("ArrowDown")
    expect(first).to_have_value("0")

    _tab_to(tab, "button.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab.settle(screenshot="grid-keyboard-save")
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "Final assessments saved: 1 level changed."
    )
    # Back on the same skill, with the level saved and only that cell changed.
    expect(chooser.get_by_role("link", name=second_name)).to_have_attribute("aria-current", "page")
    expect(page.get_by_label(label)).to_have_value("0")
    assert page.locator("select[name^='level-'] option[value=''][selected]").count() == (
        page.locator("select[name^='level-']").count() - 1
    )
