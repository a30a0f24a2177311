"""Reports at programme scale (docs/rules.md §9): `flask seed-demo --scale 400` (10,000 participants).

    make bench                                        # runs this after the other benchmarks
    python benchmarks/reports.py                      # SQLite in a temporary folder
    python benchmarks/reports.py --scale 100 --database-url postgresql://postgres@127.0.0.1/bench

Seeds the demo data and SCALE load-test cohorts of 25 participants (as `flask seed-demo --scale`
does), then gives each load-test cohort what a finished cohort has: 12 weekly sessions (one a
mandatory ethics module, one a hackathon), a mark for every participant on each, and three skills
with baseline and final facilitator levels (bulk inserts). Reports are built "as at" a date after
every session has ended. Then it builds and prints seconds, SQL statements and peak Python memory
(tracemalloc, in a second run of the same work) for:

  department figures   every department's nominated, completed, completion rate, mean attendance and
                       mean skill uplift over every cohort, by the report code (load + pandas)
  hand-written SQL     the same figures by one SQL aggregate, for comparison (target: within 3×)
  department <CODE>    each department's outcome report over all cohorts: XLSX, and PDF with charts
  cohort report        a load-test cohort's and the demo cohort's: CSV, XLSX and PDF

Targets on this machine: each report under 2 s and 400 MB.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from cohort import create_app  # noqa: E402
from cohort.domain.attendance import Mark  # noqa: E402
from cohort.domain.progress import Checkpoint, Source  # noqa: E402
from cohort.domain.schedule import SessionKind  # noqa: E402
from cohort.domain.times import london_to_utc  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.models import (  # noqa: E402
    Assessment,
    AttendanceMark,
    Cohort,
    CohortSkill,
    Department,
    Enrolment,
    MarkSource,
    Session,
    Skill,
)
from cohort.reports import cohort_report, tables  # noqa: E402
from cohort.reports.data import load  # noqa: E402
from cohort.seed import seed_demo  # noqa: E402
from cohort.seed_scale import seed_scale  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

WEEKS = 12
AS_AT = datetime(2028, 6, 1, 12, tzinfo=UTC)  # after every session of every load-test cohort


def _mark(person: int, session: int) -> Mark:
    h = (37 * person + 101 * session) % 100
    if h < 5:
        return Mark.ABSENT
    if h < 9:
        return Mark.EXCUSED
    if h < 16:
        return Mark.LATE
    return Mark.PRESENT


def furnish(cohorts: list[Cohort]) -> dict[str, int]:
    """Sessions, marks and assessments for the load-test cohorts (bulk inserts, no audit)."""
    skills = db.session.scalars(select(Skill).order_by(Skill.id).limit(3)).all()
    counts = {"sessions": 0, "marks": 0, "assessments": 0}
    for cohort in cohorts:
        sessions = []
        for week in range(1, WEEKS + 1):
            day = cohort.start_date + timedelta(weeks=week - 1, days=1)
            kind = (
                SessionKind.ETHICS
                if week == 3
                else SessionKind.HACKATHON
                if week == 6
                else SessionKind.WORKSHOP
            )
            sessions.append(Session(cohort=cohort, kind=kind, title=f"{kind.label} week {week}",
                                    starts_at=london_to_utc(day, clock(9, 30)), ends_at=london_to_utc(day, clock(12, 30)),
                                    mandatory=kind == SessionKind.ETHICS, sequence=0))  # fmt: skip
        db.session.add_all(sessions)
        for skill in skills:
            db.session.add(CohortSkill(cohort_id=cohort.id, skill_id=skill.id, target_level=2))
        db.session.flush()
        enrolments = db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)).all()
        marks = [
            {"session_id": s.id, "enrolment_id": e, "mark": _mark(i, n), "source": MarkSource.REGISTER,
             "recorded_at": s.ends_at}
            for n, s in enumerate(sessions) for i, e in enumerate(enrolments)
        ]  # fmt: skip
        assessments = [
            {"enrolment_id": e, "skill_id": skill.id, "checkpoint": checkpoint, "source": Source.FACILITATOR,
             "level": level, "assessed_at": AS_AT}
            for i, e in enumerate(enrolments) for k, skill in enumerate(skills)
            for checkpoint, level in ((Checkpoint.BASELINE, (i + k) % 3), (Checkpoint.FINAL, min(4, (i + k) % 3 + 1 + i % 2)))
        ]  # fmt: skip
        db.session.execute(insert(AttendanceMark), marks)
        db.session.execute(insert(Assessment), assessments)
        counts["sessions"] += len(sessions)
        counts["marks"] += len(marks)
        counts["assessments"] += len(assessments)
    db.session.commit()
    return counts


# The figures of the department report, by hand in SQL: per department, people nominated (not
# transferred out), completed, mean attendance rate (attended ÷ counted over ended, uncancelled
# sessions; excused not counted; no mark counts as absent) and mean uplift (final − baseline).
HAND_WRITTEN_SQL = """
WITH people AS (
  SELECT e.id AS enrolment_id, e.cohort_id, e.status, u.department_id
  FROM enrolments e JOIN users u ON u.id = e.user_id
  WHERE e.status <> 'transferred'
), rates AS (
  SELECT p.enrolment_id,
         SUM(CASE WHEN m.mark IN ('present', 'late') THEN 1 ELSE 0 END) * 1.0
           / NULLIF(SUM(CASE WHEN m.mark = 'excused' THEN 0 ELSE 1 END), 0) AS rate
  FROM people p
  JOIN sessions s ON s.cohort_id = p.cohort_id AND s.cancelled_at IS NULL AND s.ends_at <= :at
  LEFT JOIN attendance_marks m ON m.session_id = s.id AND m.enrolment_id = p.enrolment_id
  WHERE p.status <> 'withdrawn'
  GROUP BY p.enrolment_id
), uplifts AS (
  SELECT b.enrolment_id, AVG(f.level - b.level) AS uplift
  FROM assessments b
  JOIN assessments f ON f.enrolment_id = b.enrolment_id AND f.skill_id = b.skill_id
   AND f.source = 'facilitator' AND f.checkpoint = 'final'
  WHERE b.source = 'facilitator' AND b.checkpoint = 'baseline'
  GROUP BY b.enrolment_id
)
SELECT p.department_id, COUNT(*) AS nominated,
       SUM(CASE WHEN p.status = 'completed' THEN 1 ELSE 0 END) AS completed,
       AVG(r.rate) AS mean_attendance, AVG(u.uplift) AS mean_uplift
FROM people p
LEFT JOIN rates r ON r.enrolment_id = p.enrolment_id
LEFT JOIN uplifts u ON u.enrolment_id = p.enrolment_id
GROUP BY p.department_id
"""


def measure(name: str, work: Callable[[], object], engine) -> tuple[float, object]:
    """Run once for seconds and SQL statements, again under tracemalloc for peak memory."""
    gc.collect()
    with count_queries(engine) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    db.session.expunge_all()
    gc.collect()
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    db.session.expunge_all()
    print(f"{name:<34} {seconds:>8.3f} {len(queries):>8} {peak:>10.1f}")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=400, help="load-test cohorts of 25 (default 400)")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context(), app.test_request_context():
            upgrade()
            started = time.perf_counter()
            if db.session.scalar(select(func.count(Department.id))) == 0:
                seed_demo()
            seed_scale(args.scale)
            db.session.commit()
            scale = db.session.scalars(
                select(Cohort).where(Cohort.slug.like("scale-%")).order_by(Cohort.slug)
            ).all()
            todo = [
                c
                for c in scale
                if db.session.scalar(select(func.count(Session.id)).where(Session.cohort_id == c.id)) == 0
            ]
            added = furnish(todo)
            people = db.session.scalar(select(func.count(Enrolment.id)))
            print(f"seeded {len(scale)} load-test cohorts ({people} enrolments in all; added {added['sessions']} "
                  f"sessions, {added['marks']} marks, {added['assessments']} assessments) in "
                  f"{time.perf_counter() - started:.1f}s on {db.engine.dialect.name}")  # fmt: skip
            peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"process peak RSS after seeding: {peak_rss:.0f} MB\n")

            engine = db.engine
            print(f"{'built':<34} {'seconds':>8} {'queries':>8} {'peak MB':>10}")
            cohorts = db.session.scalars(select(Cohort).order_by(Cohort.start_date, Cohort.id)).all()

            def department_figures():
                return tables.by_department(
                    load(db.session.scalars(select(Cohort)).all(), AS_AT, every_cohort=True)
                )

            ours, figures = measure("department figures (all)", department_figures, engine)
            sql, rows = measure("hand-written SQL (all)", lambda: db.session.execute(text(HAND_WRITTEN_SQL),
                                                                                      {"at": AS_AT}).all(), engine)  # fmt: skip
            _compare(figures, rows)
            print(f"{'  ratio report code / SQL':<34} {ours / sql:>8.1f}×  (target ≤ 3×)")

            _overview_views(engine)

            for department in db.session.scalars(select(Department).order_by(Department.code)).all():
                code = department.code
                for kind in ("xlsx", "pdf"):
                    measure(f"department {code} {kind.upper()}", lambda code=code, kind=kind: _department_file(code, kind),
                            engine)  # fmt: skip

            one = scale[0] if scale else cohorts[0]
            for slug in (one.slug, "cohort-1"):
                for kind, write in (("CSV", cohort_report.to_csv), ("XLSX", cohort_report.to_xlsx),
                                    ("PDF", cohort_report.to_pdf)):  # fmt: skip
                    measure(f"cohort report {slug} {kind}",
                            lambda slug=slug, write=write: write(cohort_report.build(_cohort(slug), AS_AT)), engine)  # fmt: skip
            print(f"\nprocess peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            del cohorts


def _overview_views(engine) -> None:
    """The admin dashboard's and /reports' programme figures (docs/architecture.md §10): the first
    view after a write works them out; later views until the next write use the kept figures."""
    from cohort.reports import summary
    from cohort.reports.department_routes import overview_context

    summary.forget()
    measure("overview: first view", lambda: overview_context(AS_AT), engine)
    times = []
    for _ in range(21):
        started = time.perf_counter()
        overview_context(AS_AT)
        times.append(time.perf_counter() - started)
        db.session.rollback()
    median = sorted(times)[len(times) // 2]
    verdict = "met" if median < 0.2 else "MISSED"
    print(f"{'overview: later views (median)':<34} {median:>8.3f}  (target < 0.200 s: {verdict})")


def _department_file(code: str, kind: str) -> bytes:
    """A department's outcome report over every cohort it has a part in, as its download builds it."""
    from cohort.reports import department as department_report

    department = db.session.scalar(select(Department).where(Department.code == code))
    cohorts = department_report.department_cohorts(department)
    report = department_report.department_report(department, cohorts, AS_AT)
    if kind == "xlsx":
        return department_report.department_xlsx(report)
    return department_report.department_pdf(report, cohorts)


def _cohort(slug: str) -> Cohort:
    return db.session.scalar(select(Cohort).where(Cohort.slug == slug))


def _compare(figures, rows) -> None:
    """The report code and the SQL must agree, or the comparison means nothing."""
    codes = dict(db.session.execute(select(Department.id, Department.name)).all())
    by_name = {r["Department"]: r for r in figures.to_dict("records")}
    worst = 0.0
    for department_id, nominated, completed, attendance, _uplift in rows:
        ours = by_name.get(codes.get(department_id))
        if ours is None:
            raise SystemExit(f"department {department_id} missing from the report figures")
        if (ours["Nominated"], ours["Completed"]) != (nominated, completed):
            raise SystemExit(f"{codes[department_id]}: report {ours['Nominated']}/{ours['Completed']}, "
                             f"SQL {nominated}/{completed}")  # fmt: skip
        worst = max(worst, abs((ours["Mean attendance"] or 0) - float(attendance or 0)))
    print(f"{'  figures agree (attendance within)':<34} {worst:>8.4f}")


if __name__ == "__main__":
    main()
