"""audit trail append-only: triggers refuse UPDATE and DELETE on audit_events

Why and how: docs/decisions/0005-append-only-audit-trail.md. The one way round the
triggers is cohort.audit_guard.allow_audit_rewrite(reason), which works for one
transaction and writes an audit event of its own:

- PostgreSQL: a plpgsql trigger function lets the change through only when the
  transaction-local setting cohort.audit_maintenance is 'on' (SET LOCAL, so it
  ends with the transaction); TRUNCATE is refused too (it fires no row triggers).
- SQLite: BEFORE UPDATE / BEFORE DELETE triggers RAISE(ABORT) unless the
  single-row table audit_maintenance holds a row, which the context manager
  inserts and deletes inside the same transaction. SQLite triggers cannot see
  TEMP tables, hence a real table. It is not a model (nothing else uses it).

Deleting a user who is the actor of an event would set audit_events.actor_id to
NULL (ON DELETE SET NULL), which is an UPDATE, so it is refused as well: users are
deactivated, never deleted (see the decision record).

Caution for later migrations: on SQLite a batch ALTER of audit_events rebuilds the
table and loses its triggers; such a migration must create them again
(tests/integration/test_audit_append_only.py checks them at head).

Revision ID: 0007_audit_append_only
Revises: 0006_certificates
Create Date: 2026-11-27 17:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_audit_append_only'
down_revision = '0006_certificates'
branch_labels = None
depends_on = None

MESSAGE = 'audit_events is append-only: {op} refused (see docs/decisions/0005-append-only-audit-trail.md)'

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('cohort.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused (see docs/decisions/0005-append-only-audit-trail.md)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Audit events are never changed or deleted; the one exception is cohort.audit_guard.allow_audit_rewrite.';
END;
$$
"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(
            'CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events '
            'FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()'
        )
        op.execute(
            'CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events '
            'FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()'
        )
        op.execute(
            'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events '
            'FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()'
        )
    else:
        op.execute(
            'CREATE TABLE audit_maintenance ('
            'id INTEGER NOT NULL CONSTRAINT pk_audit_maintenance PRIMARY KEY '
            'CONSTRAINT ck_audit_maintenance_single_row CHECK (id = 1), '
            'reason VARCHAR(300) NOT NULL)'
        )
        for name, operation in (('audit_events_no_update', 'UPDATE'), ('audit_events_no_delete', 'DELETE')):
            op.execute(
                f'CREATE TRIGGER {name} BEFORE {operation} ON audit_events '
                'WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance) '
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(op=operation)}'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in ('audit_events_no_update', 'audit_events_no_delete', 'audit_events_no_truncate'):
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_delete')
        op.execute('DROP TABLE IF EXISTS audit_maintenance')
