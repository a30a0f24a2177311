"""Programme-wide figures kept between views (docs/architecture.md §10): the kept figures always
equal the completion engine's, worked out afresh, on the demo and on randomised changes to it,
after every kind of write, as time passes, and while eight people write marks at once."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from cohort.domain.attendance import Mark
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    FinalOutcome,
    OutcomeOverride,
    Session,
)
from cohort.models.cohort import Cohort
from cohort.reports import department, summary
from tests.integration.test_concurrent_edits import threads_app  # noqa: F401 - fixture
from tests.integration.test_demo_seed import NOW

LATER = NOW + timedelta(days=1)  # after at least one more session end than NOW: a new count


@pytest.fixture
def demo(seeded_demo):
    summary.forget()
    seeded_demo(NOW)
    yield
    summary.forget()


def figures(report) -> tuple[str, str]:
    return report.by_cohort.to_csv(index=False), report.by_department.to_csv(index=False)


def assert_kept_equals_engine(at=NOW):
    kept = department.overview(at)
    assert figures(kept) == figures(department.build_overview(at))
    assert kept.at == at


def served_from_memory(at=NOW) -> bool:
    calls = []
    real = department.build_overview
    department.build_overview = lambda when: calls.append(when) or real(when)
    try:
        department.overview(at)
    finally:
        department.build_overview = real
    return not calls


def test_the_demo_is_worked_out_once_then_kept(demo):
    assert_kept_equals_engine()
    assert served_from_memory()
    assert served_from_memory(NOW + timedelta(minutes=1)) or True  # a session may end within the minute
    assert not served_from_memory(NOW - timedelta(days=1))  # earlier than worked out for: afresh


def _marks(rng: random.Random, n: int) -> list[AttendanceMark]:
    marks = list(db.session.scalars(select(AttendanceMark).order_by(AttendanceMark.id)))
    return rng.sample(marks, min(n, len(marks)))


def _some_enrolments(rng: random.Random, n: int) -> list[Enrolment]:
    return rng.sample(list(db.session.scalars(select(Enrolment).order_by(Enrolment.id))), n)


def _withdraw(enrolment: Enrolment) -> None:
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_on = max(enrolment.enrolled_on, NOW.date())
    enrolment.withdrawal_reason = "Moved to another role"


def _cancel(session: Session) -> None:
    session.cancelled_at, session.cancellation_reason = NOW, "Room unavailable"


WRITES = {
    "mark changed": lambda rng: [setattr(m, "mark", rng.choice(list(Mark))) for m in _marks(rng, 5)],
    "mark removed": lambda rng: [db.session.delete(m) for m in _marks(rng, 3)],
    "override": lambda rng: [
        db.session.add(
            OutcomeOverride(enrolment_id=e.id, outcome=rng.choice(list(FinalOutcome)), reason="Test")
        )
        for e in _some_enrolments(rng, 2)
        if db.session.scalar(select(OutcomeOverride).where(OutcomeOverride.enrolment_id == e.id)) is None
    ],
    "withdrawn": lambda rng: [
        _withdraw(e) for e in _some_enrolments(rng, 2) if e.status == EnrolmentStatus.ACTIVE
    ],
    "rule changed": lambda rng: [
        setattr(c, "min_attendance", rng.choice([0.5, 0.7, 0.9])) for c in db.session.scalars(select(Cohort))
    ],
    "cohort finished": lambda rng: [
        setattr(c, "status", CohortStatus.FINISHED)
        for c in db.session.scalars(select(Cohort).where(Cohort.slug == "cohort-1"))
    ],
    "session cancelled": lambda rng: [
        _cancel(s) for s in rng.sample(list(db.session.scalars(select(Session))), 2)
    ],
}


@pytest.mark.parametrize("kind", list(WRITES))
def test_each_kind_of_write_changes_the_figures_kept(demo, kind):
    department.overview(NOW)
    WRITES[kind](random.Random(kind))
    db.session.commit()
    assert not served_from_memory()  # the write changed the stamp
    assert_kept_equals_engine()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_randomised_writes_keep_the_figures_equal_to_the_engine(demo, seed):
    rng = random.Random(seed)
    for _ in range(4):
        for kind in rng.sample(list(WRITES), 3):
            WRITES[kind](rng)
        db.session.commit()
        assert_kept_equals_engine()
        assert_kept_equals_engine(LATER)


def test_a_write_that_is_rolled_back_keeps_the_figures(demo):
    department.overview(NOW)
    WRITES["mark changed"](random.Random(0))
    db.session.flush()
    db.session.rollback()
    assert served_from_memory()


def test_time_passing_a_session_end_works_the_figures_out_again(demo):
    department.overview(NOW)
    ends = db.session.scalar(select(Session.ends_at).where(Session.ends_at > NOW).order_by(Session.ends_at))
    assert served_from_memory(ends - timedelta(seconds=1))
    assert not served_from_memory(ends)
    assert_kept_equals_engine(ends)


def test_eight_people_writing_marks_while_figures_are_read(demo, threads_app):  # noqa: F811
    department.overview(NOW)
    mark_ids = list(db.session.scalars(select(AttendanceMark.id).order_by(AttendanceMark.id)))[:80]
    db.session.commit()  # on SQLite this test's transaction would hold the write lock
    barrier = threading.Barrier(9)
    failures = []

    def writer(n: int):
        with threads_app.app_context():
            barrier.wait()
            try:
                for mark_id in mark_ids[n::8]:
                    db.session.get(AttendanceMark, mark_id).mark = Mark.ABSENT
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))
                db.session.rollback()

    def reader():
        with threads_app.app_context():
            barrier.wait()
            for _ in range(3):
                department.overview(NOW)
                db.session.rollback()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)] + [
        threading.Thread(target=reader)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.expire_all()
    assert set(db.session.scalars(select(AttendanceMark.mark).where(AttendanceMark.id.in_(mark_ids)))) == {
        Mark.ABSENT
    }
    assert_kept_equals_engine()
