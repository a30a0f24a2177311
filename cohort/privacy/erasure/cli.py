"""`flask personal-data erase` (docs/personal-data.md §4)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cohort.cli_helpers import fail
from cohort.extensions import db
from cohort.models import User, normalise_email


@click.command("erase")
@click.option("--email", required=True, help="The e-mail address of the person to erase.")
@click.option(
    "--reason", required=True, help="Why (for example the request's reference); kept in the audit log."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, reason: str, yes: bool) -> None:
    """Erase a person's personal data: name, e-mail, free text and sign-in records; figures kept."""
    from cohort.privacy.erasure.service import ErasureRefused, erase_person, refusal

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        fail(f"No one has the e-mail address {email.strip()}.")
    refused = refusal(user, None)
    if refused is not None:
        fail(f"Not erased: {refused}.")
    if not yes and not click.confirm(
        f"Erase the personal data of user {user.id}? This cannot be undone.", default=False
    ):
        fail("Nothing was erased.")
    try:
        result = erase_person(user, reason=reason, actor=None)
    except ErasureRefused as error:
        fail(f"Not erased: {error}.")
    changed = ", ".join(f"{table} {count}" for table, count in result.counts.items() if count)
    click.echo(f"Erased user {result.user_id} (now {result.reference}). Rows changed or removed: {changed}.")
    if result.files_removed:
        click.echo(f"Files removed from the reports and uploads folders: {result.files_removed}.")


# The commands this module adds to `flask personal-data` (cohort/privacy/cli.py).
COMMANDS: list[click.Command] = [erase_command]
