"""The hackathon demo data (cohort/demo/hackathons.py, called by `flask seed-demo`): a finished
first hackathon with teams, work, scores and published results, and a second to come."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from cohort.domain.hackathons import require_hackathon_holds
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.hackathons import service
from cohort.models import Challenge, ChallengeStatus, Cohort, Enrolment, EnrolmentStatus, Session, User

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # week 9 of the demo cohort


def test_demo_hackathons(client, app, seeded_demo):
    seeded_demo(NOW)  # seed_demo calls seed_hackathons
    cohort = db.session.scalar(select(Cohort).where(Cohort.slug == "cohort-1"))

    statuses = dict(
        db.session.execute(select(Challenge.status, func.count()).group_by(Challenge.status)).all()
    )
    assert statuses == {ChallengeStatus.ACCEPTED: 4, ChallengeStatus.PROPOSED: 1}
    first, second = db.session.scalars(
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.kind == SessionKind.HACKATHON)
        .order_by(Session.starts_at)
    ).all()
    assert first.ends_at < NOW < second.starts_at

    # The finished one: everyone active in a team, all work on time, results published with a tie
    assert service.unplaced(first) == []
    rows = service.results(first)
    assert [(r.ranked.rank, r.ranked.mean_display, r.ranked.judges) for r in rows] == [
        (1, "18.5", 4),
        (2, "17.3", 4),
        (3, "15.0", 4),
        (3, "15.0", 4),
        (5, "13.0", 4),
    ]
    assert service.settings_for(first).results_published
    for team in service.teams_of(first):
        assert 3 <= len(team.members) <= 6 and not team.submission.late
        departments = [m.enrolment.user.department_id for m in team.members]
        assert len(set(departments)) >= len(departments) - 2  # mixed, not one department's team
    active = db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).all()
    assert all(require_hackathon_holds(service.hackathons_taken(e), NOW) for e in active)

    # The one to come: challenges on offer, two teams, the demo participant free to join
    assert len(service.offered_challenges(second)) == 3
    assert [t.name for t in service.teams_of(second)] == ["Backlog Breakers", "Signal and Noise"]
    amara = db.session.scalar(select(User).where(User.email == "amara.okafor@justice.gov.uk"))
    assert amara.id in {e.user_id for e in service.unplaced(second)}

    # What people see
    from tests.factories import sign_in_as

    sign_in_as(client, amara)
    page = client.get(f"/cohorts/cohort-1/hackathons/{first.id}/results").text
    assert "Outbreak early warning" in page and page.count("3 (tied)") == 2 and "(your team)" in page
    sign_in_as(client, db.session.scalar(select(User).where(User.email == "sponsor.dvla@dvla.gov.uk")))
    page = client.get("/challenges").text
    assert "Spotting vehicle tax evasion from camera data" in page and "Crown Court" not in page
