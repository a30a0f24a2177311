"""Saving a page opened before someone else's save (docs/decisions/0004-optimistic-edits-and-limits.md).

For each form that edits a shared record, two people open it; one saves; the other's save is then
refused with a GOV.UK error summary naming who changed what, keeps what they typed, writes nothing,
and carries the current version, so that saving again overwrites on purpose.
"""

from __future__ import annotations

import html
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import AuditEvent, Challenge, Cohort, HackathonSettings, Role, Session, Team, TeamMember
from tests import factories as f
from tests.sessions import make_session

# Reading a form as the browser would send it -------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> of a page as the (name, value) pairs a browser would post, unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button", "image", "reset"):
                self._form.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [self._options[0][0]]
            self._form.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_of(page: str, field: str = "version") -> dict:
    """The first form of the page with a field named `field`, as a dict for the test client
    (a name posted more than once, like the three boxes of a date, gives a list)."""
    parser = _Forms()
    parser.feed(page)
    for form in parser.forms:
        if any(name == field for name, _ in form):
            data: dict = {}
            for name, value in form:
                if name in data:
                    data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
                else:
                    data[name] = value
            return data
    raise AssertionError(f"no form with a field {field!r} on the page")


def opened(client, url: str, field: str = "version") -> dict:
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    return form_of(page.text, field)


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def refused(response, title: str, *says: str) -> str:
    """The refusal: 409, the error summary with its title and these lines; returns the page's text."""
    assert response.status_code == 409, response.text[:3000]
    text = html.unescape(response.text)
    assert "<title>Error:" in text
    assert 'class="govuk-error-summary"' in text and title in text
    assert "Your changes have not been saved" in text
    for line in says:
        assert line in text, line
    return response.text


@pytest.fixture
def other_admin(world):
    admin = f.make_user(Role.ADMIN, full_name="Amir Second")
    db.session.commit()
    return admin


@pytest.fixture
def browser(app):
    """A second browser: (client signed in as someone)."""

    def _browser(user):
        other = app.test_client()
        f.sign_in_as(other, user)
        return other

    return _browser


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


# Cohort details ---------------------------------------------------------------------------------


def test_cohort_details(client, world, sign_in, other_admin, browser):
    url = f"/cohorts/{world.cohort.slug}/edit"
    mine = opened(sign_in(world.admin), url)
    assert mine["capacity"] == "25" and mine["version"]
    theirs = opened(browser(other_admin), url)
    assert browser(other_admin).post(url, data={**theirs, "capacity": "30"}).status_code == 302
    events = audit_count()

    mine["name"] = "AI Accelerator — Cohort 1, renamed"
    response = client.post(url, data=mine)

    page = refused(
        response,
        "Someone else changed this cohort after you opened it",
        "Amir Second changed the capacity from 25 to 30 on",
    )
    assert 'href="#capacity"' in page
    cohort = fresh(Cohort, world.cohort.id)
    assert (cohort.name, cohort.capacity) == ("AI Accelerator — Cohort 1", 30)  # nothing written
    assert audit_count() == events
    again = form_of(page)
    assert again["name"] == "AI Accelerator — Cohort 1, renamed" and again["capacity"] == "25"  # as typed
    assert again["version"] != mine["version"]

    assert client.post(url, data=again).status_code == 302  # saving again overwrites, on purpose
    cohort = fresh(Cohort, world.cohort.id)
    assert (cohort.name, cohort.capacity) == ("AI Accelerator — Cohort 1, renamed", 25)


def test_a_change_made_in_another_window_of_ones_own_says_so(client, world, sign_in):
    url = f"/cohorts/{world.cohort.slug}/edit"
    first, second = opened(sign_in(world.admin), url), opened(client, url)
    assert client.post(url, data={**first, "length_weeks": "10"}).status_code == 302
    response = client.post(url, data={**second, "description": "Written in the second window"})
    refused(
        response, "Someone else changed", "You (in another window) changed the length in weeks from 12 to 10"
    )
    assert fresh(Cohort, world.cohort.id).description is None


def test_a_save_without_a_version_is_saved_and_a_broken_one_is_refused(client, world, sign_in):
    """The rule of docs/decisions/0004: no version is not checked (last save wins, as before
    versions existed); one that cannot be read is refused, with nothing to list."""
    url = f"/cohorts/{world.cohort.slug}/edit"
    data = opened(sign_in(world.admin), url)
    events = audit_count()
    response = client.post(url, data={**data, "capacity": "26", "version": "not-a-version\x7f"})
    refused(response, "Someone else changed this cohort", "We could not tell which version your page showed")
    assert fresh(Cohort, world.cohort.id).capacity == 25 and audit_count() == events
    assert client.post(url, data={**data, "capacity": "27", "version": ""}).status_code == 302
    assert fresh(Cohort, world.cohort.id).capacity == 27


# Completion rules -------------------------------------------------------------------------------


def test_completion_rules(client, world, sign_in, other_admin, browser):
    url = f"/cohorts/{world.cohort.slug}/completion-rules"
    mine = opened(sign_in(world.admin), url)
    theirs = opened(browser(other_admin), url)
    assert browser(other_admin).post(url, data={**theirs, "min_attendance": "75"}).status_code == 302
    events = audit_count()

    response = client.post(url, data={**mine, "skills_at_target": "90"})

    page = refused(
        response,
        "Someone else changed the completion rules after you opened them",
        "Amir Second changed the minimum attendance from 80% to 75% on",
    )
    cohort = fresh(Cohort, world.cohort.id)
    assert (cohort.min_attendance, cohort.skills_at_target) == (0.75, 1.0) and audit_count() == events
    again = form_of(page)
    assert (again["min_attendance"], again["skills_at_target"]) == ("80", "90")
    assert client.post(url, data=again).status_code == 302
    cohort = fresh(Cohort, world.cohort.id)
    assert (cohort.min_attendance, cohort.skills_at_target) == (0.80, 0.90)


def test_the_rules_page_and_the_cohort_page_see_each_others_rule_changes(
    client, world, sign_in, other_admin, browser
):
    rules_url = f"/cohorts/{world.cohort.slug}/completion-rules"
    edit_url = f"/cohorts/{world.cohort.slug}/edit"
    rules = opened(sign_in(world.admin), rules_url)
    details = opened(browser(other_admin), edit_url)
    # A change of the description alone does not touch the rules: their page still saves.
    assert (
        browser(other_admin).post(edit_url, data={**details, "description": "New words"}).status_code == 302
    )
    assert client.post(rules_url, data={**rules, "min_attendance": "70"}).status_code == 302
    # The cohort page showed the rules before that change: saving it would undo it, so it is refused.
    response = browser(other_admin).post(edit_url, data={**details, "description": "Newer words"})
    refused(
        response,
        "Someone else changed this cohort",
        "Priya Admin changed the minimum attendance from 80% to 70%",
    )
    assert fresh(Cohort, world.cohort.id).min_attendance == 0.70


# A session ----------------------------------------------------------------------------------------


def test_a_session(client, world, sign_in, other_admin, browser):
    session = make_session(world.cohort, date(2026, 9, 8), title="Serving models")
    session.location = "Room 1"
    db.session.commit()
    url = f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit"
    mine = opened(sign_in(world.admin), url)
    theirs = opened(browser(other_admin), url)
    assert browser(other_admin).post(url, data={**theirs, "location": "Room 2"}).status_code == 302
    events = audit_count()

    response = client.post(url, data={**mine, "title": "Serving models at scale", "end": "13:00"})

    page = refused(
        response,
        "Someone else changed this session after you opened it",
        "Amir Second changed the location from “Room 1” to “Room 2” on",
    )
    changed = fresh(Session, session.id)
    assert (changed.title, changed.location, changed.sequence) == ("Serving models", "Room 2", 1)
    assert audit_count() == events
    again = form_of(page)
    assert (again["title"], again["end"], again["location"]) == ("Serving models at scale", "13:00", "Room 1")
    assert client.post(url, data=again).status_code == 302
    changed = fresh(Session, session.id)
    assert (changed.title, changed.location) == ("Serving models at scale", "Room 1")


def test_a_cancelled_session_refuses_a_change_from_before(client, world, sign_in, other_admin, browser):
    session = make_session(world.cohort, date(2026, 9, 8), title="Serving models")
    db.session.commit()
    url = f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit"
    mine = opened(sign_in(world.admin), url)
    cancel = f"/cohorts/{world.cohort.slug}/sessions/{session.id}/cancel"
    assert browser(other_admin).post(cancel, data={"reason": "Trainer ill"}).status_code == 302
    response = client.post(url, data={**mine, "title": "Serving models, part 1"})
    refused(response, "Someone else changed this session", "Amir Second changed the reason it is cancelled")
    assert fresh(Session, session.id).title == "Serving models"


# Hackathons ------------------------------------------------------------------------------------


@pytest.fixture
def hackathon(world):
    backlog = f.make_challenge(world.moj, "Reducing the Crown Court backlog")
    licences = f.make_challenge(world.dvla, "Faster licence checks")
    session = f.make_hackathon(world.cohort, challenges=[backlog, licences], title="Hackathon 1")
    team = f.make_team(session, [world.participant], name="Alpha")
    db.session.commit()
    return {"session": session, "team": team, "backlog": backlog, "licences": licences}


def base(world, hackathon) -> str:
    return f"/cohorts/{world.cohort.slug}/hackathons/{hackathon['session'].id}"


def test_a_team_name_and_challenge(client, world, sign_in, browser, hackathon):
    team = hackathon["team"]
    url = f"{base(world, hackathon)}/teams/{team.id}/edit"
    mine = opened(sign_in(world.participant), url)  # a member of the team
    theirs = opened(browser(world.facilitator), url)
    assert browser(world.facilitator).post(url, data={**theirs, "name": "Alpha Prime"}).status_code == 302
    events = audit_count()

    response = client.post(url, data={**mine, "challenge": str(hackathon["backlog"].id)})

    page = refused(
        response,
        "Someone else changed this team after you opened it",
        "Fran Facilitator changed the team name from “Alpha” to “Alpha Prime” on",
    )
    changed = fresh(Team, team.id)
    assert (changed.name, changed.challenge_id) == ("Alpha Prime", None) and audit_count() == events
    again = form_of(page)
    assert (again["name"], again["challenge"]) == ("Alpha", str(hackathon["backlog"].id))
    assert client.post(url, data={**again, "name": "Alpha Prime"}).status_code == 302
    changed = fresh(Team, team.id)
    assert (changed.name, changed.challenge_id) == ("Alpha Prime", hackathon["backlog"].id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "Team").order_by(AuditEvent.id.desc())
    )
    assert event.before == {"challenge_id": None} and event.after == {"challenge_id": hackathon["backlog"].id}


def test_a_teams_members(client, world, sign_in, other_admin, browser, hackathon):
    team = hackathon["team"]
    third = f.make_user(Role.PARTICIPANT, world.dvla, full_name="Third Person")
    third_enrolment = f.enrol(world.cohort, third)
    zoë = f.enrolment_of(world.cohort, world.other_participant)
    db.session.commit()
    teams_url = f"{base(world, hackathon)}/teams"
    add_url = f"{teams_url}/{team.id}/members"
    field = f"team-{team.id}-enrolment"
    mine = opened(sign_in(world.facilitator), teams_url, f"team-{team.id}-version")
    theirs = opened(browser(other_admin), teams_url, f"team-{team.id}-version")
    assert browser(other_admin).post(add_url, data={**theirs, field: str(zoë.id)}).status_code == 302
    events = audit_count()

    response = client.post(add_url, data={**mine, field: str(third_enrolment.id)})

    page = refused(
        response,
        "Someone else changed who is in this team after you opened the page",
        "Amir Second put Zoë Ng in team Alpha (Hackathon 1) on",
    )
    members = set(db.session.scalars(select(TeamMember.enrolment_id).where(TeamMember.team_id == team.id)))
    assert third_enrolment.id not in members and audit_count() == events
    again = form_of(page, f"team-{team.id}-version")
    assert again[field] == str(third_enrolment.id)  # the choice is kept
    assert client.post(add_url, data=again).status_code == 302
    members = set(db.session.scalars(select(TeamMember.enrolment_id).where(TeamMember.team_id == team.id)))
    assert third_enrolment.id in members and zoë.id in members

    # Taking someone out from a page that no longer shows the team as it is: refused too. Each
    # "Take out" button's form carries the team's version (one team here: the first such form).
    mine = opened(client, teams_url)["version"]
    theirs = opened(browser(other_admin), teams_url)["version"]
    out = f"{teams_url}/{team.id}/members/{{}}/remove"
    assert (
        browser(other_admin).post(out.format(third_enrolment.id), data={"version": theirs}).status_code == 302
    )
    response = client.post(out.format(zoë.id), data={"version": mine})
    page = refused(
        response,
        "Someone else changed who is in this team",
        "Amir Second took Third Person out of team Alpha",
    )
    in_team = set(db.session.scalars(select(TeamMember.enrolment_id).where(TeamMember.team_id == team.id)))
    assert zoë.id in in_team and third_enrolment.id not in in_team
    assert client.post(out.format(zoë.id), data={"version": form_of(page)["version"]}).status_code == 302
    in_team = set(db.session.scalars(select(TeamMember.enrolment_id).where(TeamMember.team_id == team.id)))
    assert zoë.id not in in_team


def test_a_challenge(client, world, sign_in, other_admin, browser, hackathon):
    challenge = hackathon["backlog"]
    url = f"/challenges/{challenge.id}/edit"
    mine = opened(sign_in(world.admin), url)
    theirs = opened(browser(other_admin), url)
    contact = "Helen Carter, helen.carter@justice.gov.uk"
    assert browser(other_admin).post(url, data={**theirs, "contact": contact}).status_code == 302
    events = audit_count()

    response = client.post(url, data={**mine, "title": "Reducing the Crown Court backlog, phase 2"})

    page = refused(
        response,
        "Someone else changed this challenge after you opened it",
        f"Amir Second changed the contact from empty to “{contact}” on",
    )
    changed = fresh(Challenge, challenge.id)
    assert (changed.title, changed.contact) == ("Reducing the Crown Court backlog", contact)
    assert audit_count() == events
    again = form_of(page)
    assert again["title"] == "Reducing the Crown Court backlog, phase 2" and again["contact"] == ""
    assert client.post(url, data={**again, "contact": contact}).status_code == 302
    assert fresh(Challenge, challenge.id).title == "Reducing the Crown Court backlog, phase 2"


def test_a_hackathons_settings(client, world, sign_in, other_admin, browser, hackathon):
    session = hackathon["session"]
    url = f"{base(world, hackathon)}/settings"
    mine = opened(sign_in(world.admin), url)
    theirs = opened(browser(other_admin), url)
    assert browser(other_admin).post(url, data={**theirs, "team_size_max": "5"}).status_code == 302
    events = audit_count()

    response = client.post(url, data={**mine, "team_size_min": "3"})

    page = refused(
        response,
        "Someone else changed the hackathon's settings after you opened them",
        "Amir Second changed the largest team from 6 to 5 on",
    )
    settings = fresh(HackathonSettings, session.id)
    assert (settings.team_size_min, settings.team_size_max) == (2, 5) and audit_count() == events
    again = form_of(page)
    assert (again["team_size_min"], again["team_size_max"]) == ("3", "6")
    assert client.post(url, data=again).status_code == 302
    settings = fresh(HackathonSettings, session.id)
    assert (settings.team_size_min, settings.team_size_max) == (3, 6)
