"""Hackathon e-mails (docs/messages.md): a team's members hear when someone joins, a person put
in a team by staff hears it too, a team formed by staff sends each member one e-mail, and
publishing the results tells the cohort's active participants, each once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cohort.extensions import db
from cohort.messages.preferences import unsubscribe
from cohort.models import EnrolmentStatus, Role, Team
from tests import factories as f
from tests.integration.test_outcome_messages import path_of
from tests.mail import link_in, outbox


def base(world, hackathon):
    return f"/cohorts/{world.cohort.slug}/hackathons/{hackathon.id}"


@pytest.fixture
def hackathon(world):
    challenge = f.make_challenge(world.moj, "Reducing the Crown Court backlog")
    session = f.make_hackathon(world.cohort, challenges=[challenge], title="Hackathon 1")
    db.session.commit()
    return session


@pytest.fixture
def bea(world):
    person = f.make_user(Role.PARTICIPANT, world.moj, full_name="Bea Brown")
    f.enrol(world.cohort, person)
    db.session.commit()
    return person


@pytest.fixture
def alpha(world, hackathon, bea):
    """Team Alpha: Siân (MOJ) and Bea (MOJ); Zoë (DVLA) is in no team yet."""
    team = f.make_team(hackathon, [world.participant, bea], name="Alpha")
    db.session.commit()
    return team


def test_joining_by_code_tells_the_other_members_not_the_joiner(
    client, world, sign_in, hackathon, alpha, bea
):
    sign_in(world.other_participant)
    assert (
        client.post(f"{base(world, hackathon)}/teams/join", data={"code": alpha.join_code}).status_code == 302
    )

    sent = outbox("team_joined")
    assert sorted(m.to_address for m in sent) == sorted([world.participant.email, bea.email])  # not Zoë
    to_siân = outbox("team_joined", to=world.participant)[0]
    assert to_siân.subject == "Zoë Ng joined your team Alpha"
    assert "* Bea Brown\n* Siân O'Neill\n* Zoë Ng" in to_siân.body_text
    # The link opens the hackathon's page, showing the team.
    sign_in(world.participant)
    page = client.get(path_of(link_in(to_siân, f"/hackathons/{hackathon.id}")))
    assert page.status_code == 200 and "Alpha" in page.text


def test_leaving_and_joining_again_sends_nothing_more(client, world, sign_in, hackathon, alpha):
    sign_in(world.other_participant)
    url = base(world, hackathon)
    client.post(f"{url}/teams/join", data={"code": alpha.join_code})
    assert len(outbox("team_joined")) == 2
    assert client.post(f"{url}/teams/{alpha.id}/leave").status_code == 302
    assert client.post(f"{url}/teams/join", data={"code": alpha.join_code}).status_code == 302
    assert len(outbox("team_joined")) == 2


def test_staff_putting_someone_in_a_team_tells_them_and_the_team(client, world, sign_in, hackathon, alpha):
    sign_in(world.facilitator)
    zoë = f.enrolment_of(world.cohort, world.other_participant)
    response = client.post(
        f"{base(world, hackathon)}/teams/{alpha.id}/members", data={f"team-{alpha.id}-enrolment": str(zoë.id)}
    )
    assert response.status_code == 302
    to_zoë = outbox("team_joined", to=world.other_participant)
    assert len(to_zoë) == 1
    assert to_zoë[0].subject == "You are in team Alpha for Hackathon 1"
    assert "You have been put in team Alpha for Hackathon 1" in to_zoë[0].body_text
    assert len(outbox("team_joined", to=world.participant)) == 1
    assert len(outbox("team_joined")) == 3
    assert world.facilitator.email not in [m.to_address for m in outbox()]


def test_a_refused_join_sends_nothing(client, world, sign_in, hackathon, alpha):
    beta = f.make_team(hackathon, [], name="Beta")
    db.session.commit()
    sign_in(world.participant)  # already in Alpha
    response = client.post(f"{base(world, hackathon)}/teams/join", data={"code": beta.join_code})
    assert response.status_code == 400
    assert outbox() == []


def test_a_member_who_turned_team_emails_off_is_not_told(client, world, sign_in, hackathon, alpha):
    unsubscribe(world.participant, "team_joined")
    db.session.commit()
    sign_in(world.other_participant)
    client.post(f"{base(world, hackathon)}/teams/join", data={"code": alpha.join_code})
    assert outbox("team_joined", to=world.participant) == []
    assert len(outbox("team_joined")) == 1  # Bea


def test_forming_teams_sends_each_member_one_email_naming_the_others(client, world, sign_in, hackathon):
    for n in range(2):
        f.enrol(world.cohort, f.make_user(Role.PARTICIPANT, world.dvla, full_name=f"Dee {n}"))
    db.session.commit()  # four people, none in a team
    sign_in(world.admin)
    assert client.post(f"{base(world, hackathon)}/teams/auto", data={"size": "2"}).status_code == 302
    sent = outbox("team_joined")
    assert len(sent) == 4 and len({m.to_address for m in sent}) == 4
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.session_id == hackathon.id))}
    for message in sent:
        team = next(t for t in teams.values() if f"team {t.name} " in message.body_text)
        names = sorted(m.enrolment.user.full_name for m in team.members)
        assert message.subject.startswith(f"You are in team {team.name}")
        assert "\n".join(f"* {n}" for n in names) in message.body_text


def _publish(client, world, hackathon):
    return client.post(f"/cohorts/{world.cohort.slug}/hackathons/{hackathon.id}/results/publish")


def test_publishing_results_tells_each_active_participant_once(client, world, sign_in, hackathon, alpha, bea):
    gone = f.make_user(Role.PARTICIPANT, world.moj, full_name="Wyn Withdrawn")
    f.enrol(world.cohort, gone, EnrolmentStatus.WITHDRAWN)
    outsider = f.make_user(Role.PARTICIPANT, world.moj, full_name="Olu Other")
    f.enrol(world.other_cohort, outsider)
    db.session.commit()
    sign_in(world.admin)
    assert _publish(client, world, hackathon).status_code == 302

    sent = outbox("hackathon_results")
    recipients = sorted(m.to_address for m in sent)
    # The cohort's active participants, in a team or not; not Wyn (withdrawn) nor Olu (another cohort).
    assert recipients == sorted([world.participant.email, world.other_participant.email, bea.email])
    message = outbox("hackathon_results", to=world.other_participant)[0]
    assert message.subject == "Results of Hackathon 1 are published"
    sign_in(world.other_participant)
    page = client.get(path_of(link_in(message, "/results")))
    assert page.status_code == 200 and "The results are not published yet." not in page.text

    # Withdrawn and published again: nobody is told twice.
    sign_in(world.admin)
    client.post(f"/cohorts/{world.cohort.slug}/hackathons/{hackathon.id}/results/unpublish")
    assert _publish(client, world, hackathon).status_code == 302
    assert len(outbox("hackathon_results")) == 3
