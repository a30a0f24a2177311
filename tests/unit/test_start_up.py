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


def test_creating_the_app_leaves_alembic_to_the_migration_commands():
    """Alembic is imported by `flask db …`, the readiness probe and backups, not by every
    worker at start-up; the app still knows where its migrations are."""
    code = (
        "from cohort import create_app\napp = create_app()\nimport sys\n"
        "print('alembic' in sys.modules, app.extensions['migrate'].directory.endswith('migrations'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["False", "True"]


def test_the_migration_commands_are_listed_and_run(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "FLASK_APP": "cohort",
        "COHORT_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cohort.db'}",
    }
    flask = [sys.executable, "-m", "flask"]
    listed = subprocess.run([*flask, "db", "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert "upgrade" in listed.stdout and "--directory" in listed.stdout
    subprocess.run([*flask, "db", "upgrade"], check=True, capture_output=True, env=env, timeout=300)
    current = subprocess.run([*flask, "db", "current"], capture_output=True, text=True, env=env, timeout=120)
    assert "(head)" in current.stdout
