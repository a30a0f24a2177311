"""Reports at programme scale (docs/rules.md §9): `flask seed-demo --scale 400` (10,040 enrolments).

    make bench                                        # runs this after the other benchmarks
    python benchmarks/reports.py                      # SQLite in a temporary folder
    python benchmarks/reports.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Seeds the demo data and SCALE load-test cohorts of 25 participants (as `flask seed-demo --scale`
does), then gives each load-test cohort what a finished cohort has: 12 weekly sessions (one a
mandatory ethics module, one a hackathon), a mark for every participant on each, and three skills
with baseline and final facilitator levels (bulk inserts). Then it prints seconds and SQL
statements, with verdicts against the targets:

  department figures   every department's nominated, completed, completion rate, mean attendance
                       and mean skill uplift, by the report code (cohort/reports/programme.py and
                       tables.by_department), as at a date after every session: the first time in
                       a worker, the first time after a write, and kept; each checked against the
                       completion engine worked out afresh, and against one hand-written SQL
                       aggregate (target: kept within 3× the SQL)
  department <CODE>    (--department, default MOJ) its outcome report page (target ≤ 0.3 s) and
                       XLSX (≤ 0.5 s) through Flask as the programme manager, after a write and
                       later; its PDF asked for (queued, ≤ 2 s), printed by the job, then fetched
  overview (/reports)  the programme overview page, after a write and later (≤ 0.2 s)
  files                every department's XLSX; a load-test cohort's and the demo cohort's
                       cohort report (CSV, XLSX, PDF), with peak Python memory (tracemalloc)

Exits 1 when a target is missed. The load average is printed: on a shared machine, read the
figures with it.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import resource
import statistics
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
from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from cohort import create_app  # noqa: E402
from cohort.demo import seed_demo, seed_scale  # noqa: E402
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
    parser.add_argument("--department", default="MOJ", help="the department whose page and files are timed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "JOBS_IMMEDIATE": False,
                          "JOBS_SQLITE_PATH": f"{tmp}/jobs.db"})  # fmt: skip
        logging.getLogger("cohort").setLevel(logging.WARNING)  # a line per request would bury the tables
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
            print(f"process peak RSS after seeding: {peak_rss:.0f} MB; load average {_load_average()}\n")

            engine = db.engine
            missed = _figures(engine)
            admin = _admin_token()
            one = scale[0].slug if scale else "cohort-1"

        print(f"\n{'page or file (through Flask)':<34} {'seconds':>8} {'queries':>8}  target")
        missed += _pages(app, admin, args.department)
        with app.app_context(), app.test_request_context():
            missed += _pdf_job(app, admin, args.department)
            print()
            print(f"{'built':<34} {'seconds':>8} {'queries':>8} {'peak MB':>10}")
            for department in db.session.scalars(select(Department).order_by(Department.code)).all():
                code = department.code
                measure(f"department {code} XLSX", lambda code=code: _department_file(code, "xlsx"), engine)
            for slug in (one, "cohort-1"):
                for kind, write in (("CSV", cohort_report.to_csv), ("XLSX", cohort_report.to_xlsx),
                                    ("PDF", cohort_report.to_pdf)):  # fmt: skip
                    measure(f"cohort report {slug} {kind}",
                            lambda slug=slug, write=write: write(cohort_report.build(_cohort(slug), AS_AT)), engine)  # fmt: skip
            print(f"\nprocess peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
                  f"load average {_load_average()}")  # fmt: skip
            db.engine.dispose()
    if missed:
        print(f"\nMISSED: {', '.join(missed)}")
        raise SystemExit(1)


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _verdict(seconds: float, target: float) -> str:
    return f"≤ {target:.3f} s: {'met' if seconds <= target else 'MISSED'}"


def _median(work: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times)


def _a_write() -> None:
    """One register mark changed, as a facilitator's save does (through the session: the stamp
    changes with it, docs/architecture.md §10.1)."""
    mark = db.session.scalar(select(AttendanceMark).order_by(AttendanceMark.id.desc()).limit(1))
    mark.mark = Mark.ABSENT if mark.mark != Mark.ABSENT else Mark.PRESENT
    db.session.commit()


def _figures(engine) -> list[str]:
    """Every department's figures by the report code (cohort/reports/programme.py, then
    tables.by_department), against the hand-written SQL: the first time in a worker, the first
    time after a write (the engine runs for the enrolments whose facts changed), and kept."""
    from cohort.reports import programme, summary

    def ours():
        return tables.by_department(programme.programme_data(AS_AT))

    print(f"{'built':<34} {'seconds':>8} {'queries':>8} {'peak MB':>10}")
    sql_rows = db.session.execute(text(HAND_WRITTEN_SQL), {"at": AS_AT}).all()
    sql = _median(lambda: db.session.execute(text(HAND_WRITTEN_SQL), {"at": AS_AT}).all())
    print(f"{'hand-written SQL (all, median)':<34} {sql:>8.3f} {1:>8}")
    summary.forget()
    first, figures = measure("department figures: first in worker", ours, engine)
    engine_figures = tables.by_department(
        load(db.session.scalars(select(Cohort)).all(), AS_AT, every_cohort=True)
    )
    if figures.to_csv(index=False) != engine_figures.to_csv(index=False):
        raise SystemExit("the kept figures differ from the engine's worked out afresh")
    _compare(figures, sql_rows)
    _a_write()
    with count_queries(engine) as queries:
        started = time.perf_counter()
        after = ours()
        after_write = time.perf_counter() - started
    print(f"{'department figures: after a write':<34} {after_write:>8.3f} {len(queries):>8}")
    again = tables.by_department(load(db.session.scalars(select(Cohort)).all(), AS_AT, every_cohort=True))
    if after.to_csv(index=False) != again.to_csv(index=False):
        raise SystemExit("after a write, the figures differ from the engine's worked out afresh")
    kept = _median(ours)
    print(f"{'department figures: kept (median)':<34} {kept:>8.3f}")
    missed = []
    for name, seconds, targeted in (("first in worker", first, False), ("after a write", after_write, False),
                                    ("kept", kept, True)):  # fmt: skip
        ratio = seconds / sql
        verdict = "met" if ratio <= 3 else "MISSED" if targeted else "not met (no target)"
        print(f"{'  ratio to SQL, ' + name:<34} {ratio:>8.1f}×  (target ≤ 3×: {verdict})")
        if targeted and ratio > 3:
            missed.append(f"department figures {name} {ratio:.1f}× SQL")
    return missed


def _admin_token() -> str:
    from cohort.demo import demo_logins
    from cohort.models import Role, User
    from tests.factories import session_token_for

    email = next(login.email for login in demo_logins() if login.role == Role.ADMIN)
    token = session_token_for(db.session.scalar(select(User).where(User.email == email)))
    db.session.commit()
    return token


def _pages(app, admin: str, code: str) -> list[str]:
    """The department's report page, its XLSX and the overview, through the full Flask stack as
    the programme manager: the first view after a write (the standings worked out again where
    facts changed, the tables built), and later views (median of 5)."""
    from tests.factories import sign_in_as

    client = app.test_client()
    with app.app_context():
        sign_in_as(client, admin)
    missed = []
    rows = (
        (f"/departments/{code}/report", f"department {code} page", 0.300),
        (f"/departments/{code}/report.xlsx", f"department {code} XLSX", 0.500),
        ("/reports", "overview (/reports)", 0.200),
    )
    for path, name, target in rows:
        client.get(path)  # pandas and matplotlib imported, the charts drawn: not this page's cost
        with app.app_context():
            _a_write()
            with count_queries(db.engine) as queries:
                started = time.perf_counter()
                status = client.get(path).status_code
                first = time.perf_counter() - started
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            times = []
            for _ in range(5):
                started = time.perf_counter()
                client.get(path)
                times.append(time.perf_counter() - started)
        later = statistics.median(times)
        print(f"{name + ': after a write':<34} {first:>8.3f} {len(queries):>8}  (no target)")
        print(f"{name + ': later (median)':<34} {later:>8.3f} {'':>8}  {_verdict(later, target)}")
        if later > target:
            missed.append(f"{name} {later:.3f} s")
    return missed


def _pdf_job(app, admin: str, code: str) -> list[str]:
    """The department's PDF: the request queues its build and answers at once ("Preparing your
    PDF"); the job prints it; the next request downloads the stored PDF until the figures change."""
    from cohort.models.reports import ReportPdf
    from cohort.reports import stored_pdfs
    from tests.factories import sign_in_as

    db.session.execute(
        delete(ReportPdf).where(ReportPdf.kind == "department")
    )  # none stored from a run before
    db.session.commit()
    client = app.test_client()
    sign_in_as(client, admin)
    path = f"/departments/{code}/report.pdf"
    started = time.perf_counter()
    asked = client.get(path)
    ask = time.perf_counter() - started
    pdf_id = db.session.scalar(select(func.max(ReportPdf.id)).where(ReportPdf.kind == "department"))
    db.session.commit()
    started = time.perf_counter()
    stored_pdfs.build(pdf_id)
    build = time.perf_counter() - started
    started = time.perf_counter()
    answer = client.get(path)
    fetch = time.perf_counter() - started
    if asked.status_code != 202 or answer.status_code != 200 or answer.mimetype != "application/pdf":
        raise SystemExit(f"{path}: {asked.status_code} then {answer.status_code} {answer.mimetype}")
    print(
        f"{'department ' + code + ' PDF: asked':<34} {ask:>8.3f} {'':>8}  {_verdict(ask, 2.0)} (202, queued)"
    )
    print(f"{'department ' + code + ' PDF: the job':<34} {build:>8.3f} {'':>8}  (off the request)")
    print(f"{'department ' + code + ' PDF: stored':<34} {fetch:>8.3f} {'':>8}  {_verdict(fetch, 2.0)}")
    return [f"department {code} PDF request {t:.3f} s" for t in (ask, fetch) if t > 2.0]


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
