"""`flask personal-data export` (docs/personal-data.md)."""

import click

# The commands this module adds to `flask personal-data` (cohort/privacy/cli.py).
COMMANDS: list[click.Command] = []
