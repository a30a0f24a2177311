"""/healthz and /readyz, as a load balancer or an operator sees them (docs/operations.md,
Health checks), and a production start with no database."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from cohort import create_app
from cohort.extensions import db
from tests.querycount import count_queries

ALL_OK = {"database": "ok", "migrations": "ok", "import_folder": "ok", "reports_folder": "ok"}


@pytest.fixture
def folders(app, tmp_path):
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path / "imports")
    app.config["REPORTS_FOLDER"] = str(tmp_path / "reports")
    return tmp_path


def test_healthz_says_ok_without_touching_the_database(app, client):
    with count_queries(db.engine) as statements:
        response = client.get("/healthz")
    assert (response.status_code, response.text, response.mimetype) == (200, "ok", "text/plain")
    assert len(statements) == 0


def test_readyz_is_ready_when_every_check_passes(client, folders):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": ALL_OK}
    assert str(folders) not in response.text  # no paths for whoever can reach the probe


def test_probes_need_no_sign_in_and_ignore_a_signed_in_session(client, world, sign_in, folders):
    sign_in(world.participant)
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("setting", ["IMPORT_UPLOAD_FOLDER", "REPORTS_FOLDER"])
def test_readyz_is_not_ready_when_a_folder_cannot_be_written(app, client, folders, setting):
    blocker = folders / "a-file"
    blocker.write_text("a file where the folder should be")
    app.config[setting] = str(blocker / "sub")

    response = client.get("/readyz")

    assert response.status_code == 503
    check = {"IMPORT_UPLOAD_FOLDER": "import_folder", "REPORTS_FOLDER": "reports_folder"}[setting]
    assert response.json == {"status": "not ready", "checks": {**ALL_OK, check: "not writable"}}
    assert "a-file" not in response.text


def test_readiness_changes_are_logged_once_and_probes_otherwise_only_at_debug(app, client, folders, caplog):
    caplog.set_level(logging.INFO, logger="cohort.health")
    broken = folders / "a-file"
    broken.write_text("x")
    app.config["REPORTS_FOLDER"] = str(broken / "sub")
    for _ in range(3):
        assert client.get("/readyz").status_code == 503
    app.config["REPORTS_FOLDER"] = str(folders / "reports")
    for _ in range(3):
        assert client.get("/readyz").status_code == 200
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "cohort.health"] == [
        ("WARNING", "not ready (reports_folder: not writable)"),
        ("INFO", "ready"),
    ]


def _revision_before_head(directory: str) -> tuple[str, str]:
    script = ScriptDirectory(directory)
    head = script.get_current_head()
    return head, script.get_revision(head).down_revision


def test_readyz_is_not_ready_until_the_database_is_migrated_to_the_code_head(tmp_path):
    # A database one migration behind the code: new code deployed, `flask db upgrade` not run.
    behind = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'behind.db'}", "TESTING": True})
    behind.config.update(IMPORT_UPLOAD_FOLDER=str(tmp_path / "imports"), REPORTS_FOLDER=str(tmp_path / "r"))
    head, previous = _revision_before_head(behind.extensions["migrate"].directory)
    with behind.app_context():
        upgrade(revision=previous)
        db.engine.dispose()

    response = behind.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        **ALL_OK,
        "migrations": f"database at {previous}, code needs {head}: run flask db upgrade",
    }

    with behind.app_context():
        upgrade()
        db.engine.dispose()
    assert behind.test_client().get("/readyz").status_code == 200
    with behind.app_context():
        db.engine.dispose()


@pytest.fixture
def production_without_database(monkeypatch, tmp_path):
    """Production settings pointing at a PostgreSQL server that is not there."""
    monkeypatch.setenv("COHORT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql://cohort:hunter2-db-password@127.0.0.1:1/cohort")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("SERVICE_URL", "https://cohort.example.gov.uk")
    monkeypatch.setenv("IMPORT_UPLOAD_FOLDER", str(tmp_path / "imports"))
    monkeypatch.setenv("REPORTS_FOLDER", str(tmp_path / "reports"))
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "2")


def test_production_start_without_its_database_says_so_in_one_line(production_without_database, caplog):
    caplog.set_level(logging.DEBUG)
    app = create_app()

    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1
    [line] = problems
    assert line.name == "cohort.health" and line.levelname == "ERROR"
    assert line.getMessage().startswith("Database not reachable at 127.0.0.1:1/cohort (password hidden): ")
    assert "Connection refused" in line.getMessage() or "connection failed" in line.getMessage()
    assert line.exc_info is None and "\n" not in line.getMessage()
    assert "hunter2-db-password" not in caplog.text

    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # alive: do not restart it for the database
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {
        "status": "not ready",
        "checks": {
            "database": "not reachable",
            "migrations": "not checked: no database",
            "import_folder": "ok",
            "reports_folder": "ok",
        },
    }
    assert "hunter2" not in ready.text and "127.0.0.1" not in ready.text


def test_a_page_needing_the_database_while_it_is_down_is_a_503_with_one_log_line(
    production_without_database, caplog
):
    app = create_app()
    caplog.clear()
    caplog.set_level(logging.INFO)

    response = app.test_client().get("/certificates/check?code=ABCD-EFGH-JKLM")

    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.text
    assert (
        f'quote this reference: <strong class="govuk-!-font-weight-bold">{response.headers["X-Request-Id"]}'
        in (response.text)
    )
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().split(":")[0] for r in errors] == ["Database not reachable at 127.0.0.1"]
    assert all(r.exc_info is None and not r.exc_text for r in errors)
    assert "Traceback" not in caplog.text and "hunter2" not in caplog.text


def test_database_description_hides_the_password():
    from cohort.health.checks import describe_database

    assert describe_database("postgresql+psycopg://u:secret@db.internal/cohort") == "db.internal:5432/cohort"
    assert describe_database("postgresql+psycopg://u:secret@db:6543/c") == "db:6543/c"
    assert describe_database(f"sqlite:///{Path('/srv/cohort.db')}") == "/srv/cohort.db"
