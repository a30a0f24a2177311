"""`flask build-reports`: a cohort's report files written to disk, for sending to departments."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from cohort.cli_helpers import fail, find_cohort
from cohort.extensions import db
from cohort.models import Department
from cohort.models.base import utcnow

from . import cohort_report


def _department(code: str) -> Department:
    department = db.session.scalar(
        select(Department).where(func.upper(Department.code) == code.strip().upper())
    )
    if department is None:
        known = (
            ", ".join(db.session.scalars(select(Department.code).order_by(Department.code)).all()) or "none"
        )
        fail(f"There is no department with the code '{code}'. Departments: {known}.")
    return department


def write_files(folder: Path, found: dict[str, bytes]) -> list[Path]:
    """Write each file whole or not at all (a temporary name, then a rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in found.items():
        path = folder / name
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(body)
        partial.replace(path)
        written.append(path)
    return written


@click.command("build-reports")
@click.option("--cohort", "slug", required=True, help="The cohort's short name (as in its address).")
@click.option("--department", "code", default=None, help="Only this department's outcome report (its code).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write to (default: REPORTS_FOLDER, reports/); a folder per cohort inside it.",
)
@with_appcontext
def build_reports_command(slug: str, code: str | None, out: Path | None) -> None:
    """Write a cohort's completion report (CSV, XLSX, PDF) and department outcome reports."""
    from . import department as department_report

    cohort = find_cohort(slug)
    only = _department(code) if code else None
    folder = (out or Path(current_app.config["REPORTS_FOLDER"])) / cohort.slug
    at = utcnow()
    found: dict[str, bytes] = {}
    if only is None:
        found.update(cohort_report.all_files(cohort_report.build(cohort, at)))
    found.update(department_report.files_for_cohort(cohort, at, only))
    written = write_files(folder, found)
    for path in written:
        click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes)")
    click.echo(f"{len(written)} report file(s) for {cohort.name} in {folder}.")
