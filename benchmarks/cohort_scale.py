"""One cohort at 10 and at 200 participants: the pages and file whose cost grows with the cohort.

    make bench
    python benchmarks/cohort_scale.py                    # SQLite in a temporary folder
    python benchmarks/cohort_scale.py --runs 9 --database-url postgresql://postgres@127.0.0.1/bench

Builds two running cohorts (week 9 of 12, 48 sessions, a mark for everyone on every ended
session: benchmarks/attendance.py) of 10 and 200 participants, each assessing the demo's skills
framework with baseline and midpoint assessments (self and facilitator). Signed in as a programme
manager, requests through the full Flask stack (test client, no network):

  /cohorts/<slug>/report.xlsx               cohort report XLSX          target ≤ 500 ms
  /cohorts/<slug>/assessments/midpoint      assessment grid             ≤ 150 ms, < 400 KB
  /cohorts/<slug>/progress                  progress matrix             ≤ 150 ms, < 400 KB
  /cohorts/<slug>/outcomes                  outcomes                    ≤ 150 ms
  /cohorts/<slug>/attendance                attendance 200 × 48         ≤ 100 ms

and prints for each: median ms at 10 and 200, the slope per person between them, HTML size,
queries, CPU ms of this process (steadier than wall time on a shared machine), the ratio to a reference measured in the same run (a trivial page: /healthz through the
same stack), and a verdict at 200. Exits 1 if any target is missed (after printing everything).
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attendance import bench_admin, build_cohort  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from cohort import create_app  # noqa: E402
from cohort.domain.progress import Checkpoint, Source  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.models import Assessment, Cohort, CohortSkill, Enrolment, Skill, User  # noqa: E402
from cohort.models.base import utcnow  # noqa: E402
from cohort.skills.framework import ML_ENGINEER_FRAMEWORK  # noqa: E402
from tests.factories import session_token_for, sign_in_as  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

SIZES = (10, 200)
KB = 1024
#: (name, path, target ms, target bytes or None)
PAGES = [
    ("cohort report XLSX", "/cohorts/{slug}/report.xlsx", 500, None),
    ("assessment grid", "/cohorts/{slug}/assessments/midpoint", 150, 400 * KB),
    ("progress matrix", "/cohorts/{slug}/progress", 150, 400 * KB),
    ("outcomes", "/cohorts/{slug}/outcomes", 150, None),
    ("attendance", "/cohorts/{slug}/attendance", 100, None),
]
REFERENCE = "/healthz"


def ensure_skills(admin: User) -> dict[int, int]:
    """The demo framework's skills (made once per database), as {skill id: target}."""
    targets = {}
    for data in ML_ENGINEER_FRAMEWORK:
        skill = db.session.scalar(select(Skill).where(Skill.name == data["name"]))
        if skill is None:
            skill = Skill(
                name=data["name"],
                category=data["category"],
                description=data["description"],
                **{f"level_{n}": text for n, text in enumerate(data["levels"])},
            )
            db.session.add(skill)
            db.session.flush()
        targets[skill.id] = data["target"]
    return targets


def add_assessments(slug: str, targets: dict[int, int], admin: User) -> int:
    cohort = db.session.scalar(select(Cohort).where(Cohort.slug == slug))
    db.session.execute(
        insert(CohortSkill),
        [{"cohort_id": cohort.id, "skill_id": s, "target_level": t} for s, t in targets.items()],
    )
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    rng = random.Random(2026)
    at = datetime.combine(cohort.start_date, datetime.min.time(), UTC) + timedelta(days=2, hours=15)
    rows = []
    for enrolment in enrolments:
        for skill_id in targets:
            baseline = rng.choice([0, 1, 1, 2])
            for checkpoint, level in (
                (Checkpoint.BASELINE, baseline),
                (Checkpoint.MIDPOINT, min(4, baseline + 1)),
            ):
                for source, who in ((Source.FACILITATOR, admin.id), (Source.SELF, enrolment.user_id)):
                    rows.append(
                        {
                            "enrolment_id": enrolment.id,
                            "skill_id": skill_id,
                            "checkpoint": checkpoint,
                            "source": source,
                            "level": level,
                            "evidence": "Observed in the workshop exercise."
                            if source == Source.FACILITATOR
                            else None,
                            "assessed_by_id": who,
                            "assessed_at": at
                            + timedelta(days=37 if checkpoint == Checkpoint.MIDPOINT else 0),
                        }
                    )
    db.session.execute(insert(Assessment), rows)
    db.session.commit()
    return len(rows)


def timed(client, path: str, runs: int) -> tuple[float, int, int, float]:
    """(median wall ms, status, bytes, median CPU ms of this process: steadier on a shared machine)."""
    response = client.get(path)
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(timings), response.status_code, len(response.data), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="timed requests per page and size")
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
            targets = ensure_skills(admin)
            cohorts = [build_cohort(run, size, admin, departments, now) for size in SIZES]
            for c in cohorts:
                c["assessments"] = add_assessments(c["slug"], targets, admin)
            signed_in = SimpleNamespace(session_token=session_token_for(admin))
            db.session.commit()
            dialect = db.engine.dialect.name
            print(
                f"built cohorts of {' and '.join(str(c['people']) for c in cohorts)} participants "
                f"({cohorts[0]['sessions']} sessions, {len(targets)} skills) in "
                f"{time.perf_counter() - started:.1f}s on {dialect}"
            )

        logging.getLogger("cohort.requests").setLevel(logging.WARNING)  # one line per request
        client = app.test_client()
        with app.app_context():
            sign_in_as(client, signed_in)
        reference, _, _, _ = timed(client, REFERENCE, args.runs * 3)
        print(f"reference {REFERENCE}: {reference:.2f} ms median")
        print(
            f"{'page':<20} {'ms@10':>7} {'ms@200':>7} {'ms/person':>9} {'KB@200':>7} {'q@10':>5} "
            f"{'q@200':>5} {'×ref':>6} {'cpu@10':>7} {'cpu@200':>7}  verdict"
        )
        missed = []
        for name, template, target_ms, target_bytes in PAGES:
            figures = []
            for c in cohorts:
                path = template.format(slug=c["slug"])
                with app.app_context():
                    with count_queries(db.engine) as queries:
                        client.get(path)
                    count = len(queries)
                median, status, size, cpu = timed(client, path, args.runs)
                if status != 200:
                    print(f"  {path} answered {status}")
                figures.append((median, count, size, cpu))
            (small, q_small, _, cpu_small), (big, q_big, size_big, cpu_big) = figures
            slope = (big - small) / (SIZES[1] - SIZES[0])
            ok = big <= target_ms and (target_bytes is None or size_big < target_bytes)
            verdict = "ok" if ok else "MISSED"
            goal = f"≤ {target_ms} ms" + (f", < {target_bytes // KB} KB" if target_bytes else "")
            if not ok:
                missed.append(name)
            print(
                f"{name:<20} {small:>7.1f} {big:>7.1f} {slope:>9.2f} {size_big / KB:>7.0f} {q_small:>5} "
                f"{q_big:>5} {big / reference:>6.0f} {cpu_small:>7.1f} {cpu_big:>7.1f}  {verdict} ({goal})"
            )
        with app.app_context():
            db.engine.dispose()
    if missed:
        print(f"missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
