"""Starting the app does not load the libraries that build files (docs/architecture.md §10):
WeasyPrint, matplotlib, pandas and openpyxl cost seconds and memory in every web worker, command
and test app, and are imported where a PDF, chart or spreadsheet is built."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("weasyprint", "matplotlib", "pandas", "openpyxl")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    return [m for m in out.split(",") if m]


def test_creating_the_app_imports_no_file_building_library():
    assert _loaded_after("from cohort import create_app\ncreate_app()") == []


def test_the_worker_registry_imports_no_file_building_library():
    assert _loaded_after("import cohort.jobs.registry") == []
