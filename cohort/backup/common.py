"""What the backup modules share: the one-line error, and where things are (docs/backups.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """Something the person running the command must be told, in one line; nothing was changed
    unless the message says so."""


@dataclass(frozen=True)
class Settings:
    """Where the database and the folders of one installation are."""

    database_url: str  # a SQLAlchemy URL, password included (never printed: see safe_url)
    uploads_folder: Path  # IMPORT_UPLOAD_FOLDER, or instance/imports
    reports_folder: Path  # REPORTS_FOLDER
    backups_folder: Path  # default --out: instance/backups
    migrations_folder: Path

    @classmethod
    def from_app(cls, app: Flask) -> Settings:
        from cohort.extensions import db

        with app.app_context():
            url = db.engine.url.render_as_string(hide_password=False)
        instance = Path(app.instance_path)
        migrate = app.extensions.get("migrate")
        return cls(
            database_url=url,
            uploads_folder=Path(app.config.get("IMPORT_UPLOAD_FOLDER") or instance / "imports").resolve(),
            reports_folder=Path(app.config.get("REPORTS_FOLDER") or "reports").resolve(),
            backups_folder=(instance / "backups").resolve(),
            migrations_folder=Path(
                migrate.directory if migrate is not None else Path(__file__).parents[2] / "migrations"
            ).resolve(),
        )

    @property
    def url(self) -> URL:
        return make_url(self.database_url)

    @property
    def kind(self) -> str:
        return database_kind(self.url)


def database_kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups work on SQLite and PostgreSQL, not {backend}.")
    return backend


def safe_url(url: URL | str) -> str:
    """The address to show people: never the password."""
    return make_url(url).render_as_string(hide_password=True)


def first_line(error: BaseException) -> str:
    """The useful line of a driver's or tool's error."""
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__
