"""The one way to change or delete audit events: `allow_audit_rewrite(reason)`.

The audit trail is append-only: database triggers (migration 0007) refuse every
UPDATE and DELETE on audit_events, from the app, from psql or sqlite3 alike. A later
erasure under UK GDPR (and the test suite's clean-up) needs a narrow, deliberate
exception, and this is it (docs/decisions/0005-append-only-audit-trail.md):

    with allow_audit_rewrite("Erasure request ER-2027-014: Jane Doe's name removed from 12 events",
                             actor=admin) as connection:
        connection.execute(update(AuditEvent).where(...).values(...))
    db.session.commit()

- It lasts for the block only, inside the caller's transaction: on PostgreSQL a
  transaction-local setting (`SET LOCAL cohort.audit_maintenance = 'on'`, undone at
  the end of the block and in any case by the end of the transaction); on SQLite a
  row in the single-row table audit_maintenance, inserted on entry and deleted on
  exit, so it is never committed. Committing inside the block is refused.
- It first writes an audit event of its own (action "allow_audit_rewrite") with the
  reason and who asked, in the same transaction: a rewrite that is committed leaves
  that record behind (unless the rewrite deletes it too, as the test clean-up that
  empties every table does).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection

from cohort.extensions import db
from cohort.models import AuditEvent, User

ACTION = "allow_audit_rewrite"
SETTING = "cohort.audit_maintenance"  # PostgreSQL
MAINTENANCE_TABLE = "audit_maintenance"  # SQLite
_ACTIVE = "cohort_audit_rewrite"  # key in Connection.info while a block is open


class AuditRewriteError(RuntimeError):
    """allow_audit_rewrite was used in a way that could leave the audit trail open."""


def _refuse_commit(connection: Connection) -> None:
    raise AuditRewriteError(
        "Commit inside allow_audit_rewrite refused: the exception must end before the transaction is "
        "committed (see docs/decisions/0005-append-only-audit-trail.md)"
    )


def _in_database_transaction(connection: Connection) -> bool:
    """Whether the database itself has a transaction open on this connection (SQLAlchemy's
    own bookkeeping says yes in AUTOCOMMIT mode too)."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    if connection.dialect.name == "sqlite":
        return bool(dbapi.in_transaction)
    status = getattr(getattr(dbapi, "info", None), "transaction_status", None)  # psycopg 3
    if status is not None:
        return int(status) != 0  # 0: IDLE, outside a transaction
    return not getattr(dbapi, "autocommit", False)


@contextmanager
def allow_audit_rewrite(
    reason: str, *, connection: Connection | None = None, actor: User | None = None
) -> Iterator[Connection]:
    """Let UPDATE and DELETE on audit_events through, for this block and this transaction only.

    `reason` says what is changed and why (it is kept in the audit event this writes,
    300 characters at most). `connection` is the transaction to open it in (default:
    the ORM session's). The block's changes are committed, or rolled back, by the
    caller after the block.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("allow_audit_rewrite needs a reason: what is changed and why")
    if connection is None:
        connection = db.session.connection()
    if connection.info.get(_ACTIVE):
        raise AuditRewriteError("allow_audit_rewrite is already open on this connection")

    summary = f"Audit trail opened for changes: {reason}"
    connection.execute(
        insert(AuditEvent).values(
            actor_id=actor.id if actor is not None else None,
            action=ACTION,
            entity_type="AuditEvent",
            entity_id=None,
            summary=summary[:300],
            before=None,
            after={"reason": reason},
        )
    )
    if not _in_database_transaction(connection):
        # In autocommit each statement is its own transaction: the exception would outlive it.
        raise AuditRewriteError("allow_audit_rewrite needs a transaction, not an autocommit connection")
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execute(text("SELECT set_config(:name, 'on', true)"), {"name": SETTING})
    else:
        connection.execute(
            text(f"INSERT INTO {MAINTENANCE_TABLE} (id, reason) VALUES (1, :reason)"),  # noqa: S608 - a constant
            {"reason": reason[:300]},
        )
    connection.info[_ACTIVE] = True
    event.listen(connection, "commit", _refuse_commit)
    try:
        yield connection
    finally:
        event.remove(connection, "commit", _refuse_commit)
        connection.info.pop(_ACTIVE, None)
        _close(connection)


def _close(connection: Connection) -> None:
    """End the exception in the database's transaction, on the driver's connection itself,
    so it ends even when SQLAlchemy has given up on the transaction (a refused commit)."""
    if connection.closed or connection.invalidated:
        return  # the driver's connection, and its transaction, are gone
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        if connection.dialect.name == "postgresql":
            # After a failed statement PostgreSQL refuses everything until the rollback,
            # which undoes the setting anyway.
            with suppress(connection.dialect.loaded_dbapi.Error):
                cursor.execute(f"SELECT set_config('{SETTING}', 'off', true)")
        else:
            cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")  # noqa: S608 - a constant
    finally:
        cursor.close()
