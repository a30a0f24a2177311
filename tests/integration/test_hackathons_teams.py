"""Hackathon teams: creating, joining by code, leaving, staff forming teams, one team per
participant per hackathon (also under two simultaneous requests), size limits, no changes
after the hackathon has ended, and hostile input."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cohort.extensions import db
from cohort.hackathons import service
from cohort.hackathons.service import HackathonError
from cohort.models import AuditEvent, Role, Team, TeamMember
from tests import factories as f
from tests.sessions import make_session


def base(world, hackathon):
    return f"/cohorts/{world.cohort.slug}/hackathons/{hackathon.id}"


@pytest.fixture
def hackathon(world):
    challenge = f.make_challenge(world.moj, "Reducing the Crown Court backlog")
    session = f.make_hackathon(world.cohort, challenges=[challenge], title="Hackathon 1")
    db.session.commit()
    return session


def members(team_id) -> list[str]:
    team = db.session.get(Team, team_id)
    db.session.refresh(team)
    return sorted(m.enrolment.user.full_name for m in team.members)


def test_a_participant_creates_a_team_and_another_joins_with_its_code(client, world, sign_in, hackathon):
    sign_in(world.participant)
    challenge_id = service.offered_challenges(hackathon)[0].id
    response = client.post(
        f"{base(world, hackathon)}/teams/new",
        data={"name": "Backlog busters", "challenge": str(challenge_id)},
    )
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "Backlog busters"))
    page = client.get(base(world, hackathon)).text
    assert "Backlog busters" in page and team.join_code in page and "Reducing the Crown Court backlog" in page
    assert "Your team needs at least 2 members" in page

    sign_in(world.other_participant)
    code = f" {team.join_code[:4].lower()}-{team.join_code[4:].lower()} "  # as someone might type it
    response = client.post(f"{base(world, hackathon)}/teams/join", data={"code": code})
    assert response.status_code == 302
    assert members(team.id) == ["Siân O'Neill", "Zoë Ng"]
    assert "You joined team Backlog busters" in client.get(base(world, hackathon)).text
    summaries = db.session.scalars(
        select(AuditEvent.summary).where(AuditEvent.entity_type == "TeamMember")
    ).all()
    assert "Put Zoë Ng in team Backlog busters (Hackathon 1)" in summaries


def test_one_team_per_participant_per_hackathon(client, world, sign_in, hackathon):
    first = f.make_team(hackathon, [world.participant], name="First")
    second = f.make_team(hackathon, [world.other_participant], name="Second")
    db.session.commit()
    sign_in(world.participant)
    response = client.post(f"{base(world, hackathon)}/teams/join", data={"code": second.join_code})
    assert response.status_code == 400
    assert "Siân O&#39;Neill is already in team First in this hackathon" in response.text
    response = client.post(f"{base(world, hackathon)}/teams/new", data={"name": "Third", "challenge": ""})
    assert response.status_code == 400 and "already in team First" in response.text
    assert members(first.id) == ["Siân O'Neill"] and members(second.id) == ["Zoë Ng"]

    # The database refuses it too.
    enrolment = f.enrolment_of(world.cohort, world.participant)
    db.session.add(TeamMember(team_id=second.id, session_id=hackathon.id, enrolment_id=enrolment.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # ... and a membership whose session is not its team's.
    other = f.make_hackathon(world.cohort, title="Hackathon 2")
    db.session.add(TeamMember(team_id=second.id, session_id=other.id, enrolment_id=enrolment.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_same_person_can_be_in_a_team_in_each_hackathon(world, hackathon):
    other = f.make_hackathon(world.cohort, title="Hackathon 2", days_from_today=14)
    enrolment = f.enrolment_of(world.cohort, world.participant)
    service.create_team(world.participant, hackathon, "One", None, founder=enrolment)
    service.create_team(world.participant, other, "Two", None, founder=enrolment)
    assert (
        db.session.scalar(select(func.count(TeamMember.id)).where(TeamMember.enrolment_id == enrolment.id))
        == 2
    )


def test_team_size_limits(client, world, sign_in, hackathon):
    db.session.add(service.settings_for(hackathon))
    service.settings_for(hackathon).team_size_max = 2
    third = f.make_user(Role.PARTICIPANT, world.dvla, full_name="Third Person")
    f.enrol(world.cohort, third)
    team = f.make_team(hackathon, [world.participant, world.other_participant], name="Full")
    db.session.commit()
    sign_in(third)
    response = client.post(f"{base(world, hackathon)}/teams/join", data={"code": team.join_code})
    assert response.status_code == 400
    assert "This team is full: teams in this hackathon can have at most 2 members" in response.text
    # Staff cannot overfill it either.
    with pytest.raises(HackathonError, match="at most 2"):
        service.add_member(world.admin, team, f.enrolment_of(world.cohort, third))


def test_teams_cannot_change_after_the_hackathon_ended(client, world, sign_in):
    ended = f.make_hackathon(world.cohort, days_from_today=-3, title="Hackathon 0")
    team = f.make_team(ended, [world.participant], name="Done")
    db.session.commit()
    sign_in(world.other_participant)
    response = client.post(f"{base(world, ended)}/teams/join", data={"code": team.join_code})
    assert (
        response.status_code == 400
        and "Hackathon 0 has ended: its teams can no longer change" in response.text
    )
    response = client.post(f"{base(world, ended)}/teams/new", data={"name": "Late team", "challenge": ""})
    assert response.status_code == 400 and "has ended" in response.text
    sign_in(world.participant)
    client.post(f"{base(world, ended)}/teams/{team.id}/leave")
    assert members(team.id) == ["Siân O'Neill"]
    sign_in(world.admin)
    page = client.get(f"{base(world, ended)}/teams").text
    assert "This hackathon has ended: its teams can no longer change." in page
    enrolment = f.enrolment_of(world.cohort, world.participant)
    client.post(f"{base(world, ended)}/teams/{team.id}/members/{enrolment.id}/remove")
    assert members(team.id) == ["Siân O'Neill"]
    assert client.post(f"{base(world, ended)}/teams/auto", data={"size": "2"}).status_code == 400


def test_a_participant_leaves_their_team(client, world, sign_in, hackathon):
    team = f.make_team(hackathon, [world.participant, world.other_participant], name="Pair")
    db.session.commit()
    sign_in(world.participant)
    assert client.post(f"{base(world, hackathon)}/teams/{team.id}/leave").status_code == 302
    assert members(team.id) == ["Zoë Ng"]
    # Not in it any more: leaving again is not found.
    assert client.post(f"{base(world, hackathon)}/teams/{team.id}/leave").status_code == 404


def test_staff_form_teams_of_n_mixing_departments(client, world, sign_in, hackathon):
    wg = f.make_department("WG", "Welsh Government")
    for department, count in ((world.moj, 2), (world.dvla, 2), (wg, 2)):
        for _ in range(count):
            f.enrol(world.cohort, f.make_user(Role.PARTICIPANT, department))
    db.session.commit()  # 8 people: the world's two and these six
    sign_in(world.facilitator)
    response = client.post(f"{base(world, hackathon)}/teams/auto", data={"size": "4"})
    assert response.status_code == 302
    teams = service.teams_of(hackathon)
    assert [t.name for t in teams] == ["Team 1", "Team 2"]
    for team in teams:
        assert len(team.members) == 4
        departments = Counter(m.enrolment.user.department.code for m in team.members)
        # MOJ and DVLA have three people each, WG two: none has more than two in a team
        assert max(departments.values()) <= 2 and len(departments) == 3
    assert service.unplaced(hackathon) == []
    page = client.get(f"{base(world, hackathon)}/teams").text
    assert "Team 1" in page and "0 active participants not in a team yet" in page
    response = client.post(f"{base(world, hackathon)}/teams/auto", data={"size": "4"})
    assert response.status_code == 400 and "Everyone is already in a team" in response.text


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("", "Enter the team size"),
        ("seven", "Team size must be a whole number"),
        ("99999999999999999999", "Team size must be a whole number"),
        ("1", "Team size must be between 2 and 6"),
        ("7", "Team size must be between 2 and 6"),
        ("-3", "Team size must be between 2 and 6"),
    ],
)
def test_auto_forming_refuses_bad_sizes(client, world, sign_in, hackathon, size, message):
    sign_in(world.admin)
    response = client.post(f"{base(world, hackathon)}/teams/auto", data={"size": size})
    assert response.status_code == 400 and message in response.text
    assert "There is a problem" in response.text
    assert service.teams_of(hackathon) == []


def test_staff_add_and_take_out_members(client, world, sign_in, hackathon):
    team = f.make_team(hackathon, [], name="Empty")
    db.session.commit()
    sign_in(world.admin)
    enrolment = f.enrolment_of(world.cohort, world.other_participant)
    response = client.post(
        f"{base(world, hackathon)}/teams/{team.id}/members",
        data={f"team-{team.id}-enrolment": str(enrolment.id)},
    )
    assert response.status_code == 302 and members(team.id) == ["Zoë Ng"]
    # Someone of another cohort, or already placed, is not a choice.
    outsider = f.make_user(Role.PARTICIPANT, world.moj)
    other_enrolment = f.enrol(world.other_cohort, outsider)
    db.session.commit()
    for value in (str(other_enrolment.id), str(enrolment.id), "abc", "9" * 30, "1\x00"):
        response = client.post(
            f"{base(world, hackathon)}/teams/{team.id}/members", data={f"team-{team.id}-enrolment": value}
        )
        assert response.status_code == 400 and "Choose a participant from the list" in response.text
    assert members(team.id) == ["Zoë Ng"]
    response = client.post(f"{base(world, hackathon)}/teams/{team.id}/members/{enrolment.id}/remove")
    assert response.status_code == 302 and members(team.id) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the team"),
        ("x" * 10_000, "Team name must be 80 characters or fewer"),
        ("Bad\x00name", "Team name must not contain invisible or control characters"),
        ("Tab\tname", "Team name must not contain invisible or control characters"),
    ],
)
def test_bad_team_names_are_refused(client, world, sign_in, hackathon, name, message):
    sign_in(world.participant)
    response = client.post(f"{base(world, hackathon)}/teams/new", data={"name": name, "challenge": ""})
    assert response.status_code == 400 and message in response.text
    assert service.teams_of(hackathon) == []


def test_hostile_team_names_are_shown_as_text(client, world, sign_in, hackathon):
    sign_in(world.participant)
    name = "<script>alert(1)</script>"
    assert (
        client.post(f"{base(world, hackathon)}/teams/new", data={"name": name, "challenge": ""}).status_code
        == 302
    )
    page = client.get(base(world, hackathon)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and name not in page


def test_a_challenge_must_be_on_offer_and_names_unique(client, world, sign_in, hackathon):
    not_offered = f.make_challenge(world.dvla, "Not on offer")
    f.make_team(hackathon, [], name="Taken")
    db.session.commit()
    sign_in(world.participant)
    for challenge in (str(not_offered.id), "abc", "-1", "1" * 40):
        response = client.post(
            f"{base(world, hackathon)}/teams/new", data={"name": "Mine", "challenge": challenge}
        )
        assert response.status_code == 400 and "Choose one of the challenges on offer" in response.text
    response = client.post(f"{base(world, hackathon)}/teams/new", data={"name": "taken", "challenge": ""})
    assert (
        response.status_code == 400
        and "There is already a team with this name in this hackathon" in response.text
    )


@pytest.mark.parametrize("code", ["", "NOSUCHCO", "x" * 10_000, "AB\x00CD"])
def test_bad_join_codes_are_refused(client, world, sign_in, hackathon, code):
    sign_in(world.participant)
    response = client.post(f"{base(world, hackathon)}/teams/join", data={"code": code})
    assert response.status_code == 400 and "There is a problem" in response.text
    assert service.team_of(hackathon, f.enrolment_of(world.cohort, world.participant)) is None


def test_other_cohorts_and_hackathons_are_not_found(client, world, sign_in, hackathon):
    other_hackathon = f.make_hackathon(world.other_cohort, title="Their hackathon")
    their_team = f.make_team(other_hackathon, [], name="Theirs")
    workshop = make_session(world.cohort)
    db.session.commit()
    sign_in(world.participant)
    # Another cohort's hackathon, through this cohort's address or its own
    assert client.get(f"/cohorts/{world.cohort.slug}/hackathons/{other_hackathon.id}").status_code == 404
    assert (
        client.get(f"/cohorts/{world.other_cohort.slug}/hackathons/{other_hackathon.id}").status_code == 404
    )
    # A session that is not a hackathon; ids too large for the database
    assert client.get(f"/cohorts/{world.cohort.slug}/hackathons/{workshop.id}").status_code == 404
    assert client.get(f"/cohorts/{world.cohort.slug}/hackathons/99999999999999").status_code == 404
    # Another hackathon's team, and its join code
    assert client.post(f"{base(world, hackathon)}/teams/{their_team.id}/leave").status_code == 404
    response = client.post(f"{base(world, hackathon)}/teams/join", data={"code": their_team.join_code})
    assert (
        response.status_code == 400
        and "There is no team with this join code in this hackathon" in response.text
    )
    sign_in(world.facilitator)  # not a facilitator of the other cohort
    assert (
        client.get(f"/cohorts/{world.other_cohort.slug}/hackathons/{other_hackathon.id}/teams").status_code
        == 404
    )


def test_participants_see_only_their_own_team(client, world, sign_in, hackathon):
    f.make_team(hackathon, [world.participant], name="Mine")
    theirs = f.make_team(hackathon, [world.other_participant], name="Theirs")
    db.session.commit()
    sign_in(world.participant)
    page = client.get(base(world, hackathon)).text
    assert "Mine" in page and "Theirs" not in page and theirs.join_code not in page
    assert client.get(f"{base(world, hackathon)}/teams").status_code == 403


def test_two_simultaneous_joins_of_one_person_make_exactly_one_membership(app, world):
    session = f.make_hackathon(world.cohort, title="Race day")
    one = f.make_team(session, [], name="One")
    two = f.make_team(session, [], name="Two")
    db.session.commit()
    ids = {
        "session": session.id,
        "codes": [one.join_code, two.join_code],
        "user": world.participant.id,
        "enrolment": f.enrolment_of(world.cohort, world.participant).id,
    }
    db.session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(code):
        with app.app_context():
            from cohort.models import Enrolment, Session, User

            hackathon = db.session.get(Session, ids["session"])
            user = db.session.get(User, ids["user"])
            enrolment = db.session.get(Enrolment, ids["enrolment"])
            _ = hackathon.ends_at, enrolment.user.full_name
            db.session.commit()  # end the read transaction: both threads start level
            barrier.wait(timeout=10)
            try:
                service.join_team(user, hackathon, enrolment, code)
                outcomes.append("joined")
            except HackathonError as error:
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(code,)) for code in ids["codes"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("joined") == 1, outcomes
    refusal = next(o for o in outcomes if o != "joined")
    assert "Siân O'Neill is already in" in refusal
    count = db.session.scalar(
        select(func.count(TeamMember.id)).where(TeamMember.enrolment_id == ids["enrolment"])
    )
    assert count == 1


def test_a_member_or_the_staff_rename_a_team_and_choose_its_challenge(client, world, sign_in, hackathon):
    challenge = service.offered_challenges(hackathon)[0]
    other = f.make_challenge(world.dvla, "Not on offer here")
    team = f.make_team(hackathon, [world.participant], name="Alpha")
    f.make_team(hackathon, [], name="Beta")
    db.session.commit()
    url = f"{base(world, hackathon)}/teams/{team.id}/edit"

    sign_in(world.participant)  # a member: from their hackathon page
    assert url in client.get(base(world, hackathon)).text
    page = client.get(url)
    assert page.status_code == 200 and 'value="Alpha"' in page.text and 'name="version"' in page.text
    response = client.post(url, data={"name": "Backlog busters", "challenge": str(challenge.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(base(world, hackathon))
    db.session.refresh(team)
    assert (team.name, team.challenge_id) == ("Backlog busters", challenge.id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "Team", AuditEvent.action == "update")
    )
    assert event.before == {"name": "Alpha", "challenge_id": None}
    assert event.after == {"name": "Backlog busters", "challenge_id": challenge.id}
    assert "Team Backlog busters saved." in client.get(base(world, hackathon)).text
    response = client.post(url, data={"name": "Backlog busters", "challenge": str(challenge.id)})
    assert "Nothing changed: the team is as it was." in client.get(response.headers["Location"]).text

    # Refused with a message: another team's name, a challenge not on offer, no name.
    for data, message in (
        ({"name": "beta", "challenge": ""}, "There is already a team with this name in this hackathon"),
        ({"name": "Gamma", "challenge": str(other.id)}, "Choose one of the challenges on offer"),
        ({"name": "", "challenge": ""}, "Enter a name for the team"),
        ({"name": "x" * 81, "challenge": ""}, "Team name must be 80 characters or fewer"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 400 and message in response.text, data
    db.session.refresh(team)
    assert team.name == "Backlog busters"

    sign_in(world.facilitator)  # the cohort's staff: from the teams page
    assert url in client.get(f"{base(world, hackathon)}/teams").text
    response = client.post(url, data={"name": "Alpha", "challenge": ""})
    assert response.status_code == 302 and "/teams#team-" in response.headers["Location"]
    # Someone not in the team, or staff of another cohort (who do not see this one), may not; nor a sponsor.
    sign_in(world.other_participant)
    assert client.get(url).status_code == 404 and client.post(url, data={"name": "Mine"}).status_code == 404
    sign_in(world.other_facilitator)
    assert client.get(url).status_code == 404
    sign_in(world.sponsor)
    assert client.get(url).status_code == 403
    db.session.refresh(team)
    assert (team.name, team.challenge_id) == ("Alpha", None)


def test_a_team_cannot_be_renamed_after_the_hackathon_ended(client, world, sign_in):
    ended = f.make_hackathon(world.cohort, days_from_today=-3, title="Hackathon 0")
    team = f.make_team(ended, [world.participant], name="Done")
    db.session.commit()
    sign_in(world.participant)
    response = client.post(
        f"{base(world, ended)}/teams/{team.id}/edit", data={"name": "Renamed", "challenge": ""}
    )
    assert (
        response.status_code == 400
        and "Hackathon 0 has ended: its teams can no longer change" in response.text
    )
    assert f"{base(world, ended)}/teams/{team.id}/edit" not in client.get(base(world, ended)).text
    db.session.refresh(team)
    assert team.name == "Done"
