"""Backups that restore (docs/backups.md): `flask backup create | verify | restore`.

On the database of the run (SQLite, or PostgreSQL with TEST_DATABASE_URL): the demo data is
backed up, restored into a new database (a new SQLite file, or a new PostgreSQL database
made and dropped here) and compared table by table; a tampered archive fails verify; a
database with data is not overwritten without --force; errors are one line, exit status 1.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import stat
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from cohort import create_app
from cohort.backup import BackupError, Settings, create_backup, restore_backup, verify_backup
from cohort.backup.database import connected, fingerprint, revision_of, sqlite_integrity, triggers_of
from cohort.demo import seed_demo
from cohort.extensions import db

ON_POSTGRESQL = bool(os.environ.get("TEST_DATABASE_URL"))
# The newest migration, as this version of Cohort has it.
HEAD = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations")).get_current_head()
FILES = {
    "imports": {
        "Zt3kq0bXJ2m8VwJxk1yHc4nR5pQs7uLd.bin": b"email,first name\nsean@example.gov.uk,Se\xc3\xa1n\n"
    },
    "reports": {
        "cohort-1/completion-report.csv": b"\xef\xbb\xbfName,Outcome\nSi\xc3\xa2n O'Neill,completed\n",
        "cohort-1/department-MOJ.pdf": b"%PDF-1.7 not really a PDF\n" * 100,
    },
}


@pytest.fixture
def folders(app, tmp_path) -> dict[str, Path]:
    """The app's upload and reports folders, in the test's own place, with a few files."""
    found = {"imports": tmp_path / "live" / "imports", "reports": tmp_path / "live" / "reports"}
    app.config["IMPORT_UPLOAD_FOLDER"] = str(found["imports"])
    app.config["REPORTS_FOLDER"] = str(found["reports"])
    for name, files in FILES.items():
        for relative, body in files.items():
            path = found[name] / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            path.chmod(0o600 if name == "imports" else 0o644)
    return found


def _elsewhere(settings: Settings, url: str, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        settings,
        database_url=url,
        uploads_folder=tmp_path / "restored" / "imports",
        reports_folder=tmp_path / "restored" / "reports",
    )


def _sums(url: str):
    with connected(make_url(url)) as connection, connection.begin():
        return fingerprint(connection), revision_of(connection), triggers_of(connection)


def _head(settings: Settings) -> str:
    return ScriptDirectory(str(settings.migrations_folder)).get_current_head()


def test_the_demo_data_backed_up_and_restored_into_a_new_database_is_the_same(
    app, folders, new_database_url, tmp_path
):
    seed_demo()
    db.session.commit()
    settings = Settings.from_app(app)

    created = create_backup(settings, tmp_path / "backups")
    assert created.path.name.startswith("cohort-backup-") and created.path.name.endswith("Z.tar.gz")
    assert stat.S_IMODE(created.path.stat().st_mode) == 0o600
    manifest = created.manifest
    assert manifest["database"]["kind"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    assert manifest["database"]["alembic_revision"] == _head(settings)
    assert manifest["tables"]["users"]["rows"] == 44 and manifest["tables"]["enrolments"]["rows"] == 40
    assert manifest["tables"]["audit_events"]["rows"] > 100
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == {
        manifest["database"]["file"],
        "files/imports/Zt3kq0bXJ2m8VwJxk1yHc4nR5pQs7uLd.bin",
        "files/reports/cohort-1/completion-report.csv",
        "files/reports/cohort-1/department-MOJ.pdf",
    }
    assert "password" not in json.dumps(manifest).lower()

    verified = verify_backup(settings, created.path)
    assert verified.ok, verified.problems
    assert verified.rows == created.rows and verified.files == 4
    assert "integrity" in verified.integrity or "constraint" in verified.integrity

    target = _elsewhere(settings, new_database_url, tmp_path)
    restored = restore_backup(target, created.path)
    assert restored.rows == created.rows and restored.replaced_rows == 0
    assert restored.files_written == {"imports": 1, "reports": 2}
    assert restored.schema is not None and restored.schema.state == "head"

    source_sums, source_revision, source_triggers = _sums(settings.database_url)
    target_sums, target_revision, target_triggers = _sums(new_database_url)
    assert target_sums == source_sums  # every table: same row count, same checksum
    assert {name: {"rows": s.rows, "sha256": s.sha256} for name, s in target_sums.items()} == manifest[
        "tables"
    ]
    assert target_revision == source_revision == _head(settings)
    assert target_triggers == source_triggers and "audit_events_no_delete" in target_triggers
    if not ON_POSTGRESQL:
        assert sqlite_integrity(Path(make_url(new_database_url).database)) == []
    for name, files in FILES.items():
        for relative, body in files.items():
            path = getattr(target, "uploads_folder" if name == "imports" else "reports_folder") / relative
            assert path.read_bytes() == body
            assert stat.S_IMODE(path.stat().st_mode) == (0o600 if name == "imports" else 0o644)

    # The restored audit trail is still append-only.
    engine = create_engine(new_database_url)
    with pytest.raises(IntegrityError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    engine.dispose()

    # It has data now: a second restore needs --force.
    with pytest.raises(BackupError, match=r"Nothing was restored: the database .* has data \(.* rows in"):
        restore_backup(target, created.path)
    again = restore_backup(target, created.path, force=True)
    assert again.replaced_rows == created.rows - 1  # alembic_version is not data
    assert again.files_written == {"imports": 0, "reports": 0}
    assert again.files_unchanged == {"imports": 1, "reports": 2}
    assert _sums(new_database_url)[0] == source_sums


def test_the_commands_create_verify_and_refuse_to_overwrite(app, world, folders, tmp_path):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["backup", "create", "--out", str(tmp_path / "backups")])
    assert created.exit_code == 0, created.output
    (archive,) = (tmp_path / "backups").glob("cohort-backup-*.tar.gz")
    assert f"Backup written: {archive}" in created.output
    assert "Database: " in created.output and f"schema revision {HEAD}" in created.output
    assert (
        "1 from the import upload folder" in created.output and "2 from the reports folder" in created.output
    )
    assert len(created.output.strip().splitlines()) == 4
    assert not list((tmp_path / "backups").glob(".*"))  # no partial file or staging folder left

    verified = runner.invoke(args=["backup", "verify", str(archive)])
    assert verified.exit_code == 0, verified.output
    assert "sizes and SHA-256 match the manifest" in verified.output
    assert "row counts and checksums match the manifest" in verified.output
    assert verified.output.strip().endswith("s).") and "The backup is good" in verified.output

    refused = runner.invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code == 1
    assert "Nothing was restored: the database" in refused.output
    assert f"flask backup restore {archive} --force" in refused.output
    assert "Traceback" not in refused.output and len(refused.output.strip().splitlines()) == 1


def _rewrite(archive: Path, destination: Path, change) -> Path:
    """A copy of the archive with its members passed through change(name, bytes) -> bytes."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(destination, "w:gz") as tar:
        for member, body in members:
            body = change(member.name, body)
            member.size = len(body)
            tar.addfile(member, io.BytesIO(body))
    return destination


def _manifest_change(edit):
    def change(name: str, body: bytes) -> bytes:
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def test_verify_fails_clearly_on_a_tampered_or_damaged_archive(app, world, folders, tmp_path):
    settings = Settings.from_app(app)
    archive = create_backup(settings, tmp_path / "backups").path
    runner = app.test_cli_runner()

    def verify(path: Path):
        result = runner.invoke(args=["backup", "verify", str(path)])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        return result.output

    report = tmp_path / "report.tar.gz"
    _rewrite(archive, report, lambda n, b: b.replace(b"completed", b"withdrawn") if n.endswith(".csv") else b)
    output = verify(report)
    assert (
        "Problem: files/reports/cohort-1/completion-report.csv: its size or SHA-256 does not match the manifest"
        in output
    )
    assert "The backup is NOT good: 1 problem(s)" in output

    def fewer_users(manifest):
        manifest["tables"]["users"]["rows"] -= 1

    rows = _rewrite(archive, tmp_path / "rows.tar.gz", _manifest_change(fewer_users))
    assert "Problem: table users: 7 rows restored, the manifest says 6" in verify(rows)

    def other_checksum(manifest):
        manifest["tables"]["departments"]["sha256"] = "0" * 64

    checksum = _rewrite(archive, tmp_path / "checksum.tar.gz", _manifest_change(other_checksum))
    assert "Problem: table departments: the rows restored differ from the manifest's checksum" in verify(
        checksum
    )

    with tarfile.open(tmp_path / "extra.tar.gz", "w:gz") as tar, tarfile.open(archive, "r:gz") as source:
        for member in source.getmembers():
            tar.addfile(member, source.extractfile(member))
        info = tarfile.TarInfo("files/reports/../../evil.sh")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"rm\n"))
    assert "Problem: files/reports/../../evil.sh: in the archive but not in its manifest" in verify(
        tmp_path / "extra.tar.gz"
    )

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert "truncated.tar.gz is not a readable backup archive" in verify(truncated)

    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_text("shopping list\n")
    assert "notes.tar.gz is not a readable backup archive" in verify(not_a_backup)

    plain = tmp_path / "plain.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    assert "plain.tar.gz is not a Cohort backup (it does not start with manifest.json)" in verify(plain)
    assert "There is no file" in verify(tmp_path / "missing.tar.gz")

    # A tampered archive is never restored, even with --force.
    result = runner.invoke(args=["backup", "restore", str(report), "--force"])
    assert result.exit_code == 1
    assert "does not match its manifest" in result.output and "nothing was restored" in result.output


def test_errors_are_one_line_and_exit_1(tmp_path, monkeypatch):
    def run(url: str, *args: str):
        other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        result = other.test_cli_runner().invoke(args=["backup", *args])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        return result.output.strip()

    out = str(tmp_path / "backups")
    unreachable = "postgresql+psycopg://cohort:s3cret-pw@127.0.0.1:1/cohort"
    message = run(unreachable, "create", "--out", out)
    assert message.startswith(
        "Cannot connect to the database postgresql+psycopg://cohort:***@127.0.0.1:1/cohort:"
    )
    assert "s3cret-pw" not in message

    missing = tmp_path / "nowhere.db"
    assert run(f"sqlite:///{missing}", "create", "--out", out) == f"There is no SQLite database at {missing}."
    assert not missing.exists()

    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    assert run(unreachable, "create", "--out", out).startswith("pg_dump is not installed (or not on PATH)")
    assert not list((tmp_path / "backups").iterdir())  # nothing half-written


def test_an_older_backup_is_restored_over_a_newer_schema_and_says_to_upgrade(new_database_url, tmp_path):
    (tmp_path / "restored").mkdir()
    older = create_app({"SQLALCHEMY_DATABASE_URI": new_database_url, "TESTING": True})
    older.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path / "restored" / "imports")
    older.config["REPORTS_FOLDER"] = str(tmp_path / "restored" / "reports")
    with older.app_context():
        upgrade(revision="0005_completion")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO departments (code, name) VALUES ('MOJ', 'Ministry of Justice')"))
        created = create_backup(Settings.from_app(older), tmp_path / "backups")
        assert created.manifest["database"]["alembic_revision"] == "0005_completion"
        assert "certificates" not in created.manifest["tables"]
        upgrade()  # the database moves on, then the backup is restored over it
        db.engine.dispose()

    result = older.test_cli_runner().invoke(args=["backup", "restore", str(created.path), "--force"])
    assert result.exit_code == 0, result.output
    assert (
        f"Schema: at 0005_completion, older than this version of Cohort ({HEAD}): "
        "run `flask db upgrade` now." in result.output
    )
    if ON_POSTGRESQL:  # (SQLite's file is replaced whole)
        dropped = next(line for line in result.output.splitlines() if line.startswith("Dropped tables"))
        assert "certificates" in dropped.removeprefix("Dropped tables the backup does not have: ").split(", ")
    with older.app_context():
        upgrade()
        with db.engine.connect() as conn:
            assert revision_of(conn) == HEAD
            assert "audit_events_no_update" in triggers_of(conn)
            assert conn.scalar(text("SELECT name FROM departments")) == "Ministry of Justice"
        db.engine.dispose()


def test_backups_kept_inside_a_backed_up_folder_are_not_backed_up_again(app, world, folders):
    settings = Settings.from_app(app)
    inside = folders["reports"] / "backups"
    create_backup(settings, inside, now=datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    second = create_backup(settings, inside, now=datetime(2026, 11, 28, 17, 30, tzinfo=UTC))
    assert second.path.name == "cohort-backup-2026-11-28T173000Z.tar.gz"
    assert [entry["path"] for entry in second.manifest["files"] if "backup" in entry["path"]] == []
    assert second.manifest["folders"]["reports"]["files"] == 2
    with pytest.raises(BackupError, match="Write backups outside .*reports, which is itself backed up"):
        create_backup(settings, folders["reports"])


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only")
def test_pg_dump_gets_the_password_from_its_environment_not_its_command_line(
    app, world, folders, tmp_path, monkeypatch
):
    real = shutil.which("pg_dump")
    spy = tmp_path / "bin" / "pg_dump"
    spy.parent.mkdir()
    spy.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" > "{tmp_path}/args"\nprintf "%s" "$PGPASSWORD" > "{tmp_path}/env"\n'
        f'exec "{real}" "$@"\n'
    )
    spy.chmod(0o700)
    monkeypatch.setenv("PATH", f"{spy.parent}{os.pathsep}{os.environ['PATH']}")
    settings = Settings.from_app(app)
    # The test server trusts local connections, so any password does; it must travel unseen.
    url = make_url(settings.database_url).set(password="n0t-on-the-command-line")
    settings = dataclasses.replace(settings, database_url=url.render_as_string(hide_password=False))

    created = create_backup(settings, tmp_path / "backups")
    assert (tmp_path / "env").read_text() == "n0t-on-the-command-line"
    arguments = (tmp_path / "args").read_text()
    assert "--format=custom" in arguments and "--snapshot=" in arguments
    assert "n0t-on-the-command-line" not in arguments
    assert "n0t-on-the-command-line" not in json.dumps(created.manifest)
    assert f":***@{url.host}" in created.manifest["database"]["source"]
