"""Uploaded nominations files, kept on the server between the preview and the confirm.

Each upload is written to instance/imports/<random token>.bin (readable by the
service only; IMPORT_UPLOAD_FOLDER in the config moves the folder); the person's signed session holds the token with the cohort,
the file's name and its SHA-256, so a confirm imports exactly the file that was
previewed. Files are deleted once imported, when replaced by another upload,
and in any case after a day (checked on every upload).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app, session

log = logging.getLogger("cohort.imports")

SESSION_KEY = "pending_import"
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_SUFFIX = ".bin"


@dataclass(frozen=True)
class PendingImport:
    token: str
    cohort_id: int
    filename: str
    sha256: str
    size: int


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _folder() -> Path:
    # IMPORT_UPLOAD_FOLDER lets tests (or a deployment) put the files elsewhere.
    folder = Path(
        current_app.config.get("IMPORT_UPLOAD_FOLDER") or Path(current_app.instance_path) / "imports"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    return _folder() / f"{token}{_SUFFIX}"


def remove_stale(now: float | None = None) -> int:
    """Delete uploads older than a day; returns how many."""
    cutoff = (now if now is not None else time.time()) - KEEP_SECONDS
    removed = 0
    for path in _folder().glob(f"*{_SUFFIX}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another worker removed it first
    if removed:
        log.info("removed %d nominations upload(s) older than a day", removed)
    return removed


def _write(data: bytes) -> str:
    token = secrets.token_urlsafe(32)
    path = _path(token)
    assert path is not None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return token


def _read(token: str) -> bytes | None:
    path = _path(token)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None


def _delete(token: str) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)


# The session's pending import -------------------------------------------------------


def keep(cohort_id: int, filename: str, data: bytes) -> PendingImport:
    """Store an upload as the session's pending import, replacing any earlier one."""
    remove_stale()
    discard()
    pending = PendingImport(
        token=_write(data),
        cohort_id=cohort_id,
        filename=filename[:200],
        sha256=digest(data),
        size=len(data),
    )
    session[SESSION_KEY] = asdict(pending)
    return pending


def pending() -> PendingImport | None:
    """The session's pending import, if its record is well formed."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    try:
        return PendingImport(
            token=str(stored["token"]),
            cohort_id=int(stored["cohort_id"]),
            filename=str(stored["filename"]),
            sha256=str(stored["sha256"]),
            size=int(stored["size"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def load(item: PendingImport) -> bytes | None:
    """The stored file, or None when it is gone (over a day old) or not the file that
    was uploaded (its SHA-256 no longer matches)."""
    data = _read(item.token)
    if data is None or digest(data) != item.sha256:
        return None
    return data


def discard() -> None:
    """Forget the session's pending import and delete its file."""
    stored = session.pop(SESSION_KEY, None)
    if isinstance(stored, dict) and "token" in stored:
        _delete(str(stored["token"]))
