"""Start-up cost: the CPU time of `from cohort import create_app; create_app()` against a bare
Flask app (import Flask, create it, add a route), each in a fresh Python process.

    python benchmarks/startup.py             # 5 runs each, medians
    python benchmarks/startup.py --runs 9

Every gunicorn worker, `flask` command, job worker and test app pays this. Also lists which of
the libraries that build files (WeasyPrint, matplotlib, pandas, openpyxl) the app imported:
they belong where a PDF, chart or spreadsheet is built (docs/architecture.md §10).
Goal: create_app() ≤ 3× the bare app, and none of those libraries. Exit status 1 if missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 3.0
HEAVY = ("weasyprint", "matplotlib", "pandas", "openpyxl")

MEASURE = """
import json, sys, time
started = time.process_time()
{body}
cpu = time.process_time() - started
print(json.dumps({{"cpu": cpu, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""

BARE = """
from flask import Flask
app = Flask("bare")
app.add_url_rule("/", "index", lambda: "<p>Hello</p>")
"""

COHORT = """
from cohort import create_app
app = create_app()
"""


def once(body: str) -> dict:
    env = {**os.environ, "COHORT_ENV": "development", "PYTHONDONTWRITEBYTECODE": "0"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE.format(body=body, heavy=HEAVY)],
        capture_output=True, text=True, check=True, cwd=ROOT, env=env,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    once(COHORT)  # compiled bytecode in place, as a deployed service has it
    bare = statistics.median(once(BARE)["cpu"] for _ in range(args.runs))
    runs = [once(COHORT) for _ in range(args.runs)]
    app = statistics.median(r["cpu"] for r in runs)
    heavy = sorted({m for r in runs for m in r["heavy"]})
    ratio = app / bare
    met = ratio <= GOAL and not heavy
    print(f"Start-up, CPU time in a fresh process (median of {args.runs})")
    print(f"  bare Flask app         {bare * 1000:7.0f} ms")
    print(
        f"  create_app()           {app * 1000:7.0f} ms  = {ratio:4.1f}× bare (goal ≤ {GOAL:.0f}×)  "
        f"{'met' if ratio <= GOAL else 'MISSED'}"
    )
    print("  file-building libraries imported: " + (", ".join(heavy) + "  MISSED" if heavy else "none  met"))
    print(f"\nstartup: {'every goal met' if met else 'FAILED (see above)'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
