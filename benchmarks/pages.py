"""Page timings and queries per page, on the demo data plus N scale cohorts.

    make bench                      # SQLite, 20 extra cohorts of 25
    python benchmarks/pages.py --scale 100 --runs 20
    python benchmarks/pages.py --database-url postgresql://postgres@127.0.0.1/bench

Prints, for each page and role, the median and 95th-percentile time of a
request through the full Flask stack (test client, no network) and the number
of SQL statements it sent. The query count must stay flat as --scale grows.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from cohort import create_app  # noqa: E402
from cohort.demo import demo_logins, seed_demo, seed_scale  # noqa: E402
from cohort.extensions import db  # noqa: E402
from tests.factories import session_token_for, sign_in_as  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

PAGES = [
    ("admin", "/dashboard"),
    ("admin", "/cohorts/"),
    ("admin", "/cohorts/cohort-1"),
    ("admin", "/admin/users"),
    ("admin", "/admin/audit"),
    ("facilitator", "/cohorts/cohort-1"),
    ("sponsor", "/dashboard"),
    ("participant", "/dashboard"),
    # Reports: pages only; the files are timed by benchmarks/reports.py.
    ("admin", "/reports"),
    ("admin", "/cohorts/cohort-1/report"),
    ("admin", "/cohorts/cohort-1/outcomes"),
    ("sponsor", "/departments/DVLA/report"),  # the demo login it signs in with is DVLA's sponsor
    ("participant", "/enrolments/1/record"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=20, help="extra cohorts of 25 participants")
    parser.add_argument("--runs", type=int, default=15, help="requests per page")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        logging.getLogger("cohort").setLevel(logging.WARNING)  # a line per request would bury the table
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            seed_demo()
            seed_scale(args.scale)
            db.session.commit()
            print(
                f"seeded demo + {args.scale} cohorts ({25 * (args.scale + 1)} participants) "
                f"in {time.perf_counter() - started:.1f}s on {db.engine.dialect.name}"
            )
            users = {login.role.value: login.email for login in demo_logins()}
            from cohort.models import User

            # Keep only the session tokens: the model objects die with this app context.
            people = {
                role: SimpleNamespace(
                    session_token=session_token_for(
                        db.session.scalar(db.select(User).where(User.email == email))
                    )
                )
                for role, email in users.items()
            }
            db.session.commit()

        print(f"{'role':<12} {'page':<22} {'status':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
        for role, path in PAGES:
            client = app.test_client()
            with app.app_context():
                sign_in_as(client, people[role])
            timings = []
            with app.app_context():
                with count_queries(db.engine) as queries:
                    status = client.get(path).status_code
                first_count = len(queries)
            for _ in range(args.runs):
                started = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            print(
                f"{role:<12} {path:<22} {status:>6} {first_count:>8} {statistics.median(timings):>10.1f} {p95:>8.1f}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
