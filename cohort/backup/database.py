"""The database half of a backup (docs/backups.md): a consistent copy, its row counts and
checksums, and putting it back.

SQLite: `VACUUM INTO` a new file (a consistent snapshot while the service runs), and the
sqlite3 online backup API to put it back. PostgreSQL: `pg_dump -Fc` on a snapshot that the
row counts and checksums are taken from too, `pg_restore` to put it back. The connection
details go to pg_dump and pg_restore as libpq environment variables (PGPASSWORD among
them), never on their command line.

The checksum of a table is the SHA-256 of its sorted column names, then one JSON line per
row in primary-key order, each value normalised (times in UTC, booleans, JSON re-serialised
with sorted keys), so SQLite and PostgreSQL copies of the same rows give the same text.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import column, create_engine, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric

from .common import BackupError, first_line, safe_url

# Tables whose rows say nothing about the data: a database is "empty" with rows in these.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "audit_maintenance"})
CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


@dataclass(frozen=True)
class Snapshot:
    """What was read from the database when its copy was made."""

    tables: dict[str, TableSum]
    revision: str | None
    triggers: list[str]
    server_version: str


# Row counts and checksums


def _normalise(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, DateTime) or isinstance(value, datetime):
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(sep=" ", timespec="microseconds")
    if isinstance(kind, Date) or isinstance(value, date):
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(kind, JSON):
        return json.loads(value) if isinstance(value, str | bytes) else value
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Numeric) or isinstance(value, Decimal):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(kind, Integer) and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if isinstance(kind, LargeBinary) or isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    return value


def _row_line(values: list[Any]) -> bytes:
    return (
        json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str) + "\n"
    ).encode("utf-8")


def fingerprint(connection: Connection) -> dict[str, TableSum]:
    """Every table's row count and checksum, read in the connection's current transaction."""
    inspector = inspect(connection)
    sums: dict[str, TableSum] = {}
    for name in sorted(inspector.get_table_names()):
        columns = {info["name"]: info["type"] for info in inspector.get_columns(name)}
        names = sorted(columns)
        key = inspector.get_pk_constraint(name).get("constrained_columns") or names
        rows_of = table(name, *(column(n) for n in names))  # untyped: raw values, normalised here
        kinds = [columns[n] for n in names]
        digest = hashlib.sha256(_row_line(names))
        count = 0
        result = connection.execution_options(yield_per=2000).execute(
            select(*(rows_of.c[n] for n in names)).order_by(*(rows_of.c[n] for n in key))
        )
        for row in result:
            digest.update(
                _row_line([_normalise(value, kind) for value, kind in zip(row, kinds, strict=True)])
            )
            count += 1
        sums[name] = TableSum(count, digest.hexdigest())
    return sums


def revision_of(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = sorted(connection.scalars(text("SELECT version_num FROM alembic_version")).all())
    return ",".join(versions) or None


def triggers_of(connection: Connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace"
        )
    return sorted(connection.scalars(text(query)).all())


def rows_in(connection: Connection) -> tuple[int, int]:
    """(rows, tables with rows) outside the bookkeeping tables: 0 rows means an empty database."""
    rows = tables = 0
    for name in inspect(connection).get_table_names():
        if name in BOOKKEEPING_TABLES:
            continue
        count = connection.scalar(select(text("count(*)")).select_from(table(name))) or 0
        rows += count
        tables += 1 if count else 0
    return rows, tables


def engine_for(url: URL) -> Engine:
    if url.get_backend_name() == "postgresql":
        return create_engine(
            url, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        )
    return create_engine(url, poolclass=NullPool)


@contextlib.contextmanager
def connected(url: URL) -> Iterator[Connection]:
    """A connection, or a BackupError that says which database could not be reached and why."""
    engine = engine_for(url)
    try:
        try:
            connection = engine.connect()
        except SQLAlchemyError as error:
            message = first_line(error)
            hint = ""
            if url.database and f'database "{url.database}" does not exist' in message:
                hint = f" Create it first (createdb {url.database})."
            raise BackupError(f"Cannot connect to the database {safe_url(url)}: {message}.{hint}") from None
        with connection:
            yield connection
    finally:
        engine.dispose()


def read_snapshot(connection: Connection, server_version: str) -> Snapshot:
    return Snapshot(
        tables=fingerprint(connection),
        revision=revision_of(connection),
        triggers=triggers_of(connection),
        server_version=server_version,
    )


# SQLite


def sqlite_file(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError(
            "The database is an in-memory SQLite database: there is nothing on disk to back up."
        )
    return Path(database).resolve()


def sqlite_copy(source: Path, destination: Path) -> Snapshot:
    """A consistent copy of a live SQLite database (VACUUM INTO), checked and summed."""
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    try:
        live = sqlite3.connect(source, isolation_level=None, timeout=30)
        try:
            live.execute("VACUUM INTO ?", (str(destination),))
        finally:
            live.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {source}: {error}.") from None
    problems = sqlite_integrity(destination)
    if problems:
        raise BackupError(f"The database {source} fails SQLite's integrity check: {problems[0]}.")
    return sqlite_snapshot(destination)


def sqlite_snapshot(path: Path) -> Snapshot:
    engine = create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return read_snapshot(connection, sqlite3.sqlite_version)
    finally:
        engine.dispose()


def sqlite_integrity(path: Path) -> list[str]:
    """What SQLite's integrity and foreign key checks find wrong (nothing: an empty list)."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            problems = [] if found == ["ok"] else found
            for child, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
                problems.append(f"row {rowid} of {child} refers to a missing row of {parent}")
            return problems
        finally:
            connection.close()
    except sqlite3.Error as error:
        return [f"not a usable SQLite database ({error})"]


def sqlite_put_back(copy: Path, target: Path) -> None:
    """Replace the target database's contents with the copy's, page by page, through SQLite
    (the online backup API): safe with the WAL file, and with other connections waiting."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(copy)
        destination = sqlite3.connect(target, timeout=30)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not write {target}: {error}.") from None


# PostgreSQL

_LIBPQ_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def libpq_environment(url: URL, database: str | None = None) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: the connection as PG* variables, so the
    password is never on a command line (where `ps` shows it) nor in a message."""
    env = dict(os.environ)  # PG* variables already set apply, as they do to the service's own driver
    for key, value in url.query.items():
        if key in _LIBPQ_QUERY_ENV and isinstance(value, str):
            env[_LIBPQ_QUERY_ENV[key]] = value
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env["PGDATABASE"] = database or url.database or ""
    env.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_SECONDS))
    env.setdefault("PGAPPNAME", "cohort-backup")
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (or not on PATH): on Debian, apt install postgresql-client "
            "(the same major version as the server, or newer)."
        )
    return found


def _tool_error(name: str, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line] or lines or [f"{name} failed"]
    line = errors[0]
    for prefix in (f"{name}: error: ", f"{name}: "):
        if line.startswith(prefix):
            line = line[len(prefix) :]
    return line.rstrip(".")


def postgresql_dump(url: URL, destination: Path) -> Snapshot:
    """pg_dump -Fc, and the row counts and checksums, from one snapshot of the database."""
    pg_dump = _tool("pg_dump")
    with connected(url) as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            exported = connection.scalar(text("SELECT pg_export_snapshot()"))
            server_version = connection.scalar(text("SHOW server_version")) or ""
            with tempfile.TemporaryFile() as stderr:
                process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                    [
                        pg_dump,
                        "--format=custom",
                        "--no-password",
                        f"--snapshot={exported}",
                        f"--file={destination}",
                    ],
                    env=libpq_environment(url),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
                try:
                    snapshot = read_snapshot(connection, server_version)  # while pg_dump runs
                except BaseException:
                    process.kill()
                    process.wait()
                    raise
                code = process.wait()
                stderr.seek(0)
                if code != 0:
                    message = _tool_error("pg_dump", stderr.read().decode("utf-8", "replace"))
                    raise BackupError(f"pg_dump could not dump {safe_url(url)}: {message}.")
    return snapshot


def pg_restore(url: URL, dump: Path, *, clean: bool) -> None:
    """Load a custom-format dump into the database in one transaction: all of it, or nothing."""
    arguments = [
        _tool("pg_restore"),
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
    ]
    if clean:
        arguments += ["--clean", "--if-exists"]
    else:
        arguments += ["--no-privileges"]  # a scratch copy: the roles granted to may not exist here
    env = libpq_environment(url)
    # A running service's open transactions would make DROP TABLE wait for ever: give up instead.
    env.setdefault("PGOPTIONS", "-c lock_timeout=30s")
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [*arguments, f"--dbname={url.database}", str(dump)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = _tool_error("pg_restore", result.stderr)
        hint = " Stop the service first (it holds the tables)." if "lock timeout" in message else ""
        raise BackupError(f"pg_restore could not load the backup into {safe_url(url)}: {message}.{hint}")


@contextlib.contextmanager
def scratch_postgresql_database(url: URL) -> Iterator[URL]:
    """A new, empty database on the same server, dropped afterwards (for `backup verify`)."""
    name = f"{(url.database or 'cohort')[:40]}_verify_{secrets.token_hex(4)}"
    server = engine_for(url.set(database="postgres"))
    try:
        try:
            with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        except SQLAlchemyError as error:
            raise BackupError(
                f"Cannot create a scratch database on {safe_url(url.set(database='postgres'))} to check the "
                f"backup in: {first_line(error)}. Run verify as a role that may create databases (CREATEDB)."
            ) from None
        try:
            yield url.set(database=name)
        finally:
            with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def postgresql_snapshot(url: URL) -> Snapshot:
    with connected(url) as connection, connection.begin():
        return read_snapshot(connection, connection.scalar(text("SHOW server_version")) or "")


def drop_tables(url: URL, names: list[str]) -> None:
    with connected(url) as connection, connection.begin():
        for name in names:
            connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
