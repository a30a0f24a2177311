"""Flask commands: `flask seed-demo`, `flask create-admin`."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import with_appcontext

from cohort.auth import accounts
from cohort.auth.passwords import password_problem
from cohort.demo import (
    DEMO_PASSWORD,
    DemoSeed,
    database_is_empty,
    demo_check_in,
    demo_logins,
    seed_demo,
    seed_scale,
)
from cohort.domain.times import clock_time, long_day
from cohort.extensions import db
from cohort.models import Role


def _print_logins() -> None:
    from flask import current_app

    from cohort.auth.second_factor import DEMO_SECRET, grouped_secret

    roles = current_app.config["SECOND_FACTOR_ROLES"]
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
    for login in demo_logins():
        extra = f", {login.department}" if login.department else ""
        code = "  + code" if login.role in roles else ""
        click.echo(f"  {login.role.label:<20} {login.email:<40} {login.full_name}{extra}{code}")
    if any(login.role in roles for login in demo_logins()):
        click.echo(
            "\n“+ code”: after the password, a code from an authenticator app. The demo staff share one "
            f"published key, {grouped_secret(DEMO_SECRET)} (time based, 6 digits, 30 seconds): add it to "
            "your app, or read the code off the page, which shows it for this key outside production."
        )
    click.echo()


def _print_demo(seeded: DemoSeed) -> None:
    click.echo(
        f"Cohort 1 started on {long_day(seeded.cohort_start)} and is in week {seeded.week} of 12: "
        f"{seeded.sessions} sessions, registers taken for {seeded.registers} that have ended"
        + (f" (“{seeded.unmarked}” still to take)" if seeded.unmarked else "")
        + (f", “{seeded.cancelled}” cancelled" if seeded.cancelled else "")
        + "."
    )
    if seeded.at_risk:
        click.echo(f"At risk: {', '.join(seeded.at_risk)}.")
    if seeded.messages:
        click.echo(
            f"E-mail: {seeded.messages} messages are in Admin → Outbox (Outbox in the programme manager's "
            "header); none is sent until GOV.UK Notify or SMTP is set up."
        )
    from cohort.records.service import demo_certificate

    if (certificate := demo_certificate()) is not None:
        click.echo(
            f"Check a certificate: code {certificate.display_code} ({certificate.enrolment.user.full_name}, "
            f"{certificate.enrolment.cohort.name}) at /certificates/check, no sign-in needed."
        )


def _print_check_in() -> None:
    participant = demo_logins()[-1]
    check_in = demo_check_in()
    if check_in is None:
        click.echo(
            "\nThe demo self check-in has closed. To get a new one, seed an empty database "
            "(or sign in as a facilitator and open a check-in for a running session)."
        )
        return
    click.echo(
        f"\nTry self check-in: code {check_in.code} for “{check_in.session.title}”, open until "
        f"{clock_time(check_in.closes_at)} today. Sign in as {participant.email} and enter it at /check-in."
    )


@click.command("seed-demo")
@click.option(
    "--scale",
    type=click.IntRange(0, 1000),
    default=0,
    help="Also create this many load-test cohorts of 25 participants each.",
)
@with_appcontext
def seed_demo_command(scale: int) -> None:
    """Add the demo departments, people and cohort (only to an empty database)."""
    from flask import current_app

    if current_app.config["ENV_IS_PRODUCTION"]:
        # The demo's logins are published (a shared password, a second-factor key).
        raise click.ClickException("seed-demo adds published demo logins, so it does not run in production")
    if database_is_empty():
        seeded = seed_demo()
        db.session.commit()
        click.echo(
            "Demo data added: 12 departments, 5 staff, 39 participants in a finished, a running "
            "and a planned cohort."
        )
        _print_demo(seeded)
    else:
        click.echo("The database already has data: no demo data added.")
    if scale:
        created = seed_scale(scale)
        db.session.commit()
        click.echo(f"Scale data: {created} new cohort(s) of 25 participants ({scale} asked for).")
    _print_check_in()
    _print_logins()


@click.command("create-admin")
@click.option("--email", prompt="Email address")
@click.option("--name", "full_name", prompt="Full name")
@click.password_option("--password", prompt="Password (12 characters or more)")
@with_appcontext
def create_admin_command(email: str, full_name: str, password: str) -> None:
    """Create a programme manager account, for a real deployment."""
    problems = []
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        problems.append(f"email: {error}")
    full_name = full_name.strip()
    if not full_name or len(full_name) > 120:
        problems.append("name: enter a name of 1 to 120 characters")
    if message := password_problem(password, email):
        problems.append(f"password: {message}")
    if not problems and accounts.email_taken(email):
        problems.append("email: a user with this email address already exists")
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    user = accounts.invite_user(
        None, email=email, full_name=full_name, role=Role.ADMIN, department=None, commit=False
    )
    accounts.set_password(user, password, actor=None)
    click.echo(f"Programme manager {user.email} created. Sign in at /sign-in.")


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)

    from cohort.nominations.cli import import_participants_command

    app.cli.add_command(import_participants_command)

    from cohort.reports.cli import build_reports_command

    app.cli.add_command(build_reports_command)

    from cohort.backup.cli import backup_cli

    app.cli.add_command(backup_cli)
