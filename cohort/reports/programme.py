"""Every enrolment's standing, kept between requests and worked out again only where its facts
changed (docs/architecture.md §10.1, reports pipeline).

The standings are the completion engine's (docs/rules.md §5), from `data.load`: nothing here
applies a rule. What this module adds is knowing when a standing worked out earlier is still the
engine's answer:

- While the data's stamp (`summary.stamp`) is the one the standings were worked out for, and the
  moment asked about lies before the next change in time (`summary.next_change`: a session's end
  or midnight in London), every standing is still right: the report is served from memory.
- After a write, the facts are read again (one query per table, as ever) and the engine runs
  only for the enrolments whose facts, or whose cohort's facts, differ from those it last saw
  (`data.work_out`); the others keep their standing, the engine's answer for the same input.
- When time has moved past the next change, everything is worked out afresh.

The department report (docs/rules.md §9.4) and the programme figures (§9.5) are cut from the
one programme-wide load: a department's people, in its cohorts, with their standings.
Each worker keeps its own copy. Database objects kept are never read again: each request gets
its own cohorts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from cohort.domain.completion import programme_over
from cohort.extensions import db
from cohort.models import Cohort, Department

from . import summary
from .data import ReportData, _collector_paused, _projects, load


@dataclass
class _Kept:
    stamp: str
    since: datetime
    until: datetime
    data: ReportData  # every cohort and enrolment; its cohorts' database objects are never read again


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def _key() -> str:
    bind: Any = db.session.get_bind()
    return str(getattr(bind, "url", bind))


def _every_cohort() -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.start_date, Cohort.name)))


def kept_data(at: datetime, cohorts: list[Cohort] | None = None) -> ReportData:
    """The programme-wide report data for `at`, kept or worked out now (`cohorts`: every cohort,
    if the caller has them). Callers take what they need through `programme_data` or
    `department_data`."""
    session = db.session()
    current = summary.stamp(session)
    if current is None:  # a database before migration 0017: nothing can be kept
        return load(cohorts if cohorts is not None else _every_cohort(), at, every_cohort=True)
    key = _key()
    with _lock:
        found = _kept.get(key)
    in_window = found is not None and found.since <= at < found.until
    if found is not None and in_window and found.stamp == current:
        return found.data
    earlier = found.data if found is not None and in_window else None
    data = load(cohorts if cohorts is not None else _every_cohort(), at, every_cohort=True, earlier=earlier)
    entry = _Kept(current, at, summary.next_change(session, at), data)
    with _lock:
        _kept[key] = entry
    return data


def _cut(
    kept: ReportData, cohorts: list[Cohort], at: datetime, department: Department | None
) -> ReportData | None:
    """The kept data for these cohorts (this request's objects) and only this department's people.
    None if a cohort is not in the kept data (it came after: the caller loads afresh). Its cohorts
    carry no skill records: only the cohort report's skills table reads them, and that report
    loads its own (`data.load`); the skills' names and targets are in each cohort's facts."""
    ids = [c.id for c in cohorts]
    if any(i not in kept._by_id for i in ids):
        return None
    in_report = []
    for cohort in cohorts:
        before = kept.cohort(cohort.id)
        over = programme_over(before.facts, at)
        in_report.append(replace(before, cohort=cohort, skills=[], over=over))
    wanted = set(ids)
    department_id = department.id if department is not None else None
    people = [
        p for p in kept.people
        if p.cohort_id in wanted and (department_id is None or p.department_id == department_id)
    ]  # fmt: skip
    projects = _projects(ids, department) if department is not None else []
    data = ReportData(at, in_report, department, people, kept.marks, kept.caught_up, kept.levels,
                      kept.hackathon_work, projects, standings=kept.standings, extra=kept.extra,
                      overrides=kept.overrides, kept_checks=kept.kept_checks, memo=kept.memo)  # fmt: skip
    return data


def programme_data(at: datetime) -> ReportData:
    """Every cohort and enrolment, with standings (see the module's docstring)."""
    with _collector_paused():
        cohorts = _every_cohort()
        data = _cut(kept_data(at, cohorts), cohorts, at, None)
        return data if data is not None else load(cohorts, at, every_cohort=True)


def department_data(department: Department, cohorts: list[Cohort], at: datetime) -> ReportData:
    """What `load(cohorts, at, department, every_cohort=True)` gives, cut from the programme's
    data: the department's people in these cohorts (`department.department_cohorts`, or one)."""
    with _collector_paused():
        data = _cut(kept_data(at), cohorts, at, department)
        return data if data is not None else load(cohorts, at, department, every_cohort=True)


def forget() -> None:
    """Drop everything kept (tests, and the CLI after a bulk load)."""
    with _lock:
        _kept.clear()
