"""Departments' challenges (added by programme managers, proposed by sponsors, accepted),
offering them in a hackathon with its settings, what sponsors see, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cohort.extensions import db
from cohort.hackathons import service
from cohort.models import AuditEvent, Challenge, ChallengeStatus, DataSensitivity, HackathonSettings, Role
from tests import factories as f


def challenge_form(owner, **changes):
    data = {
        "title": "Reducing the Crown Court backlog",
        "problem_statement": "Cases wait too long to be heard.",
        "department": str(owner.id),
        "data_available": "Synthetic listings data",
        "data_sensitivity": "official_sensitive",
        "success_looks_like": "A forecast listing officers trust",
        "contact": "Helen Carter, helen@example.gov.uk",
    }
    data.update(changes)
    return data


def test_admin_adds_a_challenge_accepted_at_once(client, world, sign_in):
    sign_in(world.admin)
    response = client.post("/challenges/new", data=challenge_form(world.moj))
    assert response.status_code == 302
    challenge = db.session.scalar(select(Challenge))
    assert challenge.status == ChallengeStatus.ACCEPTED
    assert challenge.data_sensitivity == DataSensitivity.OFFICIAL_SENSITIVE
    page = client.get(f"/challenges/{challenge.id}").text
    assert "OFFICIAL-SENSITIVE" in page and "Ministry of Justice" in page and "Accepted" in page
    assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.entity_type == "Challenge")) == (
        "Added challenge Reducing the Crown Court backlog"
    )


def test_a_sponsor_proposes_for_their_department_and_an_admin_accepts(client, world, sign_in):
    sign_in(world.sponsor)
    page = client.get("/challenges/new").text
    assert "Ministry of Justice" in page and "Driver and Vehicle Licensing Agency" not in page
    # Not for another department
    response = client.post("/challenges/new", data=challenge_form(world.dvla))
    assert response.status_code == 400 and "Select the department that owns this challenge" in response.text
    response = client.post("/challenges/new", data=challenge_form(world.moj), follow_redirects=True)
    assert "A programme manager will review it" in response.text
    challenge = db.session.scalar(select(Challenge))
    assert challenge.status == ChallengeStatus.PROPOSED and challenge.proposed_by_id == world.sponsor.id
    # Not yet offerable
    session = f.make_hackathon(world.cohort)
    db.session.commit()
    with pytest.raises(service.HackathonError, match="accepted challenges"):
        service.save_settings(world.admin, session, 2, 6, None, [challenge.id])
    assert client.post(f"/challenges/{challenge.id}/accept").status_code == 403
    sign_in(world.admin)
    assert "Waiting for acceptance (1)" in client.get("/challenges").text
    client.post(f"/challenges/{challenge.id}/accept")
    db.session.refresh(challenge)
    assert challenge.accepted and challenge.accepted_at is not None


def test_sponsors_see_their_departments_challenges_and_the_work_on_them(client, world, sign_in):
    ours = f.make_challenge(world.moj, "Court backlog")
    theirs = f.make_challenge(world.dvla, "Licence fraud")
    session = f.make_hackathon(
        world.cohort, challenges=[ours, theirs], days_from_today=-2, title="Hackathon 1"
    )
    team = f.make_team(session, [world.other_participant], name="Beta", challenge=ours)
    f.make_submission(team, "Backlog forecaster")
    db.session.commit()
    sign_in(world.sponsor)
    page = client.get("/challenges").text
    assert "Court backlog" in page and "Licence fraud" not in page
    page = client.get(f"/challenges/{ours.id}").text
    assert "Backlog forecaster" in page and "team Beta" in page and "Compared error rates by region" in page
    assert "Hackathon 1" in page
    assert client.get(f"/challenges/{theirs.id}").status_code == 404
    assert client.get("/challenges/99999999999999").status_code == 404
    sign_in(world.participant)
    assert client.get(f"/challenges/{ours.id}").status_code == 403


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter the challenge&#39;s title"),
        ({"title": "x" * 10_000}, "Title must be 200 characters or fewer"),
        ({"title": "Null\x00byte"}, "Title must not contain invisible or control characters"),
        ({"problem_statement": ""}, "Enter the problem statement"),
        ({"problem_statement": "x" * 10_000}, "Problem statement must be 5,000 characters or fewer"),
        ({"department": ""}, "Select the department that owns this challenge"),
        ({"department": "999999"}, "Select the department that owns this challenge"),
        ({"department": "abc\x00"}, "Select the department that owns this challenge"),
        ({"data_sensitivity": "secret"}, "Select how sensitive the data is"),
        ({"data_sensitivity": ""}, "Select how sensitive the data is"),
        ({"contact": "x" * 10_000}, "Contact must be 200 characters or fewer"),
    ],
)
def test_bad_challenges_are_refused_with_a_message(client, world, sign_in, changes, message):
    sign_in(world.admin)
    response = client.post("/challenges/new", data=challenge_form(world.moj, **changes))
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    assert db.session.scalar(select(Challenge.id)) is None


def test_titles_are_unique_and_edits_keep_them_so(client, world, sign_in):
    first = f.make_challenge(world.moj, "Court backlog")
    f.make_challenge(world.moj, "Prison places")
    db.session.commit()
    sign_in(world.admin)
    response = client.post("/challenges/new", data=challenge_form(world.moj, title="court BACKLOG"))
    assert response.status_code == 400 and "There is already a challenge with this title" in response.text
    assert "Court backlog" in client.get(f"/challenges/{first.id}/edit").text
    response = client.post(
        f"/challenges/{first.id}/edit", data=challenge_form(world.moj, title="Prison places")
    )
    assert response.status_code == 400 and "There is already a challenge with this title" in response.text
    response = client.post(
        f"/challenges/{first.id}/edit", data=challenge_form(world.dvla, title="Court backlogs")
    )
    assert response.status_code == 302
    db.session.refresh(first)
    assert (first.title, first.department_id) == ("Court backlogs", world.dvla.id)


def settings_form(**changes):
    data = {
        "team_size_min": "3",
        "team_size_max": "5",
        "deadline_date": ["", "", ""],
        "deadline_time": "",
        "challenges": [],
    }
    data.update(changes)
    return data


def test_admin_sets_sizes_deadline_and_challenges_on_offer(client, world, sign_in):
    accepted = f.make_challenge(world.moj, "Court backlog")
    proposed = f.make_challenge(world.dvla, "Licence fraud", accepted=False)
    session = f.make_hackathon(world.cohort, days_from_today=7)
    db.session.commit()
    url = f"/cohorts/{world.cohort.slug}/hackathons/{session.id}/settings"
    sign_in(world.admin)
    page = client.get(url).text
    assert "Court backlog" in page and "Licence fraud" not in page
    day = session.starts_at.date()
    response = client.post(
        url,
        data=settings_form(
            challenges=[str(accepted.id)],
            deadline_date=[str(day.day), str(day.month), str(day.year)],
            deadline_time="17:00",
        ),
    )
    assert response.status_code == 302
    settings = db.session.get(HackathonSettings, session.id)
    assert (settings.team_size_min, settings.team_size_max) == (3, 5)
    assert settings.submission_deadline.astimezone(UTC).hour in (16, 17)  # 5pm London time
    assert [c.title for c in service.offered_challenges(session)] == ["Court backlog"]
    page = client.get(f"/cohorts/{world.cohort.slug}/hackathons/{session.id}").text
    assert "3 to 5 people" in page and "5:00pm" in page and "Court backlog" in page
    # A proposed challenge, or another id, cannot be offered
    for value in (str(proposed.id), "abc", "99999999999"):
        response = client.post(url, data=settings_form(challenges=[value]))
        assert response.status_code == 400 and "Choose only challenges from the list" in response.text
    # A challenge a team chose stays on offer
    f.make_team(session, [], name="Chosen", challenge=accepted)
    db.session.commit()
    response = client.post(url, data=settings_form(challenges=[]))
    assert response.status_code == 400 and "cannot be taken off offer" in response.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"team_size_min": ""}, "Enter the smallest team size"),
        ({"team_size_min": "two"}, "Smallest team must be a whole number"),
        ({"team_size_max": "9" * 30}, "Largest team must be a whole number"),
        ({"team_size_min": "0"}, "The smallest team size must be at least 1"),
        (
            {"team_size_min": "6", "team_size_max": "3"},
            "The smallest team size cannot be more than the largest",
        ),
        ({"team_size_max": "21"}, "The largest team size must be 20 or fewer"),
        (
            {"deadline_date": ["31", "2", "2026"], "deadline_time": "17:00"},
            "Deadline date must be a real date",
        ),
        (
            {"deadline_date": ["1", "1", "2020"], "deadline_time": "17:00"},
            "cannot be before the hackathon starts",
        ),
        ({"deadline_time": "17:00"}, "Enter both the date and the time of the deadline, or neither"),
        (
            {"deadline_date": ["1", "1", "2027"], "deadline_time": "25:99"},
            "Deadline time must be a time of day",
        ),
        (
            {"deadline_date": ["1", "1", "2027"], "deadline_time": "\x00"},
            "Deadline time must be a time of day",
        ),
    ],
)
def test_bad_settings_are_refused(client, world, sign_in, changes, message):
    session = f.make_hackathon(world.cohort)
    db.session.commit()
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.cohort.slug}/hackathons/{session.id}/settings", data=settings_form(**changes)
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    assert db.session.get(HackathonSettings, session.id) is None


def test_the_deadline_defaults_to_the_end_of_the_hackathon(world):
    session = f.make_hackathon(world.cohort)
    db.session.commit()
    assert service.deadline_of(session) == session.ends_at
    assert service.settings_for(session).team_size_min == 2
    assert service.settings_for(session).team_size_max == 6
    assert datetime.now(UTC) < service.deadline_of(session)


def test_the_largest_team_cannot_be_set_below_a_teams_size(client, world, sign_in):
    session = f.make_hackathon(world.cohort)
    third = f.make_user(Role.PARTICIPANT, world.dvla, full_name="Third Person")
    f.enrol(world.cohort, third)
    f.make_team(session, [world.participant, world.other_participant, third], name="Trio")
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/hackathons/{session.id}/settings"
    response = client.post(url, data=settings_form(team_size_min="2", team_size_max="2", challenges=[]))
    assert response.status_code == 400
    assert "Team Trio already has 3 members: the largest team size cannot be less than 3" in response.text
    assert db.session.get(HackathonSettings, session.id) is None
    response = client.post(url, data=settings_form(team_size_min="2", team_size_max="3", challenges=[]))
    assert response.status_code == 302
