"""The backup archive (docs/backups.md): one .tar.gz, readable by its owner only, holding
manifest.json first, then the database copy and the two folders' files:

    manifest.json
    database/cohort.sqlite3        (SQLite: the VACUUM INTO copy)  or
    database/cohort.pgdump         (PostgreSQL: pg_dump -Fc)
    files/imports/…                (IMPORT_UPLOAD_FOLDER)
    files/reports/…                (REPORTS_FOLDER)

The manifest lists every other member with its size and SHA-256; reading an archive checks
each one against it, and refuses members it does not list, links, and names that would
escape the folder they are restored into.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .common import BackupError

FORMAT = "cohort-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/cohort.sqlite3", "postgresql": "database/cohort.pgdump"}
FOLDER_PREFIXES = {"imports": "files/imports/", "reports": "files/reports/"}
_MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SAFE_PART = re.compile(r"^[^\x00-\x1f/\\]+$")


@dataclass(frozen=True)
class Entry:
    """A member of the archive as the manifest lists it."""

    path: str
    size: int
    sha256: str
    mode: int = 0o600

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256, "mode": f"{self.mode:04o}"}


@dataclass
class Extracted:
    """An archive read into a scratch folder: its manifest, where each checked file now is,
    and what did not match."""

    manifest: dict[str, Any]
    entries: dict[str, Entry]
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.manifest["database"]["kind"]]

    def folder_entries(self, folder: str) -> list[Entry]:
        prefix = FOLDER_PREFIXES[folder]
        return [entry for path, entry in sorted(self.entries.items()) if path.startswith(prefix)]


def copy_hashed(source: IO[bytes], destination: IO[bytes] | None) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if destination is not None:
            destination.write(chunk)
    return size, digest.hexdigest()


def hash_file(path: Path) -> tuple[int, str]:
    with path.open("rb") as source:
        return copy_hashed(source, None)


def write_archive(destination: Path, manifest: dict[str, Any], members: list[tuple[Entry, Path]]) -> None:
    """Write the archive whole or not at all, mode 0600 from the first byte."""
    partial = destination.with_name(f".{destination.name}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
                tar.addfile(_info(MANIFEST, len(body), 0o600), BytesIO(body))
                for entry, path in members:
                    with path.open("rb") as source:
                        tar.addfile(_info(entry.path, entry.size, entry.mode), source)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _info(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode & 0o777
    info.mtime = int(time.time())
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _safe_path(path: Any) -> bool:
    if not isinstance(path, str) or not path:
        return False
    parts = PurePosixPath(path).parts
    if path.startswith("/") or any(part in {"", ".", ".."} or not _SAFE_PART.match(part) for part in parts):
        return False
    return path in DATABASE_MEMBERS.values() or any(
        path.startswith(prefix) and len(path) > len(prefix) for prefix in FOLDER_PREFIXES.values()
    )


def _entries(manifest: Any, name: str) -> dict[str, Entry]:
    def bad(why: str) -> BackupError:
        return BackupError(f"{name} is not a Cohort backup this version can read: its manifest {why}.")

    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{name} is not a Cohort backup (its manifest.json is not one).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise bad(
            f"has format version {manifest.get('format_version')!r}, this Cohort reads {FORMAT_VERSION}"
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("kind") not in DATABASE_MEMBERS:
        raise bad("names no database kind")
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(t, dict) and isinstance(t.get("rows"), int) and isinstance(t.get("sha256"), str)
        for t in tables.values()
    ):
        raise bad("has no valid table list")
    entries: dict[str, Entry] = {}
    listed = manifest.get("files")
    if not isinstance(listed, list):
        raise bad("has no file list")
    for item in listed:
        path = item.get("path") if isinstance(item, dict) else None
        if not isinstance(path, str) or not _safe_path(path) or path in entries:
            raise bad(f"lists a file it may not: {path!r}")
        try:
            entries[path] = Entry(
                path, int(item["size"]), str(item["sha256"]), int(str(item.get("mode", "600")), 8)
            )
        except (KeyError, TypeError, ValueError):
            raise bad(f"has an unreadable entry for {path}") from None
    if DATABASE_MEMBERS[database["kind"]] not in entries:
        raise bad("lists no database file")
    return entries


def extract(archive: Path, scratch: Path) -> Extracted:
    """Read the archive once, copying each listed member into `scratch` while checking its
    size and SHA-256. Unreadable archives raise BackupError; members that do not match the
    manifest are listed in `problems`."""
    name = archive.name
    if not archive.exists():
        raise BackupError(f"There is no file {archive}.")
    if archive.is_dir():
        raise BackupError(f"{archive} is a folder, not a backup file.")
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{name} is not a Cohort backup (it does not start with manifest.json).")
            if first.size > _MAX_MANIFEST_BYTES:
                raise BackupError(f"{name} is not a Cohort backup (its manifest is too large).")
            handle = tar.extractfile(first)
            assert handle is not None
            try:
                manifest = json.loads(handle.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise BackupError(f"{name} is not a Cohort backup (its manifest.json is not JSON).") from None
            entries = _entries(manifest, name)
            found = Extracted(manifest, entries)
            number = 0
            while (member := tar.next()) is not None:
                number += 1
                entry = entries.get(member.name)
                if entry is None or member.name in found.files:
                    found.problems.append(f"{member.name}: in the archive but not in its manifest")
                    continue
                if not member.isfile():
                    found.problems.append(f"{member.name}: not a plain file")
                    continue
                source = tar.extractfile(member)
                assert source is not None
                local = scratch / f"{number:06d}"
                with local.open("xb") as out:
                    size, digest = copy_hashed(source, out)
                if size != entry.size or digest != entry.sha256:
                    found.problems.append(
                        f"{entry.path}: its size or SHA-256 does not match the manifest "
                        "(the file has been changed or damaged)"
                    )
                found.files[entry.path] = local
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(
            f"{name} is not a readable backup archive (damaged or not a .tar.gz: {error})."
        ) from None
    for path in entries:
        if path not in found.files and not any(p.startswith(f"{path}:") for p in found.problems):
            found.problems.append(f"{path}: listed in the manifest but missing from the archive")
    return found


def place(source: Path, target: Path, mode: int) -> None:
    """Put a file in place whole (a temporary name beside it, then a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restore-part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode & 0o777)
    try:
        os.fchmod(descriptor, mode & 0o777)
        with os.fdopen(descriptor, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, _CHUNK)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def inside(folder: Path, relative: str) -> Path:
    """Where a member goes under a folder; refuses anything that would land outside it."""
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise BackupError(f"The backup lists a file outside its folder: {relative}.")
    return target
