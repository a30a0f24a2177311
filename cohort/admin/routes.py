"""Programme manager pages: departments, users, audit log.

Thin views: check access (every route is admin only), validate the form, call
a service, then redirect or render. Reads go through cohort.admin.queries.
"""

from __future__ import annotations

import secrets
from collections import Counter

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cohort.admin import bp, queries
from cohort.admin import service as department_service
from cohort.admin.forms import (
    DATE_HINT,
    ROLE_HINTS,
    AuditFilterForm,
    DepartmentForm,
    InviteUserForm,
    ResendInvitationForm,
    UserDetailsForm,
    UserFilterForm,
)
from cohort.admin.service import DepartmentDetails, DepartmentError
from cohort.api import tokens as api_tokens
from cohort.auth import accounts
from cohort.auth.access import admin_required
from cohort.auth.accounts import AccountError
from cohort.auth.messages import latest_invitations
from cohort.auth.sessions import sessions_of
from cohort.domain.formatting import plural
from cohort.extensions import db
from cohort.form_results import page_status, show_error
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import Department, Role, User
from cohort.paging import pagination_params

DUPLICATE_EMAIL = "A user with this email address already exists"


def _choose(field, choices: list[tuple[str, str]]) -> str:
    """Give a filter its choices; a value not among them (typed into the address) is ignored."""
    field.choices = choices
    if field.data not in {value for value, _ in choices}:
        field.data = ""
    return field.data


# Departments ---------------------------------------------------------------


@bp.route("/departments")
@admin_required
def list_departments():
    return render_template("admin/departments.html", title="Departments", rows=queries.department_rows())


def _save_department(form: DepartmentForm, department: Department | None) -> Department | None:
    """Validate and save; the saved department, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    details = DepartmentDetails(code=form.code.data, name=form.name.data, aliases=form.alias_list)
    try:
        if department is None:
            return department_service.create_department(current_user, details)
        department_service.update_department(current_user, department, details)
        return department
    except DepartmentError as error:
        db.session.rollback()
        getattr(form, error.field or "code").errors = [str(error)]
    return None


@bp.route("/departments/new", methods=["GET", "POST"])
@admin_required
def create_department():
    form = DepartmentForm()
    saved = _save_department(form, None)
    if saved is not None:
        flash(f"Department {saved.name} ({saved.code}) added.", "success")
        return redirect(url_for("admin.list_departments"))
    return render_template(
        "admin/department_form.html", title="Add a department", form=form, department=None
    ), page_status(form)


@bp.route("/departments/<id:department_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_department(department_id: int):
    department = found_or_404(Department, department_id)
    if request.method == "GET":
        form = DepartmentForm(
            data={
                "code": department.code,
                "name": department.name,
                "aliases": "\n".join(department.alias_names),
            }
        )
    else:
        form = DepartmentForm()
    saved = _save_department(form, department)
    if saved is not None:
        flash(f"Department {saved.name} ({saved.code}) updated.", "success")
        return redirect(url_for("admin.list_departments"))
    return render_template(
        "admin/department_form.html", title=f"Change {department.name}", form=form, department=department
    ), page_status(form)


# Users ---------------------------------------------------------------------


@bp.route("/users")
@admin_required
def list_users():
    filters = UserFilterForm(request.args)
    departments = queries.all_departments()
    role = _choose(filters.role, [("", "All roles")] + [(r.value, r.label) for r in Role])
    department = _choose(
        filters.department,
        [("", "All departments")] + [(str(d.id), f"{d.name} ({d.code})") for d in departments],
    )
    search = queries.clean_search(filters.q.data)
    filters.q.data = search
    query = queries.users_query(search, Role(role) if role else None, int(department) if department else None)
    page = queries.paginate(query, request.args.get("page"), current_app.config["USERS_PER_PAGE"])
    args = {k: v for k, v in {"q": search, "role": role, "department": department}.items() if v}
    return render_template(
        "admin/users.html",
        title="Users",
        filters=filters,
        page=page,
        invitations=latest_invitations([u.id for u in page.items]),
        filtering=bool(args),
        pagination=pagination_params(page, args, "Pages of users"),
    )


def _user_form_page(form, title: str, user: User | None):
    role_items = [{"hint": {"text": ROLE_HINTS[role]}} for role in Role]
    return render_template(
        "admin/user_form.html", title=title, form=form, user=user, role_items=role_items
    ), page_status(form)


def _department_from(form) -> Department | None:
    return db.session.get(Department, int(form.department.data)) if form.department.data else None


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_required
def invite_user():
    form = InviteUserForm()
    form.department.choices = queries.department_choices("No department")
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(
                current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                department=_department_from(form),
                job_title=form.job_title.data,
                send_invitation=True,
            )
        except AccountError as error:
            db.session.rollback()
            show_error(form, error, "role")
        except IntegrityError:
            # Someone else invited the same address at the same moment.
            db.session.rollback()
            form.email.errors = [DUPLICATE_EMAIL]
        else:
            flash(
                f"{user.full_name} has been invited as a {user.role.label.lower()}. "
                f"An invitation to set a password has been emailed to {user.email}.",
                "success",
            )
            return redirect(url_for("admin.show_user", user_id=user.id))
    return _user_form_page(form, "Invite a user", None)


def _user_page(user: User, error: str | None = None):
    events = queries.events_about("User", user.id)
    codes = queries.department_codes()
    return render_template(
        "admin/user.html",
        title=user.full_name,
        user=user,
        enrolments=queries.enrolments_of(user),
        events=[(event, queries.changes(event, codes)) for event in events],
        invitation=latest_invitations([user.id]).get(user.id),
        # Drawn for each showing of the page: a double click on "Send a new invitation" posts
        # the same one and so sends one e-mail (cohort/auth/messages.py).
        resend_form=ResendInvitationForm(formdata=None, occasion=secrets.token_hex(8)),
        action_error=error,
        is_self=user.id == current_user.id,
        signed_in_sessions=sessions_of(user),
        api_tokens_of_user=api_tokens.tokens_of(user),
    ), (400 if error else 200)


@bp.route("/users/<id:user_id>")
@admin_required
def show_user(user_id: int):
    return _user_page(found_or_404(User, user_id))


@bp.route("/users/<id:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = found_or_404(User, user_id)
    if request.method == "GET":
        form = UserDetailsForm(
            data={
                "full_name": user.full_name,
                "role": user.role.value,
                "department": str(user.department_id or ""),
                "job_title": user.job_title or "",
            }
        )
    else:
        form = UserDetailsForm()
    form.department.choices = queries.department_choices("No department")
    if form.validate_on_submit():
        try:
            accounts.update_user(
                current_user,
                user,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                department=_department_from(form),
                job_title=form.job_title.data,
            )
        except AccountError as error:
            db.session.rollback()
            show_error(form, error, "role")
        else:
            flash(f"{user.full_name}’s details have been updated.", "success")
            return redirect(url_for("admin.show_user", user_id=user.id))
    return _user_form_page(form, f"Change {user.full_name}’s details", user)


def _confirmed_action(user_id: int):
    """The user a POSTed action button is about; 400 when the form did not validate."""
    user = found_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return user


@bp.route("/users/<id:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate_user(user_id: int):
    user = _confirmed_action(user_id)
    try:
        accounts.set_active(current_user, user, False)
    except AccountError as error:
        db.session.rollback()
        return _user_page(user, str(error))
    flash(f"{user.full_name}’s account has been deactivated. They have been signed out.", "success")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.route("/users/<id:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate_user(user_id: int):
    user = _confirmed_action(user_id)
    accounts.set_active(current_user, user, True)
    flash(f"{user.full_name}’s account has been reactivated.", "success")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.route("/users/<id:user_id>/invitation", methods=["POST"])
@admin_required
def send_invitation(user_id: int):
    user = found_or_404(User, user_id)
    form = ResendInvitationForm()
    if not form.validate_on_submit():
        return _user_page(
            user, "The page was out of date. Nothing was sent: choose ‘Send a new invitation’ again"
        )
    try:
        accounts.send_invitation(current_user, user, form.occasion.data)
    except AccountError as error:
        db.session.rollback()
        return _user_page(user, str(error))
    flash(
        f"A new invitation to set a password has been emailed to {user.full_name} ({user.email}).", "success"
    )
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.route("/users/<id:user_id>/sessions/end", methods=["POST"])
@admin_required
def end_user_sessions(user_id: int):
    user = _confirmed_action(user_id)
    keep = current_user.current_session if user.id == current_user.id else None
    ended = accounts.end_sessions_for(current_user, user, keep=keep)
    if ended:
        flash(
            f"{user.full_name} has been signed out of {plural(ended, 'browser')}.",
            "success",
        )
    else:
        flash(f"{user.full_name} was not signed in anywhere{' else' if keep else ''}.")
    return redirect(url_for("admin.show_user", user_id=user.id))


# Audit log -----------------------------------------------------------------


def _actor_choices(people: list[User]) -> list[tuple[str, str]]:
    names = Counter(u.full_name for u in people)
    return [
        (str(u.id), u.full_name if names[u.full_name] == 1 else f"{u.full_name} ({u.email})") for u in people
    ]


def _chosen_filters(form: AuditFilterForm) -> dict[str, str]:
    """The record type, actor and action asked for, each one the list offers (else all)."""
    return {
        "entity_type": _choose(
            form.entity_type, [("", "All records")] + [(t, t) for t in queries.entity_types()]
        ),
        "actor": _choose(
            form.actor,
            [("", "Everyone"), (queries.SYSTEM_ACTOR, "System")] + _actor_choices(queries.actors()),
        ),
        "action": _choose(form.action, [("", "All actions")] + [(a, a) for a in queries.actions()]),
    }


@bp.route("/audit")
@admin_required
def audit_log():
    form = AuditFilterForm(request.args)
    chosen = _chosen_filters(form)
    form.q.data = queries.clean_search(form.q.data)
    page = pagination = None
    rows: list = []
    if form.validate():
        filters = queries.AuditFilters(
            **chosen, date_from=form.date_from.date, date_to=form.date_to.date, search=form.q.data
        )
        page = queries.paginate(
            queries.audit_query(filters),
            request.args.get("page"),
            current_app.config.get("AUDIT_EVENTS_PER_PAGE", 50),
        )
        kept = {**chosen, "date_from": form.date_from.data, "date_to": form.date_to.data, "q": form.q.data}
        pagination = pagination_params(page, {k: v for k, v in kept.items() if v}, "Pages of the audit log")
        codes = queries.department_codes()
        rows = [(event, queries.changes(event, codes)) for event in page.items]
    filtering = any(
        request.args.get(k) for k in ("entity_type", "actor", "action", "date_from", "date_to", "q")
    )
    return render_template(
        "admin/audit.html",
        title="Audit log",
        form=form,
        page=page,
        rows=rows,
        pagination=pagination,
        filtering=filtering,
        date_hint=DATE_HINT,
    ), page_status(form)
