"""Page throughput through gunicorn against a bare Flask endpoint, with a verdict per page.

    python benchmarks/throughput.py                         # SQLite, then PostgreSQL
    python benchmarks/throughput.py --database sqlite --seconds 10 --scale 40
    python benchmarks/throughput.py --database-url postgresql://postgres@127.0.0.1:5432

Migrates and seeds a new database (the demo plus --scale cohorts of 25), starts gunicorn with
deploy/gunicorn.conf.py and 2 sync workers in production mode, and requests each page as fast
as it can for --seconds: with wrk when it is installed (a Lua script sends the signed-in
session's cookie), else with --clients client processes of its own. Then the bare endpoint of
benchmarks/bare_app.py under the same gunicorn settings. Prints requests per second, p50 and
p99 for each page, its share of the bare figure and a verdict against the goal:

    sign-in page ≥ 40 %; participant dashboard, My progress, the cohort page, a register ≥ 30 %

Exit status 1 when a goal is missed or a page answered with an error (all pages are measured
first). Stops gunicorn and drops its database by itself.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import load  # noqa: E402  (its browser, gunicorn start/stop, service settings and seeded world)

BIN = load.BIN
WORKERS = 2
PG = load.PG

# (label, path or a function of the seeded world, who signs in, goal as a share of bare)
PAGES = [
    ("sign-in page", "/sign-in", None, 0.40),
    ("participant dashboard", "/dashboard", "participants", 0.30),
    ("My progress", "/my-progress", "participants", 0.30),
    ("cohort page", lambda w: f"/cohorts/{w['slug']}", "facilitators", 0.30),
    (
        "register",
        lambda w: f"/cohorts/{w['slug']}/sessions/{w['sessions'][-1]}/register",
        "facilitators",
        0.30,
    ),
]


def _hammer(args) -> tuple[list[float], Counter]:
    port, path, cookies, seconds = args
    browser = load.Browser(port)
    browser.cookies = dict(cookies)
    timings: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            browser.request("GET", path)
        except (OSError, http.client.HTTPException):
            # A worker recycled by gunicorn's max_requests can drop a connection: counted as
            # a failed request ("connection"), not the end of the run.
            browser.statuses["connection"] += 1
            continue
        timings.append(time.perf_counter() - started)
    return timings, browser.statuses


def _python_load(port, path, sessions, seconds, clients) -> tuple[float, float, float, Counter]:
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(
            _hammer, [(port, path, sessions[i % len(sessions)], seconds) for i in range(clients)]
        )
    timings = sorted(t for ts, _ in results for t in ts)
    statuses: Counter = Counter()
    for _, s in results:
        statuses.update(s)
    return len(timings) / seconds, _pct(timings, 50), _pct(timings, 99), statuses


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * p / 100))]


WRK_SCRIPT = """
wrk.headers["Cookie"] = os.getenv("WRK_COOKIE") or ""
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d\\n", summary.requests, latency:percentile(50),
    latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read))
end
"""


def _wrk_load(port, path, sessions, seconds, clients) -> tuple[float, float, float, Counter]:
    cookie = "; ".join(f"{k}={v}" for k, v in sessions[0].items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients * 2}",
            f"-d{int(seconds)}s",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        env={"WRK_COOKIE": cookie, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=True,
    ).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+)", out)
    if not found:
        raise RuntimeError("wrk printed no result:\n" + out)
    requests, p50, p99, errors = (int(g) for g in found.groups())
    return requests / seconds, p50 / 1e6, p99 / 1e6, Counter({200: requests - errors, 500: errors})


def measure(port, path, sessions, seconds, clients):
    """sessions: the cookies of each signed-in person to share out between the clients ({} for
    nobody signed in). Each person signs in once, before the clock starts: sign-ins are
    rate-limited per person and per address (docs/sign-in.md), pages are what is measured."""
    if shutil.which("wrk"):
        return _wrk_load(port, path, sessions, seconds, clients)
    return _python_load(port, path, sessions, seconds, clients)


def signed_in(port: int, emails: list[str], password: str) -> list[dict]:
    sessions = []
    for email in emails:
        browser = load.Browser(port)
        browser.sign_in(email, password)
        sessions.append(dict(browser.cookies))
    return sessions


def run(kind: str, server_url: str | None, seconds: float, scale: int, clients: int) -> list[tuple]:
    """Each page's (label, rate, p50, p99, failed, share, goal, met) on one database."""
    load.WORKERS = WORKERS
    workdir = Path(tempfile.mkdtemp(prefix=f"cohort-throughput-{kind}-"))
    (workdir / "reports").mkdir()
    (workdir / "imports").mkdir()
    dbname = f"cohort_throughput_{multiprocessing.current_process().pid}"
    if kind == "sqlite":
        database_url = f"sqlite:///{workdir / 'cohort.db'}"
    else:
        server_url = server_url or PG
        subprocess.run(
            ["psql", "-d", f"{server_url}/postgres", "-qc", f'CREATE DATABASE "{dbname}"'], check=True
        )
        database_url = f"{server_url}/{dbname}"
    env = load.service_env(database_url, workdir)
    rows = []
    try:
        setup_env = {**env, "COHORT_ENV": "development"}
        subprocess.run([str(BIN / "flask"), "db", "upgrade"], env=setup_env, check=True, capture_output=True)
        seed = [str(BIN / "flask"), "seed-demo"] + (["--scale", str(scale)] if scale else [])
        subprocess.run(seed, env=setup_env, check=True, capture_output=True)
        w = load.world(database_url)
        server, port = load.start_gunicorn("cohort.wsgi:app", env, workdir / "gunicorn.log")
        figures = []
        try:
            people = {
                who: signed_in(port, w[who][:clients], w["password"])
                for who in ("participants", "facilitators")
            }
            for label, path, who, goal in PAGES:
                url = path(w) if callable(path) else path
                rate, p50, p99, statuses = measure(port, url, people[who] if who else [{}], seconds, clients)
                failed = sum(n for code, n in statuses.items() if code != "connection" and code >= 400)
                figures.append((label, rate, p50, p99, failed, statuses["connection"], goal))
        finally:
            load.stop(server)
        bare, bare_port = load.start_gunicorn(
            "bare_app:app", env, workdir / "bare.log", chdir=ROOT / "benchmarks"
        )
        try:
            bare_rate, bare_p50, bare_p99, _ = measure(bare_port, "/", [{}], seconds, clients)
        finally:
            load.stop(bare)
        print(
            f"\n{kind}: gunicorn {WORKERS} sync workers, {seconds:.0f} s per page, "
            f"{'wrk' if shutil.which('wrk') else f'{clients} client processes'}, demo + {scale} scale cohorts"
        )
        print(
            f"  {'bare Flask endpoint':<22} {bare_rate:7.0f} req/s  p50 {bare_p50 * 1000:6.1f} ms  p99 {bare_p99 * 1000:6.1f} ms"
        )
        for label, rate, p50, p99, failed, dropped, goal in figures:
            share = rate / bare_rate if bare_rate else 0.0
            # A dropped connection now and then (a worker recycled) is tolerated; an error page is not.
            met = share >= goal and failed == 0 and dropped <= rate * seconds * 0.005
            print(
                f"  {label:<22} {rate:7.0f} req/s  p50 {p50 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms  "
                f"{share:6.1%} of bare (goal ≥ {goal:.0%})  {'met' if met else 'MISSED'}"
                + (f"  {failed} error pages" if failed else "")
                + (f"  {dropped} connections dropped" if dropped else "")
            )
            rows.append((label, rate, p50, p99, failed, share, goal, met))
    finally:
        if kind == "postgresql":
            subprocess.run(
                [
                    "psql",
                    "-d",
                    f"{server_url}/postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)',
                ],
                check=False,
            )
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--database-url", help="a PostgreSQL server URL (no database name); implies postgresql"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--scale", type=int, default=40, help="scale cohorts of 25 added to the demo")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if args.database_url:
        kinds = ["postgresql"]
    if "postgresql" in kinds and shutil.which("psql") is None:
        print("PostgreSQL tools not found: skipping PostgreSQL")
        kinds.remove("postgresql")
    ok = True
    for kind in kinds:
        rows = run(kind, args.database_url, args.seconds, args.scale, args.clients)
        ok = ok and bool(rows) and all(row[-1] for row in rows)
    if not ok:
        print("\nthroughput: FAILED (a page below its goal or answering errors; see above)")
        return 1
    print("\nthroughput: every goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
