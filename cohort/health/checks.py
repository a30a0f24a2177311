"""What /readyz checks, and the one line that says the database cannot be reached."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

OK = "ok"


def describe_database(url: str | URL) -> str:
    """host:port/dbname, never the user's password (SQLite: the file)."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    port = url.port or {"postgresql": 5432}.get(url.get_backend_name()) or ""
    return f"{url.host or 'localhost'}:{port}/{url.database or ''}"


def reason(error: BaseException) -> str:
    """The driver's own words on one line (psycopg's run over several)."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split()) or type(original).__name__


def unreachable_message(url: str | URL, error: BaseException) -> str:
    return f"Database not reachable at {describe_database(url)} (password hidden): {reason(error)}"


def is_unreachable(error: BaseException) -> bool:
    """A failure to connect (no statement was run) or a connection lost mid-request."""
    return isinstance(error, DBAPIError) and (error.statement is None or error.connection_invalidated)


def database_problem(engine: Engine) -> SQLAlchemyError | None:
    """None if the database answers SELECT 1, else the error."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return error
    return None


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code (read once)."""
    from alembic.script import ScriptDirectory  # Alembic at the first probe, not at start-up

    return frozenset(ScriptDirectory(directory).get_heads())


def _folder_writable(folder: Path) -> bool:
    """The folder exists or can be made, and a file can be written in it (then removed)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-"):
            pass
    except OSError:
        return False
    return True


def readiness(app: Flask, engine: Engine) -> tuple[bool, dict[str, str], SQLAlchemyError | None]:
    """Each check's result ("ok" or what is wrong, in words an operator can act on), and the
    database error if there was one."""
    checks: dict[str, str] = {}
    database_error: SQLAlchemyError | None = None
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"] = OK
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        database_error = error
        checks["database"] = "not reachable" if is_unreachable(error) else "failed"
        checks["migrations"] = "not checked: no database"
    else:
        expected = migration_heads(app.extensions["migrate"].directory)
        if current == expected:
            checks["migrations"] = OK
        else:
            checks["migrations"] = (
                f"database at {', '.join(sorted(current)) or 'no revision'}, "
                f"code needs {', '.join(sorted(expected))}: run flask db upgrade"
            )
    # The nominations upload folder, as cohort/nominations/storage.py finds it.
    uploads = Path(app.config.get("IMPORT_UPLOAD_FOLDER") or Path(app.instance_path) / "imports")
    checks["import_folder"] = OK if _folder_writable(uploads) else "not writable"
    checks["reports_folder"] = OK if _folder_writable(Path(app.config["REPORTS_FOLDER"])) else "not writable"
    return all(value == OK for value in checks.values()), checks, database_error
