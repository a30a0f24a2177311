"""The real worker process (`flask worker`) runs a queued job exactly once, on SQLite and on
PostgreSQL (docs/messages.md, Jobs).

Each case makes a database of its own, migrates it, queues a message from an app that is not
in immediate mode (so the job goes into huey's storage: a SQLite file, or the jobs_* tables in
PostgreSQL), queues its delivery a second time as a retry or a second worker would, then starts
the worker as `make run` and systemd do and waits. What must hold: the message is sent once
(one attempt, one "sent"), both job runs are recorded as done, and the worker stops cleanly on
SIGINT, finishing what it has in hand.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, select, text

from cohort import create_app
from cohort.extensions import db
from cohort.jobs import configure_queue, queue
from cohort.models import JobRun, JobState, Message, MessageStatus, Role, User

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _postgres_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def worker_database(request, tmp_path):
    """(database URL, jobs file) for a database of the worker test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cohort.db'}", str(tmp_path / "jobs.sqlite3")
        return
    server_url = make_url(_postgres_server_url()).set(database="postgres")
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"cohort_worker_{uuid.uuid4().hex[:8]}"
    try:
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: say so, the SQLite case still runs
        server.dispose()
        pytest.skip(f"no PostgreSQL server at {server_url.render_as_string()}: {type(exc).__name__}")
    try:
        yield (
            server_url.set(database=name).render_as_string(hide_password=False),
            str(tmp_path / "unused.sqlite3"),
        )
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    return None


def test_worker_process_runs_each_job_once(worker_database, tmp_path):
    database_url, jobs_file = worker_database
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "JOBS_IMMEDIATE": False,
        "JOBS_SQLITE_PATH": jobs_file,
        "SERVER_NAME": "localhost",
    }
    app = create_app(settings)
    try:
        with app.app_context():
            upgrade()
            user = User(email="amara.okafor@justice.gov.uk", full_name="Amara Okafor", role=Role.PARTICIPANT)
            db.session.add(user)
            db.session.commit()

            from cohort.messages.delivery import deliver_message
            from cohort.messages.outbox import queue_message

            message = queue_message(
                "invitation",
                user,
                about=f"user:{user.id}",
                context={"link": "https://x/set-password/t", "hours": "72"},
            )
            db.session.commit()  # the delivery job goes into huey's storage, not run here
            assert message is not None
            message_id = message.id
            db.session.commit()
            deliver_message(message_id)  # the same job again, as a retry or a second worker would
            from cohort.jobs.housekeeping import forget_old_job_runs

            forget_old_job_runs()  # a job Admin → Jobs records as it runs
            assert queue.pending_count() == 3
            assert db.session.get(Message, message_id).status == MessageStatus.QUEUED

            env = {
                **os.environ,
                "FLASK_APP": "cohort",
                "DATABASE_URL": database_url,
                "JOBS_IMMEDIATE": "0",
                "JOBS_SQLITE_PATH": jobs_file,
                "LOG_FORMAT": "text",
            }
            worker = subprocess.Popen(
                [str(Path(sys.executable).parent / "flask"), "worker", "--threads", "2", "--no-periodic"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            try:

                def all_done():
                    run = db.session.scalar(select(JobRun).where(JobRun.name.like("%forget_old_job_runs")))
                    message = db.session.get(Message, message_id)
                    done = (
                        run is not None
                        and run.state == JobState.DONE
                        and message.status == MessageStatus.SENT
                        and queue.pending_count() == 0
                    )
                    db.session.rollback()  # on SQLite, an open transaction would keep the worker waiting
                    return done

                db.session.rollback()
                finished = _wait_for(all_done)
                time.sleep(1)  # the second delivery, if still in hand, finishes before SIGINT ends it
            finally:
                worker.send_signal(signal.SIGINT)
                output, _ = worker.communicate(timeout=30)
            assert finished, f"the worker did not run the jobs:\n{output}"
            assert worker.returncode == 0, output
            assert "worker started" in output
            assert "sent by outbox" in output and output.count("sent by outbox") == 1

            db.session.rollback()
            sent = db.session.get(Message, message_id)
            assert sent.status == MessageStatus.SENT and sent.attempts == 1
            assert queue.pending_count() == 0
            assert db.session.scalars(select(JobRun).where(JobRun.state != JobState.DONE)).all() == []
            db.session.remove()
            db.engine.dispose()
    finally:
        # The next test's app puts the queue back; nothing of this one's storage lingers.
        queue.storage.close()
        configure_queue(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "JOBS_IMMEDIATE": True}))
