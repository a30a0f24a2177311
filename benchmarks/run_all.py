"""Every benchmark, one after another, then a line per benchmark saying whether it met its goals.

    make bench                                  # the Makefile runs this
    python benchmarks/run_all.py
    python benchmarks/run_all.py --only startup throughput

Each benchmark is a script of its own (runnable alone, printing its figures and verdicts and
exiting 1 when a goal is missed); this runs them all even when one misses, prints each one's
output as it comes, and exits 1 at the end if any missed or failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# In the order they run; a benchmark not (yet) in the checkout is said to be missing.
BENCHMARKS = [
    "startup",
    "pages",
    "import_nominations",
    "attendance",
    "cohort_scale",
    "reports",
    "throughput",
    "load",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run just these")
    args = parser.parse_args()
    chosen = args.only or BENCHMARKS
    results: list[tuple[str, str, float]] = []
    for name in chosen:
        script = HERE / f"{name}.py"
        if not script.exists():
            results.append((name, "missing", 0.0))
            continue
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        results.append((name, "met" if code == 0 else f"MISSED (exit {code})", time.monotonic() - started))
    print("\n=== summary " + "=" * 53)
    for name, verdict, seconds in results:
        print(f"  {name:<20} {verdict:<20} {seconds:6.0f} s")
    failed = [name for name, verdict, _ in results if verdict != "met"]
    print(f"\nbench: {'every benchmark met its goals' if not failed else 'missed: ' + ', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
