"""`flask import-participants FILE --cohort SLUG [--dry-run] [--send-invitations]`: the web
import's checks and all-or-nothing enrolment, from the command line; with --send-invitations,
then the invitations the web import's result page sends.

Prints the summary and one line per problem ("Row 7: …"). Exit status 0 when the
people were enrolled (or, with --dry-run, when the file could be imported); 1 when
the file is refused, a row is in error, the cohort is unknown, full or closed —
and nothing is written then. Audit events name no user (the system).
"""

from __future__ import annotations

import math
from pathlib import Path

import click
from flask.cli import with_appcontext

from cohort.auth.messages import people_to_invite, send_invitations_for_cohort
from cohort.cli_helpers import fail, find_cohort
from cohort.extensions import db
from cohort.imports.reading import MAX_FILE_BYTES, MAX_ROWS
from cohort.messages.links import service_url
from cohort.models import Cohort
from cohort.nominations.importer import (
    EnrolmentError,
    ImportRefused,
    NotImported,
    build_preview,
    enrol_checked,
)
from cohort.text import plural


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            # Said here rather than by the reader, so a huge file is never loaded.
            fail(
                f"{path.name} is larger than 5 MB (it is {math.ceil(size / 1024 / 1024 * 10) / 10:.1f} MB). "
                f"Split it into smaller files of at most {MAX_ROWS:,} rows and import each one."
            )
        return path.read_bytes()
    except FileNotFoundError:
        fail(f"There is no file {path}.")
    except IsADirectoryError:
        fail(f"{path} is a folder, not a file.")
    except OSError as error:
        fail(f"{path} cannot be read: {error.strerror or error}.")
    raise AssertionError("unreachable")


@click.command("import-participants")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--cohort", "slug", required=True, help="The cohort's web address name, for example cohort-2.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would happen; write nothing.")
@click.option(
    "--send-invitations",
    is_flag=True,
    help="Then e-mail an invitation to set a password to everyone in the cohort who has not signed "
    "in and has not been sent one (safe to repeat: nobody is invited twice).",
)
@with_appcontext
def import_participants_command(file: Path, slug: str, dry_run: bool, send_invitations: bool) -> None:
    """Enrol the people in a nominations spreadsheet (CSV or .xlsx) in a cohort: all or none."""
    cohort = find_cohort(slug)
    data = _read(file)
    click.echo(f"Checking {file.name} for {cohort.name} ({cohort.slug})")
    try:
        checked = build_preview(cohort, file.name, data)
    except ImportRefused as refused:
        fail(*refused.problems, "Nothing was imported.")
        return
    click.echo(checked.preview.summary())
    for line in checked.problem_lines():
        click.echo(line)
    if not checked.preview.ok:
        fail("Nothing was imported: fix the rows in error and run the command again.")
    if checked.blockers:
        fail("Nothing was imported.")
    if not checked.rows_to_enrol:
        db.session.rollback()
        click.echo(f"Nothing to do: everyone in the file is already enrolled in {cohort.name}.")
        _invitations(cohort, send_invitations)
        return
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run, nothing written. Importing would enrol {checked.what_it_would_do()}.")
        return

    try:
        result = enrol_checked(None, checked)
    except (NotImported, EnrolmentError) as error:
        fail(f"Nothing was imported: {error}")
        return
    click.echo(f"{result.summary()}.")
    _invitations(cohort, send_invitations)


def _invitations(cohort: Cohort, send: bool) -> None:
    """Send the invitations, or say how to; each person's has one key, so repeating sends none twice."""
    if send:
        sent = send_invitations_for_cohort(cohort)
        click.echo(f"{plural(sent, 'invitation')} to set a password queued for sending.")
        return
    waiting = len(people_to_invite(cohort))
    db.session.rollback()
    if waiting:
        click.echo(
            f"{plural(waiting, 'participant has', 'participants have')} no password yet and no invitation. "
            "To e-mail them their invitations, run this command again with --send-invitations, "
            f"or press the button on {service_url('nominations.invitations', slug=cohort.slug)}"
        )
