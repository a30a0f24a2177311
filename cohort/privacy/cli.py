"""`flask personal-data export|erase|retention` (docs/personal-data.md, docs/architecture.md §12)."""

from __future__ import annotations

from flask.cli import AppGroup

personal_data_cli = AppGroup("personal-data", help="Subject access exports, erasure and retention.")


def _add_commands() -> None:
    from cohort.privacy.erasure.cli import COMMANDS as erasure_commands
    from cohort.privacy.export.cli import COMMANDS as export_commands
    from cohort.privacy.retention.cli import COMMANDS as retention_commands

    for command in (*export_commands, *erasure_commands, *retention_commands):
        personal_data_cli.add_command(command)


_add_commands()
