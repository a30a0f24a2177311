"""Attendance pages on big cohorts: the cohort attendance page and a session's register (docs/rules.md §3).

    make bench                                          # after benchmarks/pages.py
    python benchmarks/attendance.py                     # SQLite in a temporary folder
    python benchmarks/attendance.py --runs 20 --database-url postgresql://postgres@127.0.0.1/bench

Builds two running cohorts of 48 sessions over 12 weeks (four a week; the
cohort is in week 9, so about two thirds of the sessions have ended), one of 25
participants and one of 200, with a mark for every participant on every ended
session (mostly present, some late, excused or absent) and one future session
cancelled. Then, signed in as a programme manager, requests through the full
Flask stack (test client, no network):

  /cohorts/<slug>/attendance                       figures per participant, session, department
  /cohorts/<slug>/sessions/<id>/register           the register of the last ended session

and prints, for each, the median and 95th-percentile time of a request and the
number of SQL statements it sent. The query count must be the same for 25 and
for 200 participants. The data is written with bulk inserts (no audit events):
it is there to be read. Works on a database that already has data (new slugs
and emails each run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from cohort import create_app  # noqa: E402
from cohort.demo import demo_cohort_start, seed_departments  # noqa: E402
from cohort.domain.attendance import Mark  # noqa: E402
from cohort.domain.schedule import SessionKind  # noqa: E402
from cohort.domain.times import london_date, london_to_utc  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.models import (  # noqa: E402
    AttendanceMark,
    Cohort,
    CohortStatus,
    Department,
    Enrolment,
    EnrolmentStatus,
    MarkSource,
    Role,
    Session,
    User,
)
from cohort.models.base import utcnow  # noqa: E402
from tests.factories import session_token_for, sign_in_as  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

SIZES = (25, 200)
WEEKS = 12
# Four sessions a week: (weekday, start, end). 4 × 12 = 48.
WEEKLY = [
    (0, clock(9, 30), clock(12, 30)),
    (1, clock(9, 30), clock(12, 30)),
    (2, clock(14, 0), clock(16, 0)),
    (3, clock(9, 30), clock(16, 30)),
]
ETHICS_WEEKS = (2, 5, 8, 11)
HACKATHON_WEEKS = (6, 10)


def _kind(week: int, slot: int) -> tuple[SessionKind, str]:
    if slot == 2 and week in ETHICS_WEEKS:
        return SessionKind.ETHICS, f"Ethics module, week {week}"
    if slot == 3 and week in HACKATHON_WEEKS:
        return SessionKind.HACKATHON, f"Hackathon, week {week}"
    if slot == 3 and week == WEEKS:
        return SessionKind.SHOWCASE, "Final showcase"
    return SessionKind.WORKSHOP, f"Week {week} workshop {slot + 1}"


def _mark(person: int, session: int) -> tuple[Mark, str | None]:
    """About 85 % present, 7 % late, 4 % excused, 4 % absent."""
    h = (37 * person + 101 * session) % 100
    if h < 4:
        return Mark.ABSENT, None
    if h < 8:
        return Mark.EXCUSED, "Annual leave"
    if h < 15:
        return Mark.LATE, "Train delayed" if h % 2 else None
    return Mark.PRESENT, None


def build_cohort(run: str, people: int, admin: User, departments: list[Department], now: datetime) -> dict:
    """A running cohort of `people` participants and 48 sessions, marks on the ended ones."""
    start = demo_cohort_start(london_date(now))
    slug = f"bench-{run}-{people}"
    cohort = Cohort(
        name=f"Attendance benchmark {people} ({run})",
        slug=slug,
        start_date=start,
        length_weeks=WEEKS,
        capacity=people,
        status=CohortStatus.RUNNING,
    )
    db.session.add(cohort)
    db.session.flush()

    sessions = []
    for week in range(1, WEEKS + 1):
        for slot, (weekday, begins, ends) in enumerate(WEEKLY):
            day = start + timedelta(weeks=week - 1, days=weekday)
            kind, title = _kind(week, slot)
            sessions.append(
                Session(
                    cohort=cohort,
                    kind=kind,
                    title=title,
                    starts_at=london_to_utc(day, begins),
                    ends_at=london_to_utc(day, ends),
                    mandatory=kind.mandatory_by_default,
                    sequence=0,
                )
            )
    future = [s for s in sessions if s.starts_at > now]
    future[len(future) // 2].cancelled_at = now
    future[len(future) // 2].cancellation_reason = "Benchmark: a cancelled session"
    db.session.add_all(sessions)
    db.session.flush()

    email = f"bench.{run}.{people}.{{:03d}}@example.gov.uk"
    db.session.execute(
        insert(User),
        [
            {
                "email": email.format(i),
                "full_name": f"Bench Person {people}-{i:03d}",
                "role": Role.PARTICIPANT,
                "department_id": departments[i % len(departments)].id,
                "is_active_account": True,
            }
            for i in range(people)
        ],
    )
    user_ids = db.session.scalars(
        select(User.id).where(User.email.like(f"bench.{run}.{people}.%")).order_by(User.email)
    ).all()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "cohort_id": cohort.id,
                "user_id": user_id,
                "status": EnrolmentStatus.ACTIVE,
                "enrolled_on": start - timedelta(days=7),
            }
            for user_id in user_ids
        ],
    )
    enrolment_ids = db.session.scalars(
        select(Enrolment.id).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    ended = [s for s in sessions if s.ends_at <= now and s.cancelled_at is None]
    rows = []
    for n, session in enumerate(ended):
        for i, enrolment_id in enumerate(enrolment_ids):
            mark, note = _mark(i, n)
            rows.append(
                {
                    "session_id": session.id,
                    "enrolment_id": enrolment_id,
                    "mark": mark,
                    "note": note,
                    "source": MarkSource.REGISTER,
                    "recorded_by_id": admin.id,
                    "recorded_at": session.ends_at,
                }
            )
    db.session.execute(insert(AttendanceMark), rows)
    db.session.commit()
    return {
        "slug": slug,
        "people": people,
        "sessions": len(sessions),
        "ended": len(ended),
        "marks": len(rows),
        "register": ended[-1].id,
    }


def bench_admin(run: str) -> tuple[User, list[Department]]:
    """The departments (seeded if the database has none) and a programme manager for this run,
    whose e-mail carries the run's id so runs on one PostgreSQL database do not collide."""
    if db.session.scalar(select(func.count(Department.id))) == 0:
        seed_departments()
    departments = list(db.session.scalars(select(Department).order_by(Department.code)))
    admin = User(
        email=f"bench.admin.{run}@example.gov.uk",
        full_name="Benchmark Admin",
        role=Role.ADMIN,
        is_active_account=True,
    )
    db.session.add(admin)
    db.session.flush()
    return admin, departments


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        run = uuid.uuid4().hex[:6]
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            now = utcnow()
            admin, departments = bench_admin(run)
            cohorts = [build_cohort(run, size, admin, departments, now) for size in SIZES]
            # Keep only the session token: the model objects die with this app context.
            signed_in = SimpleNamespace(session_token=session_token_for(admin))
            db.session.commit()
            print(
                f"built cohorts of {' and '.join(str(c['people']) for c in cohorts)} participants × "
                f"{cohorts[0]['sessions']} sessions ({cohorts[0]['ended']} ended, marked; "
                f"{sum(c['marks'] for c in cohorts)} marks) in {time.perf_counter() - started:.1f}s "
                f"on {db.engine.dialect.name}"
            )

        client = app.test_client()
        with app.app_context():
            sign_in_as(client, signed_in)
        print(
            f"{'page':<12} {'participants':>12} {'sessions':>8} {'status':>6} {'queries':>8} "
            f"{'median ms':>10} {'p95 ms':>8}"
        )
        for name, path_of in (
            ("attendance", lambda c: f"/cohorts/{c['slug']}/attendance"),
            ("register", lambda c: f"/cohorts/{c['slug']}/sessions/{c['register']}/register"),
        ):
            for c in cohorts:
                path = path_of(c)
                with app.app_context():
                    with count_queries(db.engine) as queries:
                        status = client.get(path).status_code
                    first_count = len(queries)
                timings = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    client.get(path)
                    timings.append((time.perf_counter() - started) * 1000)
                timings.sort()
                p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
                print(
                    f"{name:<12} {c['people']:>12} {c['sessions']:>8} {status:>6} {first_count:>8} "
                    f"{statistics.median(timings):>10.1f} {p95:>8.1f}"
                )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
