"""Help for first-time users: a page per role, reached from the footer, /help and empty states."""

from __future__ import annotations

import re

import pytest

from cohort.models import Role

PAGES = {
    "admin": "/help/programme-managers",
    "facilitator": "/help/facilitators",
    "participant": "/help/participants",
    "sponsor": "/help/sponsors",
}


@pytest.mark.parametrize("role", list(PAGES))
def test_help_sends_each_role_to_their_own_page(world, sign_in, role):
    client = sign_in(world.by_role(role))
    response = client.get("/help")
    assert response.status_code == 302
    assert response.headers["Location"] == PAGES[role]
    page = client.get(PAGES[role])
    assert page.status_code == 200
    assert "What to do first" in page.text and "What each page is for" in page.text
    assert "Who to contact" in page.text


def test_the_anonymous_get_a_general_page_with_the_way_in(client):
    response = client.get("/help")
    assert response.status_code == 200
    assert "<title>Help – Cohort</title>" in response.text
    assert 'href="/sign-in"' in response.text
    for path in PAGES.values():  # links to every role's page
        assert f'href="{path}"' in response.text


def test_role_pages_link_the_real_pages_of_that_role(app, world, sign_in):
    def main_links(role: str) -> set[str]:
        text = sign_in(world.by_role(role)).get(PAGES[role]).text
        main = text.split("<main", 1)[1].split("</main>", 1)[0]
        return set(re.findall(r'href="(/[^"#]*)"', main))

    links = {role: main_links(role) for role in PAGES}
    assert {"/cohorts/new", "/admin/users", "/admin/audit", "/search"} <= links["admin"]
    assert {"/my-schedule", "/check-in", "/my-progress", "/my-learning-log"} <= links["participant"]
    assert {"/challenges/new", "/departments/reports", "/participants/"} <= links["sponsor"]
    assert {"/dashboard", "/participants/", "/search"} <= links["facilitator"]
    # Every link on a help page opens for the role it is written for (no dead ends).
    for role in PAGES:
        client = sign_in(world.by_role(role))
        for link in links[role]:
            response = client.get(link)
            assert response.status_code in (200, 302), f"{link} from {PAGES[role]} as {role}"
            if response.status_code == 302:  # /help, and the sponsor's reports page opens their own report
                assert "/sign-in" not in response.headers["Location"]


def test_someone_not_signed_in_gets_no_links_to_pages_behind_sign_in(client):
    for path in PAGES.values():
        main = client.get(path).text.split("<main", 1)[1].split("</main>", 1)[0]
        links = set(re.findall(r'href="(/[^"#]*)"', main))
        assert links <= {"/sign-in", "/accessibility", "/privacy", *PAGES.values()}, path


def test_the_contact_address_is_the_help_email_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HELP_EMAIL", "ai.accelerator@example.gov.uk")
    response = client.get("/help/participants")
    assert 'href="mailto:ai.accelerator@example.gov.uk"' in response.text
    monkeypatch.setitem(app.config, "HELP_EMAIL", None)
    monkeypatch.setitem(app.config, "EMAIL_REPLY_TO", "programme@example.gov.uk")
    assert 'href="mailto:programme@example.gov.uk"' in client.get("/help/participants").text
    monkeypatch.setitem(app.config, "EMAIL_REPLY_TO", None)
    assert "mailto:" not in client.get("/help/participants").text


def test_the_help_email_setting_comes_from_the_environment(monkeypatch):
    from cohort.config import load_config

    monkeypatch.setenv("HELP_EMAIL", " team@example.gov.uk ")
    assert load_config()["HELP_EMAIL"] == "team@example.gov.uk"
    monkeypatch.delenv("HELP_EMAIL")
    assert load_config()["HELP_EMAIL"] is None


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_links_help_in_its_footer(world, sign_in, role):
    text = sign_in(world.by_role(role)).get("/dashboard").text
    footer = text.split('<footer class="govuk-footer">', 1)[1]
    assert 'href="/help"' in footer


def test_an_empty_state_points_to_help(app, sign_in):
    from cohort.extensions import db
    from tests import factories as f

    sponsor = f.make_user(Role.SPONSOR, full_name="New Sponsor")
    db.session.commit()
    text = sign_in(sponsor).get("/dashboard").text
    assert "No participants from your department yet." in text
    assert 'href="/help">See Help for what to do first</a>' in text


def test_first_time_staff_are_pointed_to_help_where_there_is_nothing_yet(app, sign_in):
    from cohort.extensions import db
    from tests import factories as f

    facilitator = f.make_user(Role.FACILITATOR, full_name="New Facilitator")
    admin = f.make_user(Role.ADMIN, full_name="New Manager")
    db.session.commit()
    text = sign_in(facilitator).get("/dashboard").text
    assert (
        'assigns facilitators to cohorts. <a class="govuk-link" href="/help">See Help for what to do first</a>.'
        in text
    )
    assert (
        'No cohorts yet. <a class="govuk-link" href="/help">See Help'
        in sign_in(facilitator).get("/cohorts/").text
    )
    client = sign_in(admin)
    assert 'No skills yet. <a class="govuk-link" href="/help">See Help' in client.get("/skills").text
    assert "There are no cohorts yet. <a" in client.get("/reports").text


def test_another_roles_help_names_its_pages_without_links(world, sign_in):
    """No link on a Help page leads its reader to a page they may not use (403)."""
    participant = sign_in(world.participant)
    text = participant.get("/help/programme-managers").text
    main = text.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/admin/users"' not in main and "<strong>Users</strong>" in main
    assert 'Your own is <a class="govuk-link" href="/help/participants">help for participants</a>' in main
