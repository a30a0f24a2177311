"""The audit trail is append-only (docs/decisions/0005-append-only-audit-trail.md): the database
refuses UPDATE and DELETE on audit_events, whoever asks, except inside allow_audit_rewrite, for
that block of that transaction only, which writes an event of its own.

Runs on the database of the run (SQLite, or PostgreSQL with TEST_DATABASE_URL), and the
migration's upgrade and downgrade on a database of its own.
"""

from __future__ import annotations

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, delete, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError, PendingRollbackError

from cohort import create_app
from cohort.audit_guard import ACTION, AuditRewriteError, allow_audit_rewrite
from cohort.core import audit
from cohort.extensions import db
from cohort.models import AuditEvent, User

on_postgresql = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")
REFUSED_UPDATE = "audit_events is append-only: UPDATE refused"
REFUSED_DELETE = "audit_events is append-only: DELETE refused"


def _events(world, n: int = 3) -> list[int]:
    events = [audit.record(world.admin, "update", world.cohort, f"Event {i}") for i in range(n)]
    db.session.commit()
    return [event.id for event in events]


def _summaries() -> dict[int, str]:
    return dict(db.session.execute(select(AuditEvent.id, AuditEvent.summary)).all())


def _refused(statement, match: str) -> None:
    """Run a statement in a savepoint and check the database refuses it."""
    with pytest.raises(IntegrityError, match=match), db.session.begin_nested():
        db.session.execute(statement)


def test_raw_sql_update_and_delete_are_refused(app, world):
    ids = _events(world)
    before = _summaries()
    with pytest.raises(IntegrityError, match=REFUSED_UPDATE):
        db.session.execute(
            text("UPDATE audit_events SET summary = 'rewritten' WHERE id = :id"), {"id": ids[0]}
        )
    db.session.rollback()
    with pytest.raises(IntegrityError, match=REFUSED_DELETE):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    assert _summaries() == before


@on_postgresql
def test_truncate_is_refused_on_postgresql(app, world):
    _events(world)
    with pytest.raises(IntegrityError, match="audit_events is append-only: TRUNCATE refused"):
        db.session.execute(text("TRUNCATE audit_events"))
    db.session.rollback()
    assert len(_summaries()) == 3


def test_orm_update_and_delete_are_refused(app, world):
    ids = _events(world)
    before = _summaries()
    event = db.session.get(AuditEvent, ids[1])
    event.summary = "Nothing happened here"
    with pytest.raises(IntegrityError, match=REFUSED_UPDATE):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, ids[1]))
    with pytest.raises(IntegrityError, match=REFUSED_DELETE):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(IntegrityError, match=REFUSED_UPDATE):
        db.session.execute(update(AuditEvent).values(actor_id=None))
    db.session.rollback()
    assert _summaries() == before


def test_deleting_a_user_who_acted_is_refused(app, world):
    """audit_events.actor_id is ON DELETE SET NULL: deleting the actor would rewrite their events."""
    _events(world)
    with pytest.raises(IntegrityError, match=REFUSED_UPDATE):
        db.session.execute(delete(User).where(User.id == world.admin.id))
    db.session.rollback()
    assert db.session.get(User, world.admin.id) is not None


def test_the_exception_works_inside_the_block_only_and_leaves_its_own_event(app, world):
    ids = _events(world)
    with allow_audit_rewrite("Erasure request ER-TEST-1: event 0 removed", actor=world.admin) as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.id == ids[0]))
        connection.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(summary="[erased]"))
    # Same transaction, after the block: closed again.
    _refused(delete(AuditEvent).where(AuditEvent.id == ids[2]), REFUSED_DELETE)
    _refused(update(AuditEvent).where(AuditEvent.id == ids[2]).values(summary="x"), REFUSED_UPDATE)
    db.session.commit()

    summaries = _summaries()
    assert ids[0] not in summaries
    assert summaries[ids[1]] == "[erased]" and summaries[ids[2]] == "Event 2"
    record = db.session.scalar(select(AuditEvent).where(AuditEvent.action == ACTION))
    assert record.summary == "Audit trail opened for changes: Erasure request ER-TEST-1: event 0 removed"
    assert record.actor_id == world.admin.id
    assert record.after == {"reason": "Erasure request ER-TEST-1: event 0 removed"}
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM audit_maintenance")) == 0
    # And in the next transaction too.
    _refused(delete(AuditEvent).where(AuditEvent.id == ids[2]), REFUSED_DELETE)
    db.session.rollback()


def test_a_rolled_back_rewrite_changes_nothing_and_the_next_transaction_is_refused(app, world):
    ids = _events(world)
    before = _summaries()
    with allow_audit_rewrite("trying it out"):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert _summaries() == before
    with pytest.raises(IntegrityError, match=REFUSED_DELETE):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[0]))
    db.session.rollback()


def test_committing_inside_the_block_is_refused(app, world):
    ids = _events(world)
    with pytest.raises(AuditRewriteError, match="Commit inside allow_audit_rewrite refused"):  # noqa: SIM117
        with allow_audit_rewrite("a careless rewrite"):
            db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[0]))
            db.session.commit()
    db.session.rollback()
    assert ids[0] in _summaries()
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == ACTION)) == 0
    with pytest.raises(IntegrityError, match=REFUSED_DELETE):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[0]))
    db.session.rollback()


def test_after_a_refused_commit_only_a_rollback_is_possible(app, world):
    ids = _events(world)
    with pytest.raises(AuditRewriteError), allow_audit_rewrite("erasing event 0"):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[0]))
        db.session.commit()
    with pytest.raises(PendingRollbackError):
        db.session.commit()  # a caller carrying on regardless cannot publish the rewrite
    db.session.rollback()
    assert ids[0] in _summaries()
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM audit_maintenance")) == 0
    with pytest.raises(IntegrityError, match=REFUSED_DELETE):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    db.session.rollback()


@on_postgresql
def test_another_transaction_is_refused_while_the_block_is_open(app, world):
    ids = _events(world)
    with allow_audit_rewrite("erasing event 0"), db.engine.connect() as other:
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[0]))
        with pytest.raises(IntegrityError, match=REFUSED_DELETE):
            other.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
        other.rollback()
    db.session.rollback()


def test_a_reason_is_required_and_blocks_do_not_nest(app, world):
    with pytest.raises(ValueError, match="needs a reason"), allow_audit_rewrite("   "):
        pass
    with allow_audit_rewrite("outer"), pytest.raises(AuditRewriteError, match="already open"):  # noqa: SIM117
        with allow_audit_rewrite("inner"):
            pass
    db.session.rollback()


# The migration, up and down, on a database of its own.


def _insert_event(conn) -> None:
    conn.execute(
        text(
            "INSERT INTO audit_events (at, action, entity_type, summary) VALUES (:at, 'create', 'Cohort', 'x')"
        ),
        {"at": "2026-11-27 12:00:00+00:00"},
    )


def _delete_all(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))


def test_the_migration_goes_up_and_down(new_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database_url})
    with app.app_context():
        upgrade(revision="0006_certificates")
        with db.engine.begin() as conn:
            _insert_event(conn)
        upgrade()
        with pytest.raises(IntegrityError, match=REFUSED_DELETE):
            _delete_all(db.engine)
        with db.engine.begin() as conn, allow_audit_rewrite("migration test", connection=conn):
            conn.execute(text("DELETE FROM audit_events"))

        downgrade(revision="0006_certificates")
        with db.engine.begin() as conn:
            _insert_event(conn)
            conn.execute(text("UPDATE audit_events SET summary = 'changed'"))
        _delete_all(db.engine)  # allowed again
        assert "audit_maintenance" not in set(inspect(db.engine).get_table_names())

        upgrade()
        with db.engine.begin() as conn:
            _insert_event(conn)
        with pytest.raises(IntegrityError, match=REFUSED_UPDATE), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET summary = 'changed'"))
        downgrade(revision="base")
        db.engine.dispose()


def test_an_autocommit_connection_is_refused(app, world, database_url):
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        with (
            pytest.raises(AuditRewriteError, match="needs a transaction"),
            allow_audit_rewrite("x", connection=conn),
        ):
            pass
        with pytest.raises(IntegrityError, match=REFUSED_DELETE):
            conn.execute(delete(AuditEvent))
    engine.dispose()
