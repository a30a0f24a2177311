"""`flask personal-data export` (docs/personal-data.md §2)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cohort.cli_helpers import fail
from cohort.extensions import db
from cohort.models import User, normalise_email


@click.command("export")
@click.option("--email", required=True, help="The e-mail address of the person whose data to export.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The ZIP file to write.")
@with_appcontext
def export_command(email: str, out: str) -> None:
    """Write a copy of everything Cohort holds about a person to a ZIP file (a subject access export)."""
    from cohort.core.audit import record
    from cohort.privacy.export.service import build_zip_for

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        fail(f"No one has the e-mail address {email.strip()}.")
    content = build_zip_for(user)
    try:
        Path(out).write_bytes(content)
    except OSError as error:
        fail(f"Could not write {out}: {error.strerror}.")
    record(None, "export_data", user, f"Copy of user {user.id}'s data written from the command line")
    db.session.commit()
    click.echo(f"Wrote {out} ({len(content):,} bytes) for user {user.id}.")


# The commands this module adds to `flask personal-data` (cohort/privacy/cli.py).
COMMANDS: list[click.Command] = [export_command]
