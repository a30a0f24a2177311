"""Judging and results: inviting judges, who may score what, scores 1–5, ranking and ties on
hand-computed scores, and who sees the results before and after publication."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort.extensions import db
from cohort.hackathons import service
from cohort.hackathons.service import HackathonError
from cohort.models import AuditEvent, HackathonJudge, Role, Score
from tests import factories as f

MARKS = {"public_impact": "4", "technical_quality": "3", "responsible_ai": "5", "presentation": "2"}


def base(world, session):
    return f"/cohorts/{world.cohort.slug}/hackathons/{session.id}"


@pytest.fixture
def day(world):
    """Three teams with work handed in, judged by the facilitator and the MOJ sponsor."""
    session = f.make_hackathon(world.cohort, days_from_today=-1, title="Hackathon 1")
    extra = f.make_user(Role.PARTICIPANT, world.moj, full_name="Third Member")
    f.enrol(world.cohort, extra)
    teams = {
        "Alpha": f.make_team(session, [world.participant], name="Alpha"),
        "Beta": f.make_team(session, [world.other_participant], name="Beta"),
        "Gamma": f.make_team(session, [extra], name="Gamma"),
    }
    subs = {name: f.make_submission(team, f"{name} project") for name, team in teams.items()}
    f.make_judge(session, world.facilitator)
    f.make_judge(session, world.sponsor)
    db.session.commit()
    return session, subs


def test_admin_invites_facilitators_and_sponsors_as_judges(client, world, sign_in):
    session = f.make_hackathon(world.cohort)
    db.session.commit()
    sign_in(world.admin)
    page = client.get(f"{base(world, session)}/judges").text
    assert "Fran Facilitator" in page and "Helen Sponsor" in page and "Siân O&#39;Neill" not in page
    assert (
        client.post(f"{base(world, session)}/judges", data={"user": str(world.sponsor.id)}).status_code == 302
    )
    assert service.is_judge(session, world.sponsor)
    # A participant, someone already invited, nonsense: refused with a message
    for value in (str(world.participant.id), str(world.sponsor.id), "abc", "", "9" * 40, "1\x00"):
        response = client.post(f"{base(world, session)}/judges", data={"user": value})
        assert (
            response.status_code == 400 and "Choose a facilitator or sponsor from the list" in response.text
        )
    assert len(service.judges_of(session)) == 1
    with pytest.raises(HackathonError, match="Judges are facilitators or department sponsors"):
        service.invite_judge(world.admin, session, world.participant)
    # The database refuses a second invitation too.
    db.session.add(HackathonJudge(session_id=session.id, user_id=world.sponsor.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_judge_scores_a_submission(client, world, sign_in, day):
    session, subs = day
    sign_in(world.facilitator)
    page = client.get(f"{base(world, session)}/judging").text
    assert "Alpha project" in page and "Not scored" in page
    url = f"{base(world, session)}/submissions/{subs['Alpha'].id}/score"
    page = client.get(url).text
    assert "Compared error rates by region" in page  # the responsible-AI statement is shown
    response = client.post(url, data={**MARKS, "comment": "Clear and careful"})
    assert response.status_code == 302
    score = db.session.scalar(select(Score).where(Score.submission_id == subs["Alpha"].id))
    assert (score.total, score.comment) == (14, "Clear and careful")
    assert "Scored: 14 of 20" in client.get(f"{base(world, session)}/judging").text
    # Scoring again replaces the scores, audited
    client.post(url, data={**MARKS, "presentation": "5"})
    db.session.refresh(score)
    assert score.total == 17
    events = select(AuditEvent.action).where(AuditEvent.entity_type == "Score").order_by(AuditEvent.id)
    assert db.session.scalars(events).all() == [
        "create",
        "update",
    ]


@pytest.mark.parametrize("value", ["0", "6", "", "three", "3.5", "-1", "9" * 40, "3\x00"])
def test_scores_outside_1_to_5_are_refused(client, world, sign_in, day, value):
    session, subs = day
    sign_in(world.facilitator)
    response = client.post(
        f"{base(world, session)}/submissions/{subs['Alpha'].id}/score",
        data={**MARKS, "technical_quality": value},
    )
    assert response.status_code == 400
    assert "Give a score from 1 to 5 for technical quality" in response.text
    assert db.session.scalar(select(Score.id)) is None


def test_the_database_refuses_scores_outside_1_to_5(world, day):
    session, subs = day
    db.session.add(
        Score(
            submission_id=subs["Alpha"].id,
            judge_id=world.facilitator.id,
            public_impact=6,
            technical_quality=3,
            responsible_ai=3,
            presentation=3,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_bad_comments_are_refused(client, world, sign_in, day):
    session, subs = day
    sign_in(world.facilitator)
    url = f"{base(world, session)}/submissions/{subs['Alpha'].id}/score"
    for comment, message in (
        ("x" * 10_000, "Comment must be 2,000 characters or fewer"),
        ("a\x00b", "invisible"),
    ):
        response = client.post(url, data={**MARKS, "comment": comment})
        assert response.status_code == 400 and message in response.text


def test_judge_restrictions(client, world, sign_in, day):
    session, subs = day
    # Not a judge of this hackathon
    sign_in(world.other_sponsor)
    assert client.get(f"{base(world, session)}/judging").status_code in (403, 404)
    sign_in(world.admin)
    assert client.get(f"{base(world, session)}/judging").status_code == 403
    assert (
        client.post(f"{base(world, session)}/submissions/{subs['Alpha'].id}/score", data=MARKS).status_code
        == 403
    )
    # A submission of another hackathon
    other = f.make_hackathon(world.cohort, title="Hackathon 2")
    other_sub = f.make_submission(f.make_team(other, [], name="Elsewhere"))
    db.session.commit()
    sign_in(world.facilitator)
    assert client.get(f"{base(world, session)}/submissions/{other_sub.id}/score").status_code == 404
    assert client.get(f"{base(world, session)}/submissions/99999999999/score").status_code == 404


def test_a_judge_may_not_score_their_own_team(client, world, sign_in, day):
    session, subs = day
    # A facilitator who is also, unusually, in a team of this hackathon
    f.enrol(world.cohort, world.facilitator)
    gamma = subs["Gamma"].team
    f.make_team  # noqa: B018
    from cohort.models import TeamMember

    db.session.add(
        TeamMember(
            team_id=gamma.id,
            session_id=session.id,
            enrolment_id=f.enrolment_of(world.cohort, world.facilitator).id,
        )
    )
    db.session.commit()
    sign_in(world.facilitator)
    page = client.get(f"{base(world, session)}/judging").text
    assert "Your own team: not for you to score" in page
    url = f"{base(world, session)}/submissions/{subs['Gamma'].id}/score"
    assert "You are a member of this team, so you cannot score it." in client.get(url).text
    assert client.post(url, data=MARKS).status_code == 403
    with pytest.raises(HackathonError, match="You cannot score a team you are a member of"):
        service.save_score(world.facilitator, subs["Gamma"], dict.fromkeys(MARKS, 3), None)
    assert db.session.scalar(select(Score.id)) is None


def score(sub, judge, marks, comment=None):
    f.make_score(sub, judge, marks, comment)


def test_ranking_and_ties_on_hand_computed_scores(client, world, sign_in, day):
    session, subs = day
    # Alpha: 4+4+4+4 = 16 and 3+3+3+3 = 12 -> mean 14, 2 judges
    score(subs["Alpha"], world.facilitator, (4, 4, 4, 4), "Strong on impact")
    score(subs["Alpha"], world.sponsor, (3, 3, 3, 3))
    # Beta: 5+4+3+2 = 14 from one judge -> 14, 1 judge: tied with Alpha
    score(subs["Beta"], world.facilitator, (5, 4, 3, 2), "Beta's private feedback")
    # Gamma: 5+5+5+5 = 20 and 4+4+4+5 = 17 -> 18.5, 2 judges: first
    score(subs["Gamma"], world.facilitator, (5, 5, 5, 5))
    score(subs["Gamma"], world.sponsor, (4, 4, 4, 5))
    db.session.commit()
    rows = service.results(session)
    assert [
        (r.team.name, r.ranked.rank, r.ranked.mean_display, r.ranked.judges, r.ranked.tied) for r in rows
    ] == [
        ("Gamma", 1, "18.5", 2, False),
        ("Alpha", 2, "14.0", 2, True),
        ("Beta", 2, "14.0", 1, True),
    ]
    sign_in(world.admin)
    page = client.get(f"{base(world, session)}/results").text
    assert page.count("2 (tied)") == 2 and "18.5" in page
    # A judge removed: their scores stop counting (Alpha 16, Beta 14, Gamma 20)
    judge = db.session.scalar(select(HackathonJudge).where(HackathonJudge.user_id == world.sponsor.id))
    client.post(f"{base(world, session)}/judges/{judge.id}/remove")
    rows = service.results(session)
    assert [(r.team.name, r.ranked.rank, r.ranked.mean_display) for r in rows] == [
        ("Gamma", 1, "20.0"),
        ("Alpha", 2, "16.0"),
        ("Beta", 3, "14.0"),
    ]


def test_results_are_private_until_published(client, world, sign_in, day):
    session, subs = day
    score(subs["Alpha"], world.facilitator, (4, 4, 4, 4), "Alpha's feedback: strong on impact")
    score(subs["Beta"], world.facilitator, (2, 2, 2, 2), "Beta's private feedback")
    db.session.commit()
    results = f"{base(world, session)}/results"
    for who in (world.participant, world.sponsor):
        sign_in(who)
        page = client.get(results).text
        assert "The results are not published yet." in page and "Beta project" not in page
        assert f'href="{results}"' not in client.get(base(world, session)).text
    sign_in(world.facilitator)
    assert "Beta project" in client.get(results).text  # staff see them before publication
    sign_in(world.participant)
    assert client.post(f"{results}/publish").status_code == 403

    sign_in(world.admin)
    assert client.post(f"{results}/publish").status_code == 302
    assert service.settings_for(session).results_published
    # Scores are now fixed
    sign_in(world.facilitator)
    url = f"{base(world, session)}/submissions/{subs['Gamma'].id}/score"
    assert client.post(url, data=MARKS).status_code == 400
    assert "The results are published: scores can no longer change" in client.get(url).text

    sign_in(world.participant)  # in Alpha
    page = client.get(results).text
    assert "Beta project" in page and "Alpha (your team)" in page
    assert "Alpha&#39;s feedback: strong on impact" in page and "Beta&#39;s private feedback" not in page
    sign_in(world.sponsor)
    page = client.get(results).text
    assert "Beta project" in page and "feedback" not in page.lower().split("ranking")[1]
    # Someone of another cohort still cannot see them
    outsider = f.make_user(Role.PARTICIPANT, world.moj)
    f.enrol(world.other_cohort, outsider)
    db.session.commit()
    sign_in(outsider)
    assert client.get(results).status_code == 404

    sign_in(world.admin)
    client.post(f"{results}/unpublish")
    sign_in(world.participant)
    assert "The results are not published yet." in client.get(results).text
