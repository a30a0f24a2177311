"""`flask personal-data retention [--dry-run]` (docs/personal-data.md §3)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Show what each rule would remove; change nothing.")
@with_appcontext
def retention_command(dry_run: bool) -> None:
    """Apply the retention rules now (the nightly job does the same), or show what is due."""
    from cohort.privacy.retention.service import apply, due_now

    config = current_app.config
    for item in due_now(config=config):
        click.echo(f"{item.rule.label} ({item.rule.period_text(config)}): {item.description}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    run = apply(started_by="command", config=config)
    for key, parts in run.counts.items():
        click.echo(f"Done, {key}: " + ", ".join(f"{name} {n}" for name, n in parts.items()))


# The commands this module adds to `flask personal-data` (cohort/privacy/cli.py).
COMMANDS: list[click.Command] = [retention_command]
