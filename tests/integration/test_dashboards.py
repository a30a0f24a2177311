"""Staff dashboards: today's sessions and registers still to take, for their own running cohorts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohort.domain.attendance import Mark
from cohort.extensions import db
from cohort.models import AttendanceMark, CohortStatus, Enrolment
from tests.sessions import make_session


def _today_session(cohort, title):
    now = datetime.now(UTC)
    session = make_session(cohort, title=title)
    # Today, running from an hour ago for two hours (whatever the cohort's weeks).
    session.starts_at, session.ends_at = now - timedelta(hours=1), now + timedelta(hours=1)
    return session


def _ended_session(cohort, title, days_ago=3):
    session = make_session(cohort, title=title)
    now = datetime.now(UTC)
    session.starts_at, session.ends_at = (
        now - timedelta(days=days_ago, hours=3),
        now - timedelta(days=days_ago),
    )
    return session


def _running(*cohorts):
    for cohort in cohorts:
        cohort.status = CohortStatus.RUNNING


def test_facilitator_sees_today_and_registers_to_take_in_their_cohorts_only(client, world, sign_in):
    _running(world.cohort, world.other_cohort)
    today = _today_session(world.cohort, "Drop-in clinic")
    _today_session(world.other_cohort, "Someone else's clinic")
    _ended_session(world.cohort, "Unmarked workshop")
    marked = _ended_session(world.cohort, "Marked workshop")
    cancelled = _ended_session(world.cohort, "Cancelled workshop")
    cancelled.cancelled_at, cancelled.cancellation_reason = datetime.now(UTC), "Trainer ill"
    enrolment = db.session.query(Enrolment).filter_by(cohort_id=world.cohort.id).first()
    db.session.add(
        AttendanceMark(
            session=marked, enrolment_id=enrolment.id, mark=Mark.PRESENT, recorded_by=world.facilitator
        )
    )
    db.session.commit()

    text = sign_in(world.facilitator).get("/dashboard").text
    today_part = text[text.index(">Today<") : text.index("Registers still to take")]
    assert "Drop-in clinic" in today_part and "Someone else" not in today_part
    assert f"/cohorts/{world.cohort.slug}/sessions/{today.id}/register" in today_part
    assert f"/cohorts/{world.cohort.slug}/sessions/{today.id}/check-in" in today_part
    to_take = text[text.index("Registers still to take") :]
    assert "Unmarked workshop" in to_take
    assert "Marked workshop" not in to_take and "Cancelled workshop" not in to_take


def test_programme_manager_sees_every_running_cohort_and_nothing_of_planned_ones(client, world, sign_in):
    _running(world.cohort)
    world.other_cohort.status = CohortStatus.PLANNED
    _today_session(world.cohort, "Drop-in clinic")
    _today_session(world.other_cohort, "Planned cohort's session")
    db.session.commit()
    text = sign_in(world.admin).get("/dashboard").text
    assert "Drop-in clinic" in text and "Planned cohort's session" not in text
    assert "Every session that has ended has a register." in text


def test_nothing_today_says_so(client, world, sign_in):
    text = sign_in(world.facilitator).get("/dashboard").text
    assert "No sessions today in your running cohorts." in text
