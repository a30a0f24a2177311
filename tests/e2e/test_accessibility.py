"""axe-core finds no accessibility violations on the service's pages (docs/architecture.md §9).

Every rule axe runs by default counts, best practices included. On failure the
report names each violation, its help text and the elements it was found on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import Tab, login_for

_axe = Axe()


def _submit_empty(button: str) -> Callable[[Tab], None]:
    def action(tab: Tab) -> None:
        with tab.page.expect_navigation():
            tab.page.get_by_role("button", name=button).click()
        expect(tab.page.locator(".govuk-error-summary")).to_be_visible()

    return action


SAMPLE_NOMINATIONS = Path(__file__).resolve().parents[2] / "docs" / "sample-nominations.csv"
# A nominations file with a row of each kind of problem, as a department might send it.
BAD_NOMINATIONS = (
    "Email,First name,Last name,Department\n"
    "zoe.ng@justice.gov.uk,Zoë,Ng,MoJ\n"
    "not-an-email,Bad,Email,MoJ\n"
    "ann.lee@dvla.gov.uk,Ann,Lee,Ministry of Magic\n"
    "amara.okafor@justice.gov.uk,Amara,Okafor,MOJ\n"
).encode()


def _upload(name: str, content: bytes) -> Callable[[Tab], None]:
    def action(tab: Tab) -> None:
        tab.page.get_by_label("Nominations file").set_input_files(
            {"name": name, "mimeType": "text/csv", "buffer": content}
        )
        with tab.page.expect_navigation():
            tab.page.get_by_role("button", name="Upload and check").click()
        expect(
            tab.page.get_by_role("heading", name="Check the nominations before you import them")
        ).to_be_visible()

    return action


def _press(button: str) -> Callable[[Tab], None]:
    def action(tab: Tab) -> None:
        with tab.page.expect_navigation():
            tab.page.get_by_role("button", name=button).first.click()

    return action


def _make_api_token(then: str | None = None) -> Callable[[Tab], None]:
    """Make a token on the form (shown once), then go on to the list (`then`: "list") or to the
    confirm page of revoking it ("revoke")."""

    def action(tab: Tab) -> None:
        from datetime import date, timedelta

        expires = date.today() + timedelta(days=30)
        tab.page.get_by_label("Name").fill("Accessibility check")
        tab.page.get_by_role("checkbox").first.check()
        tab.page.get_by_label("Day").fill(str(expires.day))
        tab.page.get_by_label("Month").fill(str(expires.month))
        tab.page.get_by_label("Year").fill(str(expires.year))
        with tab.page.expect_navigation():
            tab.page.get_by_role("button", name="Make token").click()
        expect(tab.page.locator("h1")).to_be_visible()
        if then is not None:
            tab.goto("/account/api-tokens")
        if then == "revoke":
            with tab.page.expect_navigation():
                tab.page.get_by_role("link", name="Revoke API token Accessibility check").first.click()

    return action


PILOT_COMPLETER = "aoife.gallagher@pilot.example.gov.uk"  # seeded with the demo password


def _check_own_code(tab: Tab) -> None:
    """From the record, take the certificate's code to the public check page and check it."""
    code = tab.page.locator("#certificate-code").inner_text()
    tab.goto("/certificates/check")
    tab.page.get_by_label("Verification code").fill(code.lower().replace("-", " "))
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Check the certificate").click()
    expect(tab.page.get_by_text("Valid certificate")).to_be_visible()


@dataclass(frozen=True)
class Case:
    name: str  # test id and screenshot name
    path: str
    role: str | None = None  # None: not signed in
    department: str | None = None
    status: int = 200
    action: Callable[[Tab], None] | None = None  # run after loading the page, before axe
    email: str | None = None  # sign in as this demo person instead (the pilot cohort's alumni)


CASES = [
    Case("sign-in", "/sign-in"),
    Case("sign-in-errors", "/sign-in", action=_submit_empty("Sign in")),
    Case("accessibility-statement", "/accessibility"),
    Case("privacy-notice", "/privacy"),
    Case("not-found", "/no-such-page", status=404),
    Case("admin-dashboard", "/dashboard", role="admin"),
    Case("admin-users", "/admin/users", role="admin"),
    Case("admin-departments", "/admin/departments", role="admin"),
    Case("admin-audit", "/admin/audit", role="admin"),
    Case("cohorts", "/cohorts", role="admin"),
    Case("cohort-page", "/cohorts/cohort-1", role="admin"),
    Case("cohort-new", "/cohorts/new", role="admin"),
    Case("cohort-new-errors", "/cohorts/new", role="admin", action=_submit_empty("Save cohort")),
    Case("account", "/account", role="admin"),
    Case("admin-outbox", "/admin/outbox", role="admin"),
    Case("admin-outbox-message", "/admin/outbox/1", role="admin"),
    Case("admin-jobs", "/admin/jobs", role="admin"),
    Case("email-preferences", "/account/email", role="participant"),
    Case("report-pdf-ready", "/departments/MOJ/report.pdf?waiting=1", role="sponsor", department="MOJ"),
    Case("unsubscribe-invalid", "/unsubscribe/not-a-link", status=404),
    Case("not-found-signed-in", "/cohorts/no-such-cohort", role="admin", status=404),
    Case("participant-dashboard", "/dashboard", role="participant"),
    Case("participant-cohort-page", "/cohorts/cohort-1", role="participant"),
    Case("participant-forbidden", "/admin/users", role="participant", status=403),
    Case("facilitator-dashboard", "/dashboard", role="facilitator"),
    Case("sponsor-dashboard", "/dashboard", role="sponsor", department="MOJ"),
    # The API's reference and personal access tokens (docs/api.md).
    Case("api-reference", "/api-reference", role="admin"),
    Case("api-reference-sponsor", "/api-reference", role="sponsor", department="MOJ"),
    Case("api-tokens", "/account/api-tokens", role="facilitator"),
    Case("api-token-new", "/account/api-tokens/new", role="facilitator"),
    Case(
        "api-token-new-errors",
        "/account/api-tokens/new",
        role="facilitator",
        action=_submit_empty("Make token"),
    ),
    Case("api-token-made", "/account/api-tokens/new", role="admin", action=_make_api_token()),
    Case("api-tokens-listed", "/account/api-tokens/new", role="admin", action=_make_api_token("list")),
    Case(
        "api-token-revoke",
        "/account/api-tokens/new",
        role="sponsor",
        department="MOJ",
        action=_make_api_token("revoke"),
    ),
    # Enrolment. Seeded ids are stable: Amara Okafor is user 6, her enrolment 1.
    Case("cohort-participants-filtered", "/cohorts/cohort-1?status=withdrawn&sort=department", role="admin"),
    Case("enrol", "/cohorts/cohort-2/enrol", role="admin"),
    Case("enrol-errors", "/cohorts/cohort-2/enrol", role="admin", action=_submit_empty("Enrol")),
    Case("participants-admin", "/participants/", role="admin"),
    Case("participants-sponsor", "/participants/", role="sponsor", department="MOJ"),
    Case("participant-profile-admin", "/participants/6", role="admin"),
    Case("participant-profile-own", "/participants/6", role="participant"),
    Case("withdraw", "/enrolments/1/withdraw", role="admin"),
    Case("transfer", "/enrolments/1/transfer", role="admin"),
    Case("import-upload", "/cohorts/cohort-2/import", role="admin"),
    Case(
        "import-upload-errors",
        "/cohorts/cohort-2/import",
        role="admin",
        action=_submit_empty("Upload and check"),
    ),
    Case(
        "import-preview",
        "/cohorts/cohort-2/import",
        role="admin",
        action=_upload("sample-nominations.csv", SAMPLE_NOMINATIONS.read_bytes()),
    ),
    Case(
        "import-preview-errors",
        "/cohorts/cohort-2/import",
        role="admin",
        action=_upload("bad.csv", BAD_NOMINATIONS),
    ),
    # Schedule and attendance. Sessions 1–19 are cohort 1's standard programme in
    # order (3 Ethics: Transparency, 11 week 8 workshop, 12 Ethics: Bias and fairness, 16 cancelled),
    # 20 is cohort 2's first, 39 the drop-in with an open check-in; Hannah Kowalski is enrolment 7.
    Case("timetable", "/cohorts/cohort-1/schedule", role="admin"),
    Case("timetable-participant", "/cohorts/cohort-1/schedule", role="participant"),
    Case("session", "/cohorts/cohort-1/sessions/3", role="admin"),
    Case("session-cancelled", "/cohorts/cohort-1/sessions/16", role="facilitator"),
    Case("session-new", "/cohorts/cohort-1/schedule/new", role="admin"),
    Case(
        "session-new-errors",
        "/cohorts/cohort-1/schedule/new",
        role="admin",
        action=_submit_empty("Add the session"),
    ),
    Case("session-edit", "/cohorts/cohort-1/sessions/3/edit", role="admin"),
    Case("session-cancel", "/cohorts/cohort-1/sessions/3/cancel", role="admin"),
    Case("standard-programme", "/cohorts/cohort-2/schedule/standard", role="admin"),
    Case("my-schedule", "/my-schedule", role="participant"),
    Case("calendar-links", "/account/calendar", role="participant"),
    Case("register", "/cohorts/cohort-1/sessions/11/register", role="facilitator"),
    Case(
        "register-all-present",
        "/cohorts/cohort-1/sessions/12/register",
        role="facilitator",
        action=_press("Mark everyone not yet marked as present"),
    ),
    Case("cohort-attendance", "/cohorts/cohort-1/attendance", role="admin"),
    Case("cohort-attendance-sponsor", "/cohorts/cohort-1/attendance", role="sponsor", department="MOJ"),
    Case("participant-attendance", "/cohorts/cohort-1/attendance/7", role="facilitator"),
    Case("catch-up", "/cohorts/cohort-1/attendance/7/catch-up/12", role="facilitator"),
    Case("run-check-in", "/cohorts/cohort-1/sessions/39/check-in", role="facilitator"),
    Case("check-in", "/check-in", role="participant"),
    Case("check-in-errors", "/check-in", role="participant", action=_submit_empty("Check in")),
    # Skills and progress.
    Case("skills-framework", "/skills", role="admin"),
    Case("skill-new-errors", "/skills/new", role="admin", action=_submit_empty("Save skill")),
    Case("cohort-skills", "/cohorts/cohort-1/skills", role="admin"),
    Case("assessment-grid", "/cohorts/cohort-1/assessments/midpoint", role="facilitator"),
    Case("assess-one", "/cohorts/cohort-1/assessments/midpoint/1", role="facilitator"),
    Case("cohort-progress", "/cohorts/cohort-1/progress", role="admin"),
    Case("cohort-progress-sponsor", "/cohorts/cohort-1/progress", role="sponsor", department="MOJ"),
    Case("participant-progress", "/cohorts/cohort-1/progress/4", role="facilitator"),
    Case("participant-log", "/cohorts/cohort-1/learning-log/1", role="facilitator"),
    Case("my-progress", "/my-progress", role="participant"),
    Case("self-assessment", "/my-progress/self-assessment/final", role="participant"),
    Case("my-learning-log", "/my-learning-log", role="participant"),
    Case("log-entry-errors", "/my-learning-log/new", role="participant", action=_submit_empty("Save entry")),
    # Completion: the finished pilot cohort's enrolments start at 29.
    Case("outcomes-finished", "/cohorts/pilot-cohort/outcomes", role="admin"),
    Case("outcomes-finished-sponsor", "/cohorts/pilot-cohort/outcomes", role="sponsor", department="MOJ"),
    Case("outcome-correction", "/cohorts/pilot-cohort/outcomes/29/override", role="admin"),
    Case("outcomes-running", "/cohorts/cohort-1/outcomes", role="facilitator"),
    Case("completion-rules", "/cohorts/cohort-1/completion-rules", role="admin"),
    Case("finish-not-yet", "/cohorts/cohort-1/finish", role="admin"),
    # Records and certificates: enrolment 29 is Aoife Gallagher (completed, with a certificate),
    # 38 Jamal Hussain (not completed).
    Case("record-own", "/enrolments/29/record", email=PILOT_COMPLETER),
    Case("record-not-completed", "/enrolments/38/record", role="admin"),
    Case("certificate-check", "/certificates/check"),
    Case("certificate-check-valid", "/enrolments/29/record", email=PILOT_COMPLETER, action=_check_own_code),
    Case("certificate-check-unknown", "/certificates/check?code=2222-3333-4444"),
    Case("certificate-check-error", "/certificates/check?code=%3Cscript%3E", status=400),
    # Department outcome reports and the programme overview (charts with text alternatives).
    Case("department-reports", "/departments/reports", role="admin"),
    Case("department-report", "/departments/MOJ/report", role="admin"),
    Case("department-report-cohort", "/departments/moj/report?cohort=pilot-cohort", role="admin"),
    Case("department-report-sponsor", "/departments/MOJ/report", role="sponsor", department="MOJ"),
    Case("programme-overview", "/reports", role="admin"),
    Case("cohort-report-running", "/cohorts/cohort-1/report", role="admin"),
    Case("cohort-report-finished", "/cohorts/pilot-cohort/report", role="admin"),
    # Hackathons: session 9 is the finished hackathon, 15 the one to come.
    Case("challenges", "/challenges", role="admin"),
    Case("challenge-new-errors", "/challenges/new", role="admin", action=_submit_empty("Save challenge")),
    Case("challenge-proposed", "/challenges/5", role="admin"),
    Case("challenges-sponsor", "/challenges", role="sponsor", department="DVLA"),
    Case("hackathon-finished", "/cohorts/cohort-1/hackathons/9", role="admin"),
    Case("hackathon-results", "/cohorts/cohort-1/hackathons/9/results", role="participant"),
    Case("hackathon-teams", "/cohorts/cohort-1/hackathons/15/teams", role="admin"),
    Case("hackathon-settings", "/cohorts/cohort-1/hackathons/15/settings", role="admin"),
    Case("hackathon-judges", "/cohorts/cohort-1/hackathons/15/judges", role="admin"),
    Case("hackathon-to-come", "/cohorts/cohort-1/hackathons/15", role="participant"),
    Case("team-new", "/cohorts/cohort-1/hackathons/15/teams/new", role="participant"),
    Case("team-join", "/cohorts/cohort-1/hackathons/15/teams/join", role="participant"),
    Case("judging", "/cohorts/cohort-1/hackathons/9/judging", role="facilitator"),
    Case("submission", "/cohorts/cohort-1/hackathons/9/teams/1/submission", role="facilitator"),
]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:400]}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_has_no_axe_violations(tab: Tab, case: Case) -> None:
    if case.role or case.email:
        tab.sign_in(case.email or login_for(case.role, case.department).email)
    response = tab.goto(case.path)
    assert response.status == case.status, f"{case.path} answered {response.status}"
    if case.action:
        case.action(tab)
        tab.settle()
    tab.screenshot(case.name)

    results = _axe.run(tab.page)
    violations = results.response["violations"]
    assert not violations, (
        f"axe found {len(violations)} violation(s) on {case.name} ({tab.page.url}):\n"
        + format_violations(violations)
    )
