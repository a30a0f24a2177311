"""The service looks like an internal GOV.UK Design System service (docs/architecture.md §9).

Styled by GOV.UK Frontend, but with no crown logo and no GDS Transport font,
which are for GOV.UK only. Screenshots of the main pages go to
test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for

_FONTS = """() => {
  const families = new Set();
  for (const el of document.querySelectorAll('body, body *')) {
    families.add(getComputedStyle(el).fontFamily);
  }
  const faces = [...document.fonts].map((f) => `${f.family} ${f.status}`);
  return {families: [...families], faces};
}"""


@pytest.mark.parametrize(
    ("role", "path"),
    [(None, "/sign-in"), ("admin", "/dashboard"), ("admin", "/cohorts/cohort-1"), ("sponsor", "/dashboard")],
    ids=["sign-in", "admin-dashboard", "cohort-page", "sponsor-dashboard"],
)
def test_styled_with_govuk_frontend_without_gov_uk_branding(tab: Tab, role: str | None, path: str) -> None:
    page = tab.page
    if role:
        tab.sign_in(login_for(role, "MOJ" if role == "sponsor" else None).email)
    tab.goto(path)

    # GOV.UK Frontend's CSS and JS arrived: page width, heading style, the JS-enabled class.
    expect(page.locator("header.govuk-template__header")).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    width = page.locator("main").evaluate(
        "el => getComputedStyle(el.closest('.govuk-width-container')).maxWidth"
    )
    assert width == "960px", f"GOV.UK Frontend's layout is not applied (max-width {width})"
    weight = page.locator("h1").evaluate("el => getComputedStyle(el).fontWeight")
    assert weight == "700", f"GOV.UK Frontend's heading style is not applied (font-weight {weight})"
    assert page.evaluate("document.documentElement.classList.contains('govuk-template')")

    # No crown: neither the GOV.UK logo nor the crown SVG.
    assert page.locator(".govuk-header__logotype, .govuk-logo, svg.govuk-header__logotype").count() == 0
    assert "crown" not in page.locator("header").inner_html().lower()
    expect(page.locator("header")).to_contain_text("Cohort")

    # No GDS Transport, in the computed styles or among the loaded font faces.
    fonts = page.evaluate(_FONTS)
    transport = [f for f in fonts["families"] + fonts["faces"] if "transport" in f.lower()]
    assert not transport, f"GDS Transport in use: {transport}"
