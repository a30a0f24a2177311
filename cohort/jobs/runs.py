"""What Admin → Jobs shows: each job's state, attempts and last error (docs/messages.md, Jobs).

huey keeps a queue, not a history, so its signals are recorded here in `job_runs`, each write
on a connection of its own (never a job's or a request's session, so a job that fails and
rolls back still leaves its failure on record). A job queued from a request carries that
request's id: it is added to the job's arguments at queueing and set on `g` while it runs, so
its log lines and its row name the request that caused it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import has_request_context
from huey import signals as S
from sqlalchemy import delete, insert, update

from cohort.extensions import db
from cohort.jobs import _app_for_jobs, queue
from cohort.logs import current_request_id
from cohort.models import JobRun, JobState

log = logging.getLogger("cohort.jobs")

KEEP_FOR = timedelta(days=14)
# Recorded only when they fail, so Admin → Jobs shows the work people care about: the sweep
# runs every minute and mostly finds nothing; a delivery runs for every message, and each
# message's own record (Admin → Outbox) already says whether it went.
QUIET_JOBS = frozenset(
    {"cohort.messages.delivery.sweep_messages", "cohort.messages.delivery.deliver_message"}
)
_connected = False


def _name(task) -> str:
    """The job's full name, as the worker lists it (module and function)."""
    return f"{type(task).__module__}.{task.name}"


def _about(task) -> str:
    args = [str(a) for a in (task.args or ())]
    args += [f"{k}={v}" for k, v in (task.kwargs or {}).items() if not k.startswith("_")]
    return ", ".join(args)[:200]


def _write(statement) -> int:
    with _app_for_jobs().app_context(), db.engine.begin() as conn:
        return conn.execute(statement).rowcount


def _on_enqueued(signal, task, *_args, **_kwargs) -> None:
    request_id = current_request_id() if has_request_context() else None
    if request_id and task.kwargs is not None and "_request_id" not in task.kwargs:
        task.kwargs["_request_id"] = request_id  # carried to the job's log lines and its record
    if _name(task) in QUIET_JOBS:
        return
    request_id = request_id or (task.kwargs or {}).get("_request_id")
    changed = _write(update(JobRun).where(JobRun.task_id == task.id).values(state=JobState.QUEUED))
    if not changed:
        _write(
            insert(JobRun).values(
                task_id=task.id,
                name=_name(task),
                about=_about(task),
                state=JobState.QUEUED,
                request_id=request_id,
                enqueued_at=datetime.now(UTC),
            )
        )


def _on_executing(signal, task, *_args, **_kwargs) -> None:
    if _name(task) in QUIET_JOBS:
        return
    _write(
        update(JobRun)
        .where(JobRun.task_id == task.id)
        .values(state=JobState.RUNNING, started_at=datetime.now(UTC), attempts=JobRun.attempts + 1)
    )


def _on_complete(signal, task, *_args, **_kwargs) -> None:
    if _name(task) in QUIET_JOBS:
        return
    _write(
        update(JobRun)
        .where(JobRun.task_id == task.id)
        .values(state=JobState.DONE, finished_at=datetime.now(UTC), error=None)
    )


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "stopped"
    return f"{type(exc).__name__}: {exc}"[:500]


def _on_error(signal, task, exc=None, *_args, **_kwargs) -> None:
    # huey signals ERROR on every failed attempt, then RETRYING when it will try again.
    request_id = (task.kwargs or {}).get("_request_id")
    will_retry = bool(task.retries)
    log.error(
        "job %s (%s) failed%s: %s",
        _name(task),
        _about(task),
        ", will retry" if will_retry else "",
        _describe(exc),
        extra={"request_id": request_id},
    )
    now = datetime.now(UTC)
    state = JobState.RETRYING if will_retry else JobState.FAILED
    changed = _write(
        update(JobRun)
        .where(JobRun.task_id == task.id)
        .values(state=state, finished_at=now, error=_describe(exc))
    )
    if not changed:  # a quiet job: its failure is recorded all the same
        _write(
            insert(JobRun).values(
                task_id=task.id,
                name=_name(task),
                about=_about(task),
                state=state,
                attempts=1,
                error=_describe(exc),
                request_id=request_id,
                enqueued_at=now,
                started_at=now,
                finished_at=now,
            )
        )


def _on_stopped(signal, task, *_args, **_kwargs) -> None:
    _write(
        update(JobRun)
        .where(JobRun.task_id == task.id)
        .values(state=JobState.FAILED, finished_at=datetime.now(UTC), error=f"Job {signal}")
    )


def connect_signals() -> None:
    global _connected
    if _connected:
        return
    queue.signal(S.SIGNAL_ENQUEUED)(_on_enqueued)
    queue.signal(S.SIGNAL_EXECUTING)(_on_executing)
    queue.signal(S.SIGNAL_COMPLETE)(_on_complete)
    queue.signal(S.SIGNAL_ERROR)(_on_error)
    queue.signal(S.SIGNAL_EXPIRED, S.SIGNAL_REVOKED, S.SIGNAL_INTERRUPTED, S.SIGNAL_TIMEOUT)(_on_stopped)
    _connected = True


def forget_old_runs(now: datetime | None = None) -> int:
    """Job runs older than two weeks go; Admin → Jobs is for what happened lately."""
    cutoff = (now or datetime.now(UTC)) - KEEP_FOR
    return _write(delete(JobRun).where(JobRun.enqueued_at < cutoff))
