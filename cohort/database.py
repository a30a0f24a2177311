"""Engine set-up: SQLite tuned for a web server; PostgreSQL needs nothing extra.

SQLite: WAL journal (readers do not block the writer), foreign keys enforced,
a busy timeout, and write transactions that take the write lock when they
begin. Python's sqlite3 otherwise starts a *deferred* transaction, and a
transaction that reads and then tries to write fails at once with "database
is locked" when another writer got there first, whatever the busy timeout.
So we take over BEGIN: requests that may write (anything but GET/HEAD/OPTIONS,
and every CLI command) begin with BEGIN IMMEDIATE and wait their turn;
page views begin a plain deferred transaction and never block each other.
A page view that must write (a session's "last used" time, the return from a
single sign-on provider, which is a GET) says so with `writing()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(app: Flask, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_timeout_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if has_request_context() and request.method in READ_ONLY_METHODS and not g.get("writing"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def writing() -> Iterator[None]:
    """A transaction that writes inside a page view (a GET): the read transaction so far ends, and
    the next one begins as a write (BEGIN IMMEDIATE on SQLite, waiting its turn, rather than a read
    that fails at once when it tries to write). The caller commits inside the block."""
    from cohort.extensions import db

    db.session.commit()
    g.writing = True
    try:
        yield
    finally:
        g.writing = False


def is_model_table(name: str | None, type_: str, parent_names: object = None) -> bool:
    """For Alembic's autogenerate and the migrations test: False for the tables (and their
    indexes) that the migrations make but no model describes, which are not to be dropped:
    audit_maintenance opens the append-only audit trail's narrow exception on SQLite
    (docs/decisions/0005-append-only-audit-trail.md); jobs_* are huey's queue on PostgreSQL
    (migration 0008, docs/messages.md), owned by huey."""
    not_ours = bool(name) and (name == "audit_maintenance" or str(name).startswith("jobs_"))
    return not (type_ in {"table", "index"} and not_ours)
