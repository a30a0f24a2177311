"""Completion outcomes cost the same queries for 10 participants as for 100, and the demo's
finished pilot cohort has its outcomes recorded with one override."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cohort.demo.completion import (
    FINISHED_COHORT_SLUG,
    LOW_ATTENDANCE,
    MISSED_ETHICS,
    OVERRIDE_REASON,
    SKILL_SHORT,
    seed_finished_cohort,
)
from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    AuditEvent,
    Cohort,
    CohortSkill,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    MarkSource,
    OutcomeOverride,
    Role,
    User,
)
from tests import factories
from tests.querycount import count_queries
from tests.sessions import make_session


def _grow(cohort, world, n: int, sessions) -> None:
    skill = _skill_of(cohort)
    for i in range(n):
        person = factories.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
        enrolment = factories.enrol(cohort, person)
        for s in sessions:
            db.session.add(
                AttendanceMark(
                    session_id=s.id, enrolment_id=enrolment.id, mark=Mark.PRESENT, source=MarkSource.REGISTER
                )
            )
        factories.make_assessment(enrolment, skill, 2)
    db.session.commit()


def _skill_of(cohort):
    found = db.session.scalar(select(CohortSkill).where(CohortSkill.cohort_id == cohort.id))
    if found is None:
        found = factories.assess_skill(cohort, factories.make_skill())
    return found.skill


@pytest.mark.parametrize("role", ["admin", "facilitator", "sponsor"])
def test_outcomes_page_queries_do_not_grow(client, world, sign_in, role):
    start = date(2026, 6, 1)
    cohort = factories.make_cohort(start=start, facilitators=[world.facilitator])
    sessions = [make_session(cohort, start + timedelta(days=1 + 7 * w)) for w in range(4)]
    sessions.append(make_session(cohort, start + timedelta(days=2), kind=SessionKind.ETHICS))
    sessions.append(make_session(cohort, start + timedelta(days=9), kind=SessionKind.HACKATHON))
    db.session.commit()
    sign_in(world.by_role(role))
    counts = []
    for extra in (10, 90):  # 10, then 100 participants
        _grow(cohort, world, extra, sessions)
        with count_queries(db.engine) as queries:
            page = client.get(f"/cohorts/{cohort.slug}/outcomes")
            assert page.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 10 participants, {counts[1]} for 100"


def test_finish_queries_do_not_grow_per_participant(client, world, sign_in):
    start = date(2026, 6, 1)
    counts = []
    for n in (10, 100):
        cohort = factories.make_cohort(start=start, facilitators=[world.facilitator])
        sessions = [make_session(cohort, start + timedelta(days=1 + 7 * w)) for w in range(3)]
        db.session.commit()
        _grow(cohort, world, n, sessions)
        sign_in(world.admin)
        with count_queries(db.engine) as queries:
            assert client.post(f"/cohorts/{cohort.slug}/finish").status_code == 302
        counts.append(sum(1 for q in queries.statements if q.lstrip().upper().startswith("SELECT")))
    # Each enrolment's new status is written, but what is read stays one query per table.
    assert counts[0] == counts[1], f"{counts[0]} reads for 10 participants, {counts[1]} for 100"


def test_seed_finished_cohort(app, world):
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    skills = [factories.make_skill(f"Demo skill {n}") for n in range(3)]
    cohort = seed_finished_cohort(
        admin=world.admin,
        facilitators=[world.facilitator],
        departments=[world.moj, world.dvla],
        start=date(2026, 5, 4),
        password_hash=None,
        now=now,
    )
    cohort = db.session.scalar(select(Cohort).where(Cohort.slug == FINISHED_COHORT_SLUG))
    assert cohort.status == CohortStatus.FINISHED
    rows = db.session.execute(
        select(User.full_name, Enrolment.status)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id)
    ).all()
    statuses = dict(rows)
    assert len(statuses) == 12
    assert sum(1 for s in statuses.values() if s == EnrolmentStatus.COMPLETED) == 10
    assert statuses[LOW_ATTENDANCE] == EnrolmentStatus.COMPLETED  # by the override
    assert statuses[MISSED_ETHICS] == statuses[SKILL_SHORT] == EnrolmentStatus.NOT_COMPLETED
    override = db.session.scalar(select(OutcomeOverride))
    assert override.reason == OVERRIDE_REASON and override.by_id == world.admin.id
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "finish"))
        == 1
    )
    assert len(skills) == 3


def test_seeded_pilot_outcomes_page(client, world, sign_in):
    factories.make_skill("Demo skill")
    seed_finished_cohort(
        admin=world.admin,
        facilitators=[world.facilitator],
        departments=[world.moj, world.dvla],
        start=date(2026, 5, 4),
        password_hash=None,
        now=datetime(2026, 11, 23, 12, tzinfo=UTC),
    )
    sign_in(world.admin)
    text = client.get(f"/cohorts/{FINISHED_COHORT_SLUG}/outcomes").text
    assert "Overridden by Priya Admin" in text
    assert "Attendance 75% (12 of 16 sessions) — needs 80%" in text
    assert "Ethics: Bias and fairness (week 8) missed, no catch-up" in text
    assert "Demo skill: level 2, target 3" in text
    assert "Fionnuala O&#39;Brien" in text and "Élodie Martin" in text
