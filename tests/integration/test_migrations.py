"""The migrations build exactly the models, and can be undone and redone.

Runs on a database of its own: a new SQLite file, or a new PostgreSQL
database beside TEST_DATABASE_URL's (created and dropped here).
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from cohort import create_app
from cohort.database import is_model_table
from cohort.extensions import db


def _differences(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": is_model_table}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_and_round_trips(new_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database_url})
    with app.app_context():
        upgrade()
        assert _differences(db.engine) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "departments", "cohorts", "enrolments", "audit_events"} <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()
        assert _differences(db.engine) == []
        db.engine.dispose()
