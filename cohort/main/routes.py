"""Start page, role-specific dashboards, footer pages and the GOV.UK assets."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required

from cohort.main import bp, dashboards
from cohort.main.navigation import navigation_items
from cohort.models import Role
from cohort.privacy.notice import notice_groups, notice_rules


@bp.app_context_processor
def _navigation():
    return {"navigation_items": navigation_items}


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.sign_in"))


@bp.route("/dashboard")
@login_required
def dashboard():
    builders = {
        Role.ADMIN: dashboards.admin,
        Role.FACILITATOR: dashboards.facilitator,
        Role.PARTICIPANT: dashboards.participant,
        Role.SPONSOR: dashboards.sponsor,
    }
    template, context = builders[current_user.role](current_user)
    return render_template(template, title="Dashboard", **context)


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html", title="Accessibility statement")


@bp.route("/privacy")
def privacy():
    """What Cohort holds, why and for how long, from the register (docs/personal-data.md §1)."""
    config = current_app.config
    return render_template(
        "main/privacy.html", title="Privacy notice", groups=notice_groups(config), rules=notice_rules(config)
    )


@bp.route("/assets/<path:filename>")
def assets(filename: str):
    """GOV.UK Frontend's fonts and images: its CSS names them by absolute /assets/ path."""
    folder = Path(current_app.static_folder or "") / "govuk" / "assets"
    return send_from_directory(folder, filename, max_age=3600)
