"""`flask backup create | verify | restore` (docs/backups.md).

A few lines of their own on success; on any problem one clear line on standard error and
exit status 1 (verify lists what does not match, one line each), never a traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from cohort.cli_helpers import fail

from .common import BackupError, Settings, first_line
from .service import FOLDER_NAMES, create_backup, restore_backup, verify_backup

T = TypeVar("T")
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MAX_PROBLEMS_SHOWN = 20

backup_cli = AppGroup(
    "backup", help="Back up, check and restore the database and the files (docs/backups.md)."
)


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except BackupError as error:
        fail(str(error))
    except PermissionError as error:
        fail(f"Permission denied: {error.filename or error}.")
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        fail(f"{error.strerror or error}{where}.")
    except (SQLAlchemyError, sqlite3.Error) as error:
        fail(f"Database error: {first_line(error)}.")
    raise AssertionError("unreachable")


def _settings() -> Settings:
    return _run(lambda: Settings.from_app(current_app))


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _made(manifest: dict) -> str:
    database = manifest["database"]
    when = str(manifest.get("created_at", "?")).replace("T", " ").replace("Z", " UTC")
    return (
        f"made {when} by Cohort {manifest.get('cohort_version', '?')} from {KINDS[database['kind']]}, "
        f"schema revision {database.get('alembic_revision')}"
    )


@backup_cli.command("create")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the archive in (default: instance/backups).",
)
def create_command(out: Path | None) -> None:
    """Write one archive (mode 0600) of the database, the import uploads and the reports."""
    settings = _settings()
    created = _run(lambda: create_backup(settings, out))
    manifest = created.manifest
    folders = manifest["folders"]
    click.echo(f"Backup written: {created.path} ({_size(created.size)}, readable by its owner only)")
    click.echo(
        f"Database: {KINDS[manifest['database']['kind']]}, {len(manifest['tables'])} tables, "
        f"{created.rows:,} rows, schema revision {manifest['database']['alembic_revision']}"
    )
    click.echo(
        "Files: "
        + ", ".join(
            f"{folders[name]['files']} from the {FOLDER_NAMES[name]} ({folders[name]['source']})"
            for name in folders
        )
    )
    click.echo(f"Took {created.seconds:.1f} s. Check it with: flask backup verify {created.path}")


@backup_cli.command("verify")
@click.argument("file", type=click.Path(path_type=Path))
def verify_command(file: Path) -> None:
    """Check an archive: every file's SHA-256, and its database restored into a scratch copy."""
    settings = _settings()
    verified = _run(lambda: verify_backup(settings, file))
    click.echo(f"Checking {file.name}: {_made(verified.manifest)}")
    if verified.ok:
        click.echo(
            f"Files: {verified.files} files ({_size(verified.bytes)}), sizes and SHA-256 match the manifest"
        )
        click.echo(
            f"Database: restored into a scratch copy: {verified.tables} tables, {verified.rows:,} rows, row counts "
            f"and checksums match the manifest; {verified.integrity}"
        )
        assert verified.schema is not None
        after = f": once it is restored, {verified.schema.next_step}" if verified.schema.next_step else ""
        click.echo(f"Schema: {verified.schema.description}{after}")
        click.echo(f"The backup is good ({verified.seconds:.1f} s).")
        return
    for problem in verified.problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"Problem: {problem}", err=True)
    if len(verified.problems) > MAX_PROBLEMS_SHOWN:
        click.echo(f"… and {len(verified.problems) - MAX_PROBLEMS_SHOWN} more.", err=True)
    fail(f"The backup is NOT good: {len(verified.problems)} problem(s). Do not rely on it.")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that has data, and files that differ.")
def restore_command(file: Path, force: bool) -> None:
    """Put an archive's database and files back in place of the configured ones."""
    settings = _settings()
    restored = _run(lambda: restore_backup(settings, file, force=force))
    click.echo(f"Restored {file.name} ({_made(restored.manifest)}) into {restored.target}")
    replaced = f" (in place of {restored.replaced_rows:,} rows)" if restored.replaced_rows else ""
    click.echo(
        f"Database: {restored.tables} tables, {restored.rows:,} rows{replaced}; row counts and checksums match the backup"
    )
    if restored.dropped_tables:
        click.echo(f"Dropped tables the backup does not have: {', '.join(restored.dropped_tables)}")
    click.echo(
        "Files: "
        + ", ".join(
            f"{restored.files_written[name]} written to {restored.folders[name]}"
            + (
                f" ({restored.files_unchanged[name]} already the same)"
                if restored.files_unchanged[name]
                else ""
            )
            for name in restored.files_written
        )
    )
    assert restored.schema is not None
    schema = restored.schema
    if schema.state == "unknown":
        fail(f"Restored, but the schema is {schema.description}: {schema.next_step}.")
    step = f": {schema.next_step} now" if schema.next_step else ""
    click.echo(f"Schema: {schema.description}{step}. Took {restored.seconds:.1f} s.")
