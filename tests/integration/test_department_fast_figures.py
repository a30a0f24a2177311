"""Department figures and reports from the kept standings (cohort/reports/programme.py,
docs/architecture.md §10.1) equal the completion engine's worked out afresh: on the demo, as time
passes, for each department and each of its cohorts, and after randomised writes, where the
engine runs again only for the enrolments whose facts changed."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from cohort.domain.attendance import Mark
from cohort.extensions import db
from cohort.models import AttendanceMark, Cohort, Department, Enrolment
from cohort.reports import data as report_data
from cohort.reports import department, programme, summary, tables
from tests.integration.test_demo_seed import NOW
from tests.integration.test_report_summary import WRITES

LATER = NOW + timedelta(days=1)


@pytest.fixture
def demo(seeded_demo):
    summary.forget()
    seeded_demo(NOW)
    yield
    summary.forget()


def _every_cohort() -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.start_date, Cohort.name)))


def _csv(frame) -> str:
    return frame.to_csv(index=False)


def assert_programme_equals_engine(at=NOW) -> None:
    fast = programme.programme_data(at)
    afresh = report_data.load(_every_cohort(), at, every_cohort=True)
    assert [p.enrolment_id for p in fast.people] == [p.enrolment_id for p in afresh.people]
    for build in (tables.by_department, tables.by_cohort, tables.participants, tables.uplift_by_skill):
        assert _csv(build(fast)) == _csv(build(afresh)), build.__name__
    assert tables.ethics_strand(fast) == tables.ethics_strand(afresh)
    overview = department.build_overview(at)
    engine = department.build_overview(at, afresh)
    assert _csv(overview.by_department) == _csv(engine.by_department)
    assert _csv(overview.by_cohort) == _csv(engine.by_cohort)


def assert_department_reports_equal_engine(at=NOW) -> None:
    """Each department's report over all its cohorts and over each one, as its page and files
    show it, against `load` for that department worked out afresh."""
    for dept in db.session.scalars(select(Department).order_by(Department.code)):
        cohorts = department.department_cohorts(dept)
        for one in [None, *cohorts]:
            report = department.department_report(dept, cohorts, at, one)
            scope = [one] if one is not None else cohorts
            afresh = report_data.load(scope, at, dept, every_cohort=one is None)
            assert _csv(report.cohorts) == _csv(tables.by_cohort(afresh)), dept.code
            people = tables.participants(afresh)[department.PARTICIPANT_COLUMNS]
            assert _csv(report.participants) == _csv(people), dept.code
            assert _csv(report.uplift) == _csv(tables.uplift_by_skill(afresh))
            assert _csv(report.projects) == _csv(tables.projects(afresh))
            assert report.ethics == tables.ethics_strand(afresh)


def test_the_demo_figures_and_every_department_report_equal_the_engine(demo):
    assert_programme_equals_engine()
    assert_department_reports_equal_engine()
    assert_programme_equals_engine(LATER)  # a later moment: sessions have ended since
    assert_department_reports_equal_engine(LATER)


class EngineRuns:
    """Counts the enrolments the completion engine works out."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = report_data._standing

        def counted(data, person):
            self.count += 1
            return real(data, person)

        monkeypatch.setattr(report_data, "_standing", counted)


def test_a_kept_report_is_served_without_the_engine_and_a_write_reruns_only_its_enrolment(demo, monkeypatch):
    programme.programme_data(NOW)
    runs = EngineRuns(monkeypatch)
    programme.programme_data(NOW)
    assert runs.count == 0  # nothing written, same moment: kept
    mark = db.session.scalar(select(AttendanceMark).order_by(AttendanceMark.id).limit(1))
    mark.mark = Mark.ABSENT if mark.mark != Mark.ABSENT else Mark.PRESENT
    db.session.commit()
    assert_programme_equals_engine()
    assert runs.count >= 1
    people = db.session.scalar(select(db.func.count(Enrolment.id)))
    # The figures of the first check (fast) ran the engine for the one enrolment; the rest of
    # the count is the engine's own afresh run in the check.
    assert runs.count - people == 1


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_randomised_writes_keep_the_fast_figures_equal_to_the_engine(demo, seed):
    rng = random.Random(seed)
    programme.programme_data(NOW)
    for _ in range(3):
        for kind in rng.sample(list(WRITES), 3):
            WRITES[kind](rng)
        db.session.commit()
        assert_programme_equals_engine()
        assert_programme_equals_engine(LATER)
    assert_department_reports_equal_engine()


def test_randomised_marks_over_many_enrolments_keep_the_figures_equal(demo):
    rng = random.Random(7)
    programme.programme_data(NOW)
    for _ in range(3):
        marks = list(db.session.scalars(select(AttendanceMark).order_by(AttendanceMark.id)))
        for mark in rng.sample(marks, min(40, len(marks))):
            mark.mark = rng.choice(list(Mark))
        db.session.commit()
        assert_programme_equals_engine()
    assert_department_reports_equal_engine()
