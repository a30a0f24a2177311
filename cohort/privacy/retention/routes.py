"""Pages for personal data: retention (docs/personal-data.md §3). Programme managers only."""

from __future__ import annotations

from flask import current_app, render_template

from cohort.auth.access import admin_required
from cohort.privacy.retention import bp
from cohort.privacy.retention.service import due_now, last_runs


@bp.route("/admin/personal-data/retention")
@admin_required
def retention():
    """Each rule: what, how long, its setting and reason, and what it would remove now."""
    config = current_app.config
    return render_template(
        "retention/retention.html",
        title="Personal data retention",
        due=due_now(config=config),
        config=config,
        runs=last_runs(),
    )
