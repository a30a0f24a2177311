"""The service navigation: what each role is offered in the header."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from cohort.models import Role

# (endpoint, label, roles that see it, endpoint prefix that marks it active)
_ITEMS = [
    ("main.dashboard", "Dashboard", set(Role), "main.dashboard"),
    ("cohorts.list_cohorts", "Cohorts", {Role.ADMIN, Role.FACILITATOR, Role.SPONSOR}, "cohorts."),
    # Enrol, withdraw and transfer start from a cohort: only the list and profiles are "Participants".
    (
        "participants.list_participants",
        "Participants",
        {Role.ADMIN, Role.FACILITATOR, Role.SPONSOR},
        "participants.list_participants participants.show_participant",
    ),
    ("schedule.my_schedule", "My schedule", {Role.PARTICIPANT}, "schedule.my_schedule"),
    ("attendance.check_in", "Check in", {Role.PARTICIPANT}, "attendance.check_in"),
    ("skills.my_progress", "My progress", {Role.PARTICIPANT}, "skills.my_progress skills.self_assessment"),
    (
        "skills.my_learning_log",
        "Learning log",
        {Role.PARTICIPANT},
        "skills.my_learning_log skills.add_log_entry skills.edit_log_entry",
    ),
    (
        "hackathons.list_challenges",
        "Challenges",
        {Role.ADMIN, Role.SPONSOR},
        "hackathons.list_challenges hackathons.show_challenge hackathons.create_challenge hackathons.edit_challenge",
    ),
    (
        "reports.department_reports",
        "Reports",
        {Role.ADMIN, Role.SPONSOR},
        "reports.department_reports reports.department_report reports.overview_page",
    ),
    ("admin.list_departments", "Departments", {Role.ADMIN}, "admin.departments"),
    ("admin.list_users", "Users", {Role.ADMIN}, "admin.users"),
    (
        "skills.list_skills",
        "Skills",
        {Role.ADMIN},
        "skills.list_skills skills.create_skill skills.edit_skill",
    ),
    ("admin.audit_log", "Audit log", {Role.ADMIN}, "admin.audit"),
    (
        "messages.outbox",
        "Outbox",
        {Role.ADMIN},
        "messages.outbox messages.outbox_message messages.jobs",
    ),
    ("auth.account", "Your account", set(Role), "auth."),
]


def _active(prefix: str) -> bool:
    endpoint = request.endpoint or ""
    if " " in prefix:  # a list of endpoints
        return endpoint in prefix.split()
    if prefix.endswith("."):
        return endpoint.startswith(prefix)
    if prefix.startswith("admin."):
        # admin.departments matches admin.list_departments, admin.edit_department …
        noun = prefix.split(".", 1)[1].rstrip("s")
        return endpoint.startswith("admin.") and noun in endpoint
    return endpoint == prefix


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return [
            {"href": url_for("auth.sign_in"), "text": "Sign in", "active": request.endpoint == "auth.sign_in"}
        ]
    return [
        {"href": url_for(endpoint), "text": label, "active": _active(prefix)}
        for endpoint, label, roles, prefix in _ITEMS
        if current_user.role in roles
    ]
