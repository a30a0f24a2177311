"""Background jobs on huey (docs/messages.md, Jobs).

One huey instance, `queue`, holds every job. Its storage is chosen when the app is created
(`init_jobs`): a SQLite file of its own under instance/ when the service runs on SQLite,
tables in the service's own database (`jobs_*`, made by migration 0008) on PostgreSQL, or huey's
immediate mode, where a job runs as soon as it is queued, in the test suite.

Jobs are written with `@job(...)` and `@periodic_job(crontab(...))`, never huey's decorators
directly: each run gets an app context and a database session of its own (never the request's),
carries the request id of the request that queued it into its log lines, and is recorded for
Admin → Jobs (cohort/jobs/runs.py). A job must be safe to run twice: the work it does is keyed
(a message's unique key, a stored PDF's fingerprint), so a retry or a second worker finds it done.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from huey import Huey, crontab
from huey.storage import MemoryStorage, PostgresStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

__all__ = ["after_commit", "crontab", "init_jobs", "job", "periodic_job", "queue"]

# Storage is replaced in init_jobs; until then nothing can be queued by accident.
queue = Huey("cohort", immediate=True, results=False, utc=True)

_app: Flask | None = None
log = logging.getLogger("cohort.jobs")


def _app_for_jobs() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        raise RuntimeError("cohort.jobs: no app; create_app() sets it up")
    return _app


def _postgres_dsn(sqlalchemy_url: str) -> str:
    from sqlalchemy import make_url

    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def configure_queue(app: Flask) -> None:
    """Point the queue at the storage this app's configuration names."""
    global _app
    _app = app
    database_url: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if app.config["JOBS_IMMEDIATE"]:
        queue.storage_class = MemoryStorage
        queue.storage_kwargs = {}
        queue._immediate = True
    elif database_url.startswith("postgresql"):
        queue.storage_class = PostgresStorage
        # Tables made by the migrations, so many web workers starting at once never race to.
        queue.storage_kwargs = {
            "dsn": _postgres_dsn(database_url),
            "table_prefix": "jobs",
            "create_tables": False,
        }
        queue._immediate = False
    else:
        path = Path(app.config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        queue.storage_class = SqliteStorage
        queue.storage_kwargs = {"filename": str(path)}
        queue._immediate = False
    queue.storage = queue.create_storage()


def init_jobs(app: Flask) -> None:
    configure_queue(app)
    from cohort.jobs import runs

    runs.connect_signals()
    import cohort.jobs.registry  # noqa: F401 - every job known by name, here and in the worker
    from cohort.jobs.cli import init_worker_command

    init_worker_command(app)


def _run_in_app(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def in_app(*args: Any, _request_id: str | None = None, **kwargs: Any) -> Any:
        from cohort.extensions import db

        # A context of its own even when queued from a request in immediate mode: the job
        # must not see, or commit, the request's unfinished work.
        with _app_for_jobs().app_context():
            g.request_id = _request_id
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return in_app


def job(*, retries: int = 0, retry_delay: int = 0, retry_backoff: float = 0, **options: Any):
    """A background job; call `.schedule(...)` or the function itself (which queues it)."""

    def decorate(fn: Callable[..., Any]):
        return queue.task(
            retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff or 0, **options
        )(_run_in_app(fn))

    return decorate


_AFTER_COMMIT = "cohort_jobs_after_commit"


def after_commit(task: Any, *args: Any) -> None:
    """Queue `task(*args)` when the current transaction commits, and never if it rolls back.

    The way to queue a job from code that is changing something: the job must not start before
    the change it acts on is saved, and (on SQLite) queueing records its run on a connection of
    its own, which would wait for the write lock the unfinished transaction holds.
    """
    from cohort.extensions import db

    db.session.info.setdefault(_AFTER_COMMIT, []).append((task, args))


@event.listens_for(OrmSession, "after_commit")
def _queue_after_commit(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the transaction goes on, nothing is saved yet

    for task, args in session.info.pop(_AFTER_COMMIT, []):
        try:
            task(*args)
        except Exception:  # the queue unreachable: what was saved stays saved; sweeps catch up
            log.exception("could not queue %s%s", task.name, args)


@event.listens_for(OrmSession, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back (a duplicate message skipped): the rest still stands
    session.info.pop(_AFTER_COMMIT, None)


def periodic_job(when: Callable[..., bool], **options: Any):
    """A job the scheduling worker queues on the crontab `when` (Europe/London is not
    assumed: huey's clock is UTC, so a job that cares about local time checks it itself)."""

    def decorate(fn: Callable[..., Any]):
        return queue.periodic_task(when, **options)(_run_in_app(fn))

    return decorate
