"""`flask worker`: the process that runs background jobs (docs/messages.md, Jobs)."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

log = logging.getLogger("cohort.jobs")


def init_worker_command(app: Flask) -> None:
    if "worker" in app.cli.commands:
        return

    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
    @click.option(
        "--periodic/--no-periodic",
        default=True,
        show_default=True,
        help="Also queue the timed jobs (reminders, digests). Exactly one worker should; "
        "start any others with --no-periodic.",
    )
    @with_appcontext
    def worker(threads: int, periodic: bool) -> None:
        """Run background jobs until stopped (Ctrl+C or SIGTERM finishes the jobs in hand)."""
        from cohort.jobs import configure_queue, queue

        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if app.config["JOBS_IMMEDIATE"]:
            raise click.UsageError("JOBS_IMMEDIATE is on: jobs run where they are queued, not in a worker")
        configure_queue(app)
        if not app.config.get("LOG_LEVEL"):
            # A service, like `flask run`: it says what it does (docs/operations.md, Logs).
            logging.getLogger().setLevel(logging.INFO)
        # huey's own line for every job run is noise beside ours and Admin → Jobs.
        logging.getLogger("huey").setLevel(logging.WARNING)
        logging.getLogger("huey.consumer").setLevel(logging.INFO)
        logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
        import cohort.jobs.registry  # noqa: F401 - every job module, so the worker knows them all

        log.info(
            "worker started: %d thread(s), %s, storage %s",
            threads,
            "queueing timed jobs" if periodic else "not queueing timed jobs",
            type(queue.storage).__name__,
        )
        queue.create_consumer(workers=threads, worker_type="thread", periodic=periodic).run()
