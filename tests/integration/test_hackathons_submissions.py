"""Handing in work: members only, editable until the deadline, late marking, links that must
be web addresses, hostile input, and what counts for require_hackathon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cohort.domain.hackathons import hackathon_checks, require_hackathon_holds
from cohort.extensions import db
from cohort.hackathons import service
from cohort.models import AuditEvent, Role, Submission
from tests import factories as f

GOOD = {
    "title": "Backlog forecaster",
    "summary": "Forecasts which Crown Court cases will wait longest.",
    "repository_link": "https://github.com/example/backlog",
    "demo_link": "http://demo.example.gov.uk/backlog",
    "data_used": "Synthetic case records shaped like the real ones",
    "who_could_be_harmed": "Defendants and victims whose cases are delayed",
    "bias_checked": "Compared error rates by court region and offence type",
    "human_decides": "Listing officers decide every listing",
}


def url(world, team):
    return f"/cohorts/{world.cohort.slug}/hackathons/{team.session_id}/teams/{team.id}/submission"


@pytest.fixture
def team(world):
    session = f.make_hackathon(world.cohort, title="Hackathon 1")
    team = f.make_team(session, [world.participant], name="Alpha")
    db.session.commit()
    return team


def set_deadline(session, deadline):
    settings = service.settings_for(session)
    settings.submission_deadline = deadline
    db.session.add(settings)
    db.session.commit()


def test_a_member_hands_in_on_time_and_can_change_it_until_the_deadline(client, world, sign_in, team):
    sign_in(world.participant)
    page = client.get(url(world, team)).text
    assert "Responsible AI statement" in page and "What does a human still decide?" in page
    response = client.post(url(world, team), data=GOOD)
    assert response.status_code == 302
    submission = db.session.scalar(select(Submission).where(Submission.team_id == team.id))
    assert submission.title == "Backlog forecaster" and not submission.late
    assert (
        "Backlog forecaster (handed in on time)"
        in client.get(f"/cohorts/{world.cohort.slug}/hackathons/{team.session_id}").text
    )
    response = client.post(url(world, team), data={**GOOD, "title": "Backlog forecaster v2", "demo_link": ""})
    assert response.status_code == 302
    db.session.refresh(submission)
    assert submission.title == "Backlog forecaster v2" and submission.demo_link is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "Submission").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "update"]


def test_after_the_deadline_a_submission_cannot_change(client, world, sign_in, team):
    f.make_submission(team, "Handed in")
    set_deadline(team.session, datetime.now(UTC) - timedelta(minutes=1))
    sign_in(world.participant)
    page = client.get(url(world, team)).text
    assert "The deadline has passed: your submission can no longer be changed." in page
    assert '<form method="post" novalidate>' not in page
    assert client.post(url(world, team), data={**GOOD, "title": "Sneaky change"}).status_code == 403
    assert db.session.scalar(select(Submission.title).where(Submission.team_id == team.id)) == "Handed in"


def test_a_first_submission_after_the_deadline_is_marked_late(client, world, sign_in, team):
    set_deadline(team.session, datetime.now(UTC) - timedelta(hours=2))
    sign_in(world.participant)
    page = client.get(url(world, team)).text
    assert "your work will be marked late and will not count" in page
    response = client.post(url(world, team), data=GOOD, follow_redirects=True)
    assert "handed in late and is marked late" in response.text
    submission = db.session.scalar(select(Submission).where(Submission.team_id == team.id))
    assert submission.late
    enrolment = f.enrolment_of(world.cohort, world.participant)
    # Not yet counted while the hackathon has not ended; once it has, late work fails the rule.
    taken = service.hackathons_taken(enrolment)
    later = team.session.ends_at + timedelta(days=1)
    assert not require_hackathon_holds(taken, later)
    assert [c.reason for c in hackathon_checks(taken, later)] == ["Hackathon 1: submission was late"]


def test_require_hackathon_for_an_enrolment(world):
    ended = f.make_hackathon(world.cohort, days_from_today=-7, title="Hackathon 1")
    f.make_hackathon(world.cohort, days_from_today=7, title="Hackathon 2")
    on_time = f.make_team(ended, [world.participant], name="On time")
    f.make_submission(on_time)
    f.make_team(ended, [world.other_participant], name="Nothing handed in")
    db.session.commit()
    now = datetime.now(UTC)
    mine = service.hackathons_taken(f.enrolment_of(world.cohort, world.participant))
    assert require_hackathon_holds(mine, now)
    theirs = service.hackathons_taken(f.enrolment_of(world.cohort, world.other_participant))
    assert [c.reason for c in hackathon_checks(theirs, now)] == ["Hackathon 1: team made no submission"]
    # The source registered for the completion rules says the same.
    entries = service.entries_for_completion(
        world.cohort,
        [
            f.enrolment_of(world.cohort, world.participant).id,
            f.enrolment_of(world.cohort, world.other_participant).id,
        ],
    )
    assert {k: {s: e.value for s, e in v.items()} for k, v in entries.items()} == {
        f.enrolment_of(world.cohort, world.participant).id: {ended.id: "on_time"},
        f.enrolment_of(world.cohort, world.other_participant).id: {ended.id: "no_submission"},
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Enter your project&#39;s title"),
        ("summary", "", "Enter a summary of what you built"),
        ("data_used", "", "Enter what data you used"),
        ("who_could_be_harmed", "   ", "Enter who could be harmed"),
        ("bias_checked", "", "Enter how you checked for bias"),
        ("human_decides", "", "Enter what a human still decides"),
        ("summary", "x" * 10_000, "Summary must be 5,000 characters or fewer"),
        ("title", "x" * 10_000, "Project title must be 200 characters or fewer"),
        ("title", "Nul\x00title", "Project title must not contain invisible or control characters"),
        ("summary", "Nul\x00summary", "Summary must not contain invisible or control characters"),
        (
            "repository_link",
            "javascript:alert(1)",
            "Repository link must be a web address starting with https://",
        ),
        ("repository_link", "JaVaScRiPt://example.com/%0aalert(1)", "Repository link must be a web address"),
        ("demo_link", "data:text/html,<script>alert(1)</script>", "Demo link must be a web address"),
        ("demo_link", "https://", "Demo link must be a web address"),
        ("demo_link", "https://example.com/a b", "Demo link must be a web address"),
        ("demo_link", "ftp://example.com", "Demo link must be a web address"),
        (
            "repository_link",
            "https://example.com/" + "x" * 10_000,
            "Repository link must be 500 characters or fewer",
        ),
    ],
)
def test_bad_submissions_are_refused_with_a_message(client, world, sign_in, team, field, value, message):
    sign_in(world.participant)
    response = client.post(url(world, team), data={**GOOD, field: value})
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    assert db.session.scalar(select(Submission.id).where(Submission.team_id == team.id)) is None


def test_a_missing_form_is_refused_not_an_error(client, world, sign_in, team):
    sign_in(world.participant)
    assert client.post(url(world, team), data={}).status_code == 400


def test_hostile_text_is_shown_as_text(client, world, sign_in, team):
    sign_in(world.participant)
    client.post(url(world, team), data={**GOOD, "summary": "<img src=x onerror=alert(1)>"})
    sign_in(world.admin)
    page = client.get(url(world, team)).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_only_members_hand_in(client, world, sign_in, team):
    sign_in(world.other_participant)  # same cohort, not in the team
    assert client.get(url(world, team)).status_code == 404
    assert client.post(url(world, team), data=GOOD).status_code == 404
    sign_in(world.sponsor)
    assert client.get(url(world, team)).status_code == 403
    sign_in(world.facilitator)  # sees it, cannot hand in for the team
    assert client.get(url(world, team)).status_code == 200
    assert client.post(url(world, team), data=GOOD).status_code == 403
    outsider = f.make_user(Role.FACILITATOR)
    db.session.commit()
    sign_in(outsider)
    assert client.get(url(world, team)).status_code == 404
    assert db.session.scalar(select(Submission.id).where(Submission.team_id == team.id)) is None


def test_links_are_shown_as_links_and_hostile_ones_escaped(client, world, sign_in, team):
    sign_in(world.participant)
    hostile = 'https://example.com/"><script>alert(1)</script>'
    response = client.post(url(world, team), data={**GOOD, "demo_link": hostile})
    assert response.status_code == 302
    sign_in(world.admin)
    page = client.get(url(world, team)).text
    assert (
        '<a class="govuk-link" rel="noreferrer noopener" href="https://github.com/example/backlog">' in page
    )
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
