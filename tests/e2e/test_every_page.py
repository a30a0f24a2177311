"""Every page each demo role can reach passes the page-level checks (docs/architecture.md §9).

For each role (programme manager, facilitator, participant, the MOJ and DVLA sponsors and
someone not signed in) a browser starts at the dashboard (or the sign-in page) and follows
every same-origin link it finds, visiting each route pattern (Flask's url rule) at most
`VISITS_PER_ROUTE` times. On every page:

- axe finds no WCAG 2.2 A/AA violations;
- the document does not scroll sideways at 320 CSS pixels (WCAG 2.2 1.4.10 Reflow: a person
  zoomed to 400 %) nor at 1280; tables scroll inside their own box instead;
- there is exactly one `<h1>`;
- the page title is unique among the role's pages, so a page about one thing says which.

Failures are collected and reported together. New pages are covered by following links,
without being listed here. The number of pages per role goes to reports/every-page.txt.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

from cohort import create_app
from tests.e2e.conftest import Tab, login_for

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "reports" / "every-page.txt"
SHOTS = ROOT / "test-artifacts" / "every-page"

VISITS_PER_ROUTE = 3
NARROW, WIDE, HEIGHT = 320, 1280, 900

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()

# Not pages: files, feeds, sign-out (a POST anyway) and GOV.UK's assets.
SKIP_SUFFIXES = (".pdf", ".csv", ".xlsx", ".ics", ".png", ".svg", ".js", ".css")
SKIP_PREFIXES = ("/assets/", "/static/", "/sign-out")

# Pages that fail for a reason owned elsewhere, by url rule; each says whose it is. Their
# failures are still printed, but do not fail this test.
# Pages allowed to fail, each with why and whose it is to fix. None at present: a page added
# here needs a reason a reader would accept.
KNOWN_EXCEPTIONS: dict[str, str] = {}

ROLES = {
    "programme-manager": ("admin", None),
    "facilitator": ("facilitator", None),
    "participant": ("participant", None),
    "sponsor-moj": ("sponsor", "MOJ"),
    "sponsor-dvla": ("sponsor", "DVLA"),
    "anonymous": (None, None),
}

# What makes the document wider than the window: elements reaching past its right edge
# that are not inside a box which scrolls sideways itself (a table wrapper).
_OVERFLOW = """(width) => {
  const found = [];
  // An absolutely positioned box is clipped only by its containing block and what holds that.
  const scrolls = (el) => {
    let positioned = getComputedStyle(el).position === 'absolute';
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (positioned && s.position === 'static') continue;
      positioned = false;
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    // Its own box, or text running out of it (a long address in a paragraph).
    const right = Math.max(r.right, el.clientWidth ? r.left + el.scrollWidth : 0);
    if (right > width + 1 && !scrolls(el)) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      found.push(`${name} (right edge ${Math.round(right)}px)`);
    }
  }
  return found.slice(-4);
}"""

_MEASURE = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def rules():
    """Maps a path to its url rule, as the app routes it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    adapter = app.url_map.bind("")

    def rule_of(path: str) -> str | None:
        try:
            rule, _ = adapter.match(path, method="GET", return_rule=True)
        except HTTPException:
            return None
        return rule.rule

    return rule_of


def _links(tab: Tab) -> list[str]:
    hrefs = tab.page.evaluate("() => [...document.querySelectorAll('a[href]')].map((a) => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != tab.base_url:
            continue  # mailto:, webcal:, other sites
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.endswith(SKIP_SUFFIXES) or parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(path)
    return found


def _check_page(tab: Tab, path: str) -> list[str]:
    """What is wrong with the page now open, at both widths."""
    page = tab.page
    problems = []
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    )
    for v in results.response["violations"]:
        targets = "; ".join(" ".join(str(t) for t in n["target"]) for n in v["nodes"][:3])
        problems.append(f"axe {v['id']}: {v['help']} (at {targets})")
    headings = page.evaluate("() => document.querySelectorAll('h1').length")
    if headings != 1:
        problems.append(f"{headings} <h1> elements, not 1")
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        scroll_width, inner = page.evaluate(_MEASURE)
        if scroll_width > inner:
            causes = ", ".join(page.evaluate(_OVERFLOW, inner)) or "cause not found"
            problems.append(f"scrolls sideways at {width}px ({scroll_width}px wide): {causes}")
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    return problems


def _crawl(tab: Tab, start: str, rule_of) -> tuple[list[str], list[str], list[str]]:
    """Visits the pages reachable from `start`; returns their addresses, failures and known ones."""
    visits: dict[str, int] = {}
    seen: set[str] = set()
    titles: dict[str, tuple[str, str]] = {}  # title: (first address, its main content)
    failures: list[str] = []
    known: list[str] = []
    queue = deque([(start, "(start)")])
    seen.add(start)
    crawled: list[str] = []
    while queue:
        path, came_from = queue.popleft()
        rule = rule_of(urlsplit(path).path)
        if rule is None:
            failures.append(f"{path} (linked from {came_from}): no route answers it")
            continue
        if visits.get(rule, 0) >= VISITS_PER_ROUTE:
            continue
        try:
            response = tab.page.goto(tab.url(path), wait_until="load")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                continue  # a file, not a page
            raise
        assert response is not None, f"no response for {path}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visits[rule] = visits.get(rule, 0) + 1
        tab.settle()
        landed = tab.page.url.removeprefix(tab.base_url)
        crawled.append(path)
        problems = []
        if response.status >= 400:
            problems.append(f"answered {response.status} (linked from {came_from})")
        problems += _check_page(tab, path)
        # Two addresses showing the same thing (page 1 and the unnumbered list) may share a
        # title; pages whose main content differs may not.
        title = tab.page.title()
        content = tab.page.evaluate("() => document.querySelector('main')?.innerText ?? ''")
        if title in titles and titles[title][0] != landed and titles[title][1] != content:
            problems.append(f"title {title!r} is also the title of {titles[title][0]}")
        titles.setdefault(title, (landed, content))
        if problems:
            report = (
                f"{path}" + (f" → {landed}" if landed != path else "") + "\n    " + "\n    ".join(problems)
            )
            (known if rule in KNOWN_EXCEPTIONS else failures).append(report)
        for link in _links(tab):
            if link not in seen:
                seen.add(link)
                queue.append((link, landed))
    return crawled, failures, known


@pytest.mark.parametrize("who", list(ROLES))
def test_every_page_reflows_and_passes_axe(tab: Tab, rules, who: str) -> None:
    role, department = ROLES[who]
    if role:
        tab.sign_in(login_for(role, department).email)
        start = "/dashboard"
        tab.goto(start)
        assert tab.page.url == tab.url(start), f"{who}: signing in did not end on {start} ({tab.page.url})"
    else:
        start = "/sign-in"
    pages, failures, known = _crawl(tab, start, rules)
    crawled = len(pages)

    REPORT.parent.mkdir(exist_ok=True)
    (REPORT.parent / f"every-page-{who}.txt").write_text("\n".join(pages) + "\n")
    lines = REPORT.read_text().splitlines() if REPORT.exists() else []
    lines = [line for line in lines if not line.startswith(f"{who}:")] + [f"{who}: {crawled} pages"]
    REPORT.write_text("\n".join(sorted(lines)) + "\n")
    print(f"{who}: {crawled} pages crawled, {len(failures)} failing, {len(known)} known exceptions")
    for report in known:
        print(f"known exception: {report}")

    assert crawled > (1 if role is None else 5), f"{who}: only {crawled} pages reached from {start}"
    assert not failures, f"{who}: {len(failures)} of {crawled} pages fail:\n" + "\n".join(failures)
