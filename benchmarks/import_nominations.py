"""Importing a 5,000-row nominations CSV: preview, then commit (docs/rules.md §8).

    make bench                                             # after benchmarks/pages.py
    python benchmarks/import_nominations.py                # SQLite in a temporary folder
    python benchmarks/import_nominations.py --database-url postgresql://postgres@127.0.0.1/bench

Builds a realistic CSV (names with accents and apostrophes, department codes,
names and aliases, job titles, grades) of --rows new people, on a database that
already holds --existing-users participants, then times:

  preview   read + check every row, with the database queries (what the upload
            and the preview page each do)
  commit    enrol everyone in one transaction (enrol_many: accounts, enrolments,
            audit events), all or nothing

A cohort holds at most 200 people (a database check), so to commit 5,000 rows in
one transaction, as the worst case, the benchmark raises its cohort's capacity
directly in the database, bypassing that check on this benchmark database only
(PostgreSQL: the check is put back NOT VALID, so other rows are still checked).
The web confirm re-checks the file before committing, so it takes about
preview + commit.

Memory: peak resident size of the whole process (ru_maxrss) after each step;
with --tracemalloc, also the peak of Python allocations during each step (slower).
Target: each step under 5 s, and under 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from cohort import create_app  # noqa: E402
from cohort.demo import DEPARTMENTS, seed_departments  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.imports import RowStatus  # noqa: E402
from cohort.models import Cohort, CohortStatus, Department, Enrolment, Role, User  # noqa: E402
from cohort.nominations.importer import build_preview, enrol_checked  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_MB = 300

FIRST = [
    "Amara", "Siân", "Zoë", "Daniel", "Fiona", "Rhys", "Hannah", "Oluwaseun", "Callum", "Priyanka",
    "Mohammed", "Niamh", "Eilidh", "James", "Chloé", "Owain", "Grace", "Liam", "Sophie", "Kwame",
    "Mairi", "Tomasz", "Rebecca", "Dafydd", "Yusuf", "Seán", "Aoife", "Łukasz", "Renée", "João",
    "Marie-Hélène", "Dara", "Iain", "Chidi", "Gwenllian", "Ffion", "Ewan", "Björn", "Ana", "Wei",
]  # fmt: skip
LAST = [
    "Okafor", "O'Neill", "Ng", "Whitfield", "MacLeod", "Llewellyn", "Kowalski", "Adeyemi", "Reid",
    "Shah", "Iqbal", "Doyle", "Fraser", "Thornton", "Dubois", "Pritchard", "Mensah", "O'Brien",
    "Turner", "Asante", "Campbell", "Nowak", "Hughes", "Jones", "Rahman", "Ní Bhriain", "Wiśniewski",
    "Lefèvre", "da Silva", "McCormack", "ap Rhys", "Okonkwo", "Müller", "García", "Zhang", "D'Souza",
]  # fmt: skip
TITLES = ["Data Scientist", "Senior Data Scientist", "Statistician", "Data Analyst", "Operational Researcher",
          "Data Engineer", "Economist", "Social Researcher"]  # fmt: skip
GRADES = ["HEO", "SEO", "Grade 7", "G7", "Senior Scientific Officer", "Band B", ""]


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def build_csv(rows: int, tag: str, seed: int = 7) -> bytes:
    """`rows` nominations of new people, the way a department's spreadsheet looks."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Email address", "Given name", "Surname", "Organisation", "Job title", "Grade"])
    for n in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        code, name, domain, aliases = rng.choice(DEPARTMENTS)
        department = rng.choice([code, name, *aliases])
        local = f"{_ascii(first)}.{_ascii(last)}".lower().replace("'", "").replace(" ", "")
        writer.writerow(
            [f"{local}.{tag}{n}@{domain}", first, last, department, rng.choice(TITLES), rng.choice(GRADES)]
        )
    return out.getvalue().encode("utf-8-sig")  # Excel's "CSV UTF-8": with a BOM


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@contextmanager
def step(name: str, use_tracemalloc: bool, results: list):
    if use_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    traced = None
    if use_tracemalloc:
        traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    results.append((name, seconds, peak_rss_mb(), traced))


def raise_capacity(cohort: Cohort, capacity: int) -> None:
    """Past the 200-place database check, on this benchmark database only."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        conn.execute(
            text("UPDATE cohorts SET capacity = :c WHERE id = :id"), {"c": capacity, "id": cohort.id}
        )
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    else:
        conn.exec_driver_sql("ALTER TABLE cohorts DROP CONSTRAINT ck_cohorts_capacity_range")
        conn.execute(
            text("UPDATE cohorts SET capacity = :c WHERE id = :id"), {"c": capacity, "id": cohort.id}
        )
        conn.exec_driver_sql(
            "ALTER TABLE cohorts ADD CONSTRAINT ck_cohorts_capacity_range "
            "CHECK (capacity BETWEEN 1 AND 200) NOT VALID"
        )
    db.session.commit()
    db.session.refresh(cohort)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=5000, help="rows in the file (the import's limit is 5,000)"
    )
    parser.add_argument(
        "--existing-users", type=int, default=10_000, help="participants already in the database"
    )
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    args = parser.parse_args()

    tag = f"b{int(time.time())}"  # fresh emails and cohort on a database used before
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            if db.session.scalar(select(func.count(Department.id))) == 0:
                seed_departments()
            departments = db.session.scalars(select(Department.id)).all()
            started = time.perf_counter()
            db.session.execute(
                insert(User),
                [
                    {
                        "email": f"existing.{tag}.{n}@example.gov.uk",
                        "full_name": f"Existing Person {n}",
                        "role": Role.PARTICIPANT,
                        "department_id": departments[n % len(departments)],
                        "is_active_account": True,
                    }
                    for n in range(args.existing_users)
                ],
            )
            cohort = Cohort(name=f"Import benchmark {tag}", slug=f"import-benchmark-{tag}",
                            start_date=date(2027, 1, 11), status=CohortStatus.OPEN)  # fmt: skip
            db.session.add(cohort)
            db.session.commit()
            raise_capacity(cohort, args.rows)
            data = build_csv(args.rows, tag)
            dialect = db.engine.dialect.name
            print(
                f"{dialect}: {args.existing_users:,} existing participants added in "
                f"{time.perf_counter() - started:.1f}s; file of {args.rows:,} rows, {len(data) / 1024 / 1024:.2f} MB; "
                f"cohort capacity raised to {args.rows:,} in the database (normally at most 200)"
            )
            print(f"process peak before the import: {peak_rss_mb():.0f} MB")

            results: list = []
            with step("preview", args.tracemalloc, results):
                checked = build_preview(cohort, "nominations.csv", data)
                db.session.rollback()
            counts = checked.counts
            assert counts[RowStatus.NEW] == args.rows, checked.preview.summary()
            print(f"  {checked.preview.summary()}")

            with step("commit", args.tracemalloc, results):
                result = enrol_checked(None, checked)
            enrolled = db.session.scalar(
                select(func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort.id)
            )
            assert enrolled == args.rows == len(result.results)
            print(f"  {result.summary()}")

            print(f"\n{'step':<10} {'seconds':>8} {'process peak MB':>16} {'python peak MB':>15}  target")
            ok = True
            for name, seconds, rss, traced in results:
                passed = seconds < TARGET_SECONDS and rss < TARGET_MB
                ok &= passed
                traced_text = f"{traced:.0f}" if traced is not None else "-"
                print(
                    f"{name:<10} {seconds:>8.2f} {rss:>16.0f} {traced_text:>15}  "
                    f"{'ok' if passed else 'MISSED'} (<{TARGET_SECONDS:.0f} s, <{TARGET_MB} MB)"
                )
            total = sum(seconds for _, seconds, _, _ in results)
            print(f"{'web confirm ≈ preview + commit':<31} {total:.2f} s")
            db.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
