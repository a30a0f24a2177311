"""Programme manager pages: departments, users, audit log."""

from __future__ import annotations

from flask import render_template

from cohort.admin import bp
from cohort.auth.access import admin_required


@bp.route("/departments")
@admin_required
def list_departments():
    return render_template("admin/wip.html", title="Departments")


@bp.route("/users")
@admin_required
def list_users():
    return render_template("admin/wip.html", title="Users")


@bp.route("/audit")
@admin_required
def audit_log():
    return render_template("admin/wip.html", title="Audit log")
