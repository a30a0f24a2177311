"""Backups that restore (docs/backups.md): create, verify and restore, as plain functions of
the installation's Settings, so they run the same from `flask backup` and from the tests."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from .archive import (
    DATABASE_MEMBERS,
    FOLDER_PREFIXES,
    FORMAT,
    FORMAT_VERSION,
    Entry,
    Extracted,
    copy_hashed,
    extract,
    hash_file,
    inside,
    place,
    write_archive,
)
from .common import BackupError, Settings, safe_url
from .database import (
    BOOKKEEPING_TABLES,
    Snapshot,
    connected,
    drop_tables,
    pg_restore,
    postgresql_dump,
    postgresql_snapshot,
    rows_in,
    scratch_postgresql_database,
    sqlite_copy,
    sqlite_file,
    sqlite_integrity,
    sqlite_put_back,
    sqlite_snapshot,
)

FOLDER_NAMES = {"imports": "import upload folder", "reports": "reports folder"}


def cohort_version() -> str:
    try:
        return metadata.version("cohort")
    except metadata.PackageNotFoundError:
        return "unknown"


def _folder(settings: Settings, name: str) -> Path:
    return settings.uploads_folder if name == "imports" else settings.reports_folder


# Create


@dataclass
class Created:
    path: Path
    size: int
    manifest: dict[str, Any]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())


def _stage_folder(folder: Path, prefix: str, staging: Path, out: Path) -> list[tuple[Entry, Path]]:
    """Copy a folder's regular files aside, hashing them: the archive then holds exactly what
    was read, even if the service changes a file meanwhile. Files that vanish are left out,
    and so is the backup folder when it is inside this one."""
    if not folder.is_dir():
        return []
    folder = folder.resolve()
    if out == folder:
        raise BackupError(f"Write backups outside {folder}, which is itself backed up: choose another --out.")
    skip = out if out.is_relative_to(folder) else None
    staging.mkdir(mode=0o700)
    staged: list[tuple[Entry, Path]] = []
    for root, directories, names in os.walk(folder):
        here = Path(root)
        directories[:] = sorted(
            d for d in directories if skip is None or not (here / d).resolve().is_relative_to(skip)
        )
        for name in sorted(names):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            if name.endswith((".part", ".restore-part")) or any(ord(c) < 32 or c == "\\" for c in relative):
                continue  # a file being written, or a name that could not be restored as it is
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                mode = path.stat().st_mode & 0o777
                copy = staging / f"{len(staged):06d}"
                with path.open("rb") as source, copy.open("xb") as destination:
                    size, digest = copy_hashed(source, destination)
            except FileNotFoundError:
                continue
            staged.append((Entry(prefix + relative, size, digest, mode), copy))
    return staged


def create_backup(settings: Settings, out: Path | None = None, *, now: datetime | None = None) -> Created:
    """Write one archive of the database and both folders into `out` (default: instance/backups)."""
    started = time.monotonic()
    kind = settings.kind
    folder = (out or settings.backups_folder).resolve()
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} is a file, not a folder to write the backup in.")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    destination = folder / f"cohort-backup-{now:%Y-%m-%dT%H%M%SZ}.tar.gz"
    if destination.exists():
        raise BackupError(f"{destination} already exists: wait a second and run the command again.")

    with tempfile.TemporaryDirectory(prefix=".cohort-backup-", dir=folder) as scratch:
        staging = Path(scratch)
        copy = staging / "database"
        if kind == "sqlite":
            snapshot = sqlite_copy(sqlite_file(settings.url), copy)
        else:
            snapshot = postgresql_dump(settings.url, copy)
        size, digest = hash_file(copy)
        members: list[tuple[Entry, Path]] = [(Entry(DATABASE_MEMBERS[kind], size, digest, 0o600), copy)]
        folders: dict[str, Any] = {}
        for name, prefix in FOLDER_PREFIXES.items():
            source = _folder(settings, name)
            staged = _stage_folder(source, prefix, staging / name, out=folder)
            members += staged
            folders[name] = {
                "source": str(source),
                "files": len(staged),
                "bytes": sum(e.size for e, _ in staged),
            }
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "cohort_version": cohort_version(),
            "database": {
                "kind": kind,
                "file": DATABASE_MEMBERS[kind],
                "source": safe_url(settings.url),
                "server_version": snapshot.server_version,
                "alembic_revision": snapshot.revision,
                "triggers": snapshot.triggers,
            },
            "tables": {name: {"rows": s.rows, "sha256": s.sha256} for name, s in snapshot.tables.items()},
            "folders": folders,
            "files": [entry.as_json() for entry, _ in members],
        }
        write_archive(destination, manifest, members)
    return Created(destination, destination.stat().st_size, manifest, time.monotonic() - started)


# Checking a copy against its manifest


def compare(manifest: dict[str, Any], snapshot: Snapshot) -> list[str]:
    """What differs between the restored database and what the manifest says it held."""
    problems = []
    expected: dict[str, Any] = manifest["tables"]
    for name in sorted(expected.keys() | snapshot.tables.keys()):
        want, got = expected.get(name), snapshot.tables.get(name)
        if got is None:
            problems.append(f"table {name}: in the manifest but not in the restored database")
        elif want is None:
            problems.append(f"table {name}: in the restored database but not in the manifest")
        elif want["rows"] != got.rows:
            problems.append(f"table {name}: {got.rows:,} rows restored, the manifest says {want['rows']:,}")
        elif want["sha256"] != got.sha256:
            problems.append(f"table {name}: the rows restored differ from the manifest's checksum")
    database = manifest["database"]
    if database.get("alembic_revision") != snapshot.revision:
        problems.append(
            f"schema revision {snapshot.revision} restored, the manifest says {database.get('alembic_revision')}"
        )
    if "triggers" in database and sorted(database["triggers"]) != snapshot.triggers:
        problems.append(
            f"triggers {', '.join(snapshot.triggers) or 'none'} restored, "
            f"the manifest says {', '.join(database['triggers']) or 'none'}"
        )
    return problems


@dataclass(frozen=True)
class Schema:
    """Where a database's Alembic revision stands against this version's migrations."""

    revision: str | None
    heads: tuple[str, ...]
    state: str  # "head", "older", "unknown"

    @property
    def description(self) -> str:
        latest = ", ".join(self.heads)
        if self.state == "head":
            return f"at the latest revision ({self.revision})"
        if self.state == "older":
            return f"at {self.revision}, older than this version of Cohort ({latest})"
        return f"at {self.revision or 'no revision'}, which this version of Cohort does not know (its latest: {latest})"

    @property
    def next_step(self) -> str:
        """What to do once it is restored ("" when nothing)."""
        if self.state == "older":
            return "run `flask db upgrade`"
        if self.state == "unknown":
            return "install the version of Cohort that made the backup"
        return ""


def schema_of(revision: str | None, migrations: Path) -> Schema:
    from alembic.script import ScriptDirectory  # Alembic when a backup is read, not at start-up
    from alembic.util import CommandError

    script = ScriptDirectory(str(migrations))
    heads = tuple(script.get_heads())
    if revision is not None and set(revision.split(",")) == set(heads):
        return Schema(revision, heads, "head")
    try:
        known = revision is not None and all(script.get_revision(r) is not None for r in revision.split(","))
    except CommandError:
        known = False
    return Schema(revision, heads, "older" if known else "unknown")


# Verify


@dataclass
class Verified:
    archive: Path
    manifest: dict[str, Any]
    problems: list[str]
    files: int = 0
    bytes: int = 0
    tables: int = 0
    rows: int = 0
    database_checked: bool = False
    integrity: str = ""
    schema: Schema | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.database_checked


def _restore_scratch(settings: Settings, found: Extracted) -> tuple[Snapshot, str]:
    """Load the backup's database somewhere it harms nothing and read it back."""
    local = found.files[found.database_member]
    if found.manifest["database"]["kind"] == "sqlite":
        problems = sqlite_integrity(local)
        if problems:
            raise _NotRestorable(f"the database fails SQLite's integrity check: {problems[0]}")
        return sqlite_snapshot(local), "SQLite integrity and foreign key checks ok"
    if settings.kind != "postgresql":
        raise BackupError(
            "This is a PostgreSQL backup: checking it needs a PostgreSQL server. Set DATABASE_URL to one "
            "(as a role that may create databases) and run the command again."
        )
    with scratch_postgresql_database(settings.url) as scratch:
        try:
            pg_restore(scratch, local, clean=False)
        except BackupError as error:
            raise _NotRestorable(str(error).rstrip(".")) from None
        checked = "pg_restore loaded it in one transaction, every constraint checked"
        return postgresql_snapshot(scratch), checked


class _NotRestorable(Exception):
    pass


def verify_backup(settings: Settings, archive: Path) -> Verified:
    """Check every file against the manifest, restore the database into a scratch copy (a
    temporary file, or a temporary PostgreSQL database made and dropped here) and compare
    its row counts and checksums with the manifest's."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cohort-verify-") as scratch:
        found = extract(archive, Path(scratch))
        result = Verified(archive, found.manifest, list(found.problems))
        result.files = len(found.files)
        result.bytes = sum(found.entries[p].size for p in found.files)
        damaged = any(p.startswith(f"{found.database_member}:") for p in found.problems)
        if found.database_member in found.files and not damaged:
            try:
                snapshot, result.integrity = _restore_scratch(settings, found)
            except _NotRestorable as error:
                result.problems.append(f"database: {error}")
            else:
                result.database_checked = True
                result.tables = len(snapshot.tables)
                result.rows = sum(t.rows for t in snapshot.tables.values())
                result.problems += compare(found.manifest, snapshot)
        else:
            result.problems.append("database: not restored, as its file does not match the manifest")
    result.schema = schema_of(found.manifest["database"].get("alembic_revision"), settings.migrations_folder)
    result.seconds = time.monotonic() - started
    return result


# Restore


@dataclass
class Restored:
    archive: Path
    manifest: dict[str, Any]
    target: str
    tables: int = 0
    rows: int = 0
    replaced_rows: int = 0
    dropped_tables: list[str] = field(default_factory=list)
    files_written: dict[str, int] = field(default_factory=dict)
    files_unchanged: dict[str, int] = field(default_factory=dict)
    folders: dict[str, Path] = field(default_factory=dict)
    schema: Schema | None = None
    seconds: float = 0.0


def _rows_already_there(settings: Settings) -> tuple[int, int]:
    if settings.kind == "sqlite":
        path = sqlite_file(settings.url)
        if not path.exists() or path.stat().st_size == 0:
            return 0, 0
    with connected(settings.url) as connection, connection.begin():
        return rows_in(connection)


def _files_to_replace(settings: Settings, found: Extracted) -> tuple[int, list[tuple[Entry, Path, Path]]]:
    """(how many existing files the restore would change, and every file with its place)."""
    changed = 0
    plan = []
    for name, prefix in FOLDER_PREFIXES.items():
        folder = _folder(settings, name)
        for entry in found.folder_entries(name):
            target = inside(folder, entry.path[len(prefix) :])
            if target.exists() and (not target.is_file() or hash_file(target)[1] != entry.sha256):
                changed += 1
            plan.append((entry, found.files[entry.path], target))
    return changed, plan


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> Restored:
    """Put the backup's database and files in place of the configured ones, after checking the
    archive; refuses a database that has data (or files it would change) unless `force`."""
    started = time.monotonic()
    kind = settings.kind
    with tempfile.TemporaryDirectory(prefix="cohort-restore-") as scratch:
        found = extract(archive, Path(scratch))
        if found.problems:
            raise BackupError(
                f"{archive.name} does not match its manifest ({found.problems[0]}; {len(found.problems)} "
                f"problem(s) in all): nothing was restored. `flask backup verify {archive}` lists them."
            )
        backup_kind = found.manifest["database"]["kind"]
        if backup_kind != kind:
            raise BackupError(
                f"This is a backup of a {backup_kind} database and the configured database is {kind}: "
                f"set DATABASE_URL to a {backup_kind} database to restore it. Nothing was restored."
            )
        result = Restored(archive, found.manifest, safe_url(settings.url))
        rows, tables = _rows_already_there(settings)
        changed, plan = _files_to_replace(settings, found)
        if (rows or changed) and not force:
            what = []
            if rows:
                what.append(
                    f"the database {safe_url(settings.url)} has data ({rows:,} rows in {tables} tables)"
                )
            if changed:
                what.append(f"{changed} file(s) in the folders would be replaced")
            raise BackupError(
                f"Nothing was restored: {' and '.join(what)}. Restoring replaces it all; to go ahead, run "
                f"`flask backup restore {archive} --force` (and take a backup of what is there first)."
            )
        result.replaced_rows = rows

        local = found.files[found.database_member]
        if kind == "sqlite":
            problems = sqlite_integrity(local)
            if problems:
                raise BackupError(
                    f"The database in {archive.name} fails SQLite's integrity check ({problems[0]}): nothing was restored."
                )
            problems = compare(found.manifest, sqlite_snapshot(local))
            if problems:
                raise BackupError(
                    f"The database in {archive.name} does not match its manifest ({problems[0]}): nothing was restored."
                )
            target = sqlite_file(settings.url)
            sqlite_put_back(local, target)
            after = sqlite_snapshot(target)
        else:
            with connected(settings.url) as connection:
                present = set(inspect(connection).get_table_names())
            extra = sorted(present - found.manifest["tables"].keys() - BOOKKEEPING_TABLES)
            if extra:
                # Tables of a later schema than the backup's: they would outlive the restore.
                drop_tables(settings.url, extra)
                result.dropped_tables = extra
            try:
                pg_restore(settings.url, local, clean=True)
            except BackupError as error:
                if not extra:
                    raise
                raise BackupError(
                    f"{error} Tables the backup does not have were dropped first: {', '.join(extra)}."
                ) from None
            after = postgresql_snapshot(settings.url)
        problems = compare(found.manifest, after)
        if problems:
            raise BackupError(
                f"The database was restored but does not match the backup ({problems[0]}): "
                "do not use it; restore again, or from another backup."
            )
        result.tables = len(after.tables)
        result.rows = sum(t.rows for t in after.tables.values())

        for name in FOLDER_PREFIXES:
            result.files_written[name] = result.files_unchanged[name] = 0
            result.folders[name] = _folder(settings, name)
            if name == "imports":
                settings.uploads_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for entry, local_copy, target in plan:
            name = next(n for n, p in FOLDER_PREFIXES.items() if entry.path.startswith(p))
            if target.is_file() and hash_file(target)[1] == entry.sha256:
                result.files_unchanged[name] += 1
                continue
            place(local_copy, target, entry.mode)
            result.files_written[name] += 1
    result.schema = schema_of(after.revision, settings.migrations_folder)
    result.seconds = time.monotonic() - started
    return result
