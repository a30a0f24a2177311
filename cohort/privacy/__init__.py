"""Personal data under UK GDPR (docs/personal-data.md): the register of what Cohort holds
and why, the subject access export, erasure, and retention applied on a schedule."""

from __future__ import annotations

from flask import Flask


def init_privacy(app: Flask) -> None:
    """Register the pages and `flask personal-data`."""
    from cohort.privacy.cli import personal_data_cli
    from cohort.privacy.erasure import bp as erasure_bp
    from cohort.privacy.export import bp as export_bp
    from cohort.privacy.retention import bp as retention_bp

    app.register_blueprint(export_bp)
    app.register_blueprint(erasure_bp)
    app.register_blueprint(retention_bp)
    app.cli.add_command(personal_data_cli)
