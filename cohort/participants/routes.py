"""Enrolment: enrol one person, withdraw, reinstate, transfer; participant profiles and lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from cohort.attendance.queries import enrolment_rows
from cohort.auth.access import admin_required, cohort_for, refuse, roles_required
from cohort.enrolments.service import (
    EnrolmentError,
    NewPerson,
    default_enrolment_date,
    enrol_person,
    places_taken,
    reinstate,
    transfer,
    withdraw,
)
from cohort.extensions import db
from cohort.form_results import page_status
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import (
    CLOSED_STATUSES,
    Cohort,
    Department,
    Enrolment,
    EnrolmentStatus,
    Role,
    cohort_facilitators,
)
from cohort.models.base import utcnow
from cohort.paging import paginate, pagination_params
from cohort.participants import bp, queries
from cohort.participants.forms import EnrolForm, TransferForm, WithdrawForm
from cohort.policy import is_facilitator, is_programme_manager, is_sponsor


def _department_choices(blank: str) -> list[tuple[str, str]]:
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return [("", blank)] + [(str(d.id), f"{d.name} ({d.code})") for d in departments]


def _error_onto(form, error: EnrolmentError, default_field: str) -> None:
    field = getattr(form, error.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, str(error)] if isinstance(field.errors, list) else [str(error)]


@bp.route("/cohorts/<slug>/enrol", methods=["GET", "POST"])
@admin_required
def enrol(slug: str):
    cohort = cohort_for(current_user, slug)
    form = EnrolForm()
    form.department.choices = _department_choices("Select a department")
    if request.method == "GET" and form.enrolled_on.data is None:
        form.enrolled_on.data = default_enrolment_date(cohort, date.today())
    if form.validate_on_submit():
        person = NewPerson(
            email=form.email.data,
            full_name=form.full_name.data or None,
            department_id=int(form.department.data) if form.department.data else None,
            job_title=form.job_title.data or None,
            grade=form.grade.data or None,
        )
        try:
            result = enrol_person(current_user, cohort, person, on=form.enrolled_on.data or date.today())
        except EnrolmentError as error:
            _error_onto(form, error, "email")
        else:
            message = f"{result.user.full_name} enrolled in {cohort.name}."
            if result.new_account:
                message += f" They have a new account and have been emailed an invitation to set a password ({result.user.email})."
            flash(message, "success")
            return redirect(url_for("cohorts.show_cohort", slug=cohort.slug))
    taken = places_taken(cohort)
    return render_template(
        "participants/enrol.html",
        title=f"Enrol a participant in {cohort.name}",
        form=form,
        cohort=cohort,
        taken=taken,
    ), page_status(form)


@bp.route("/enrolments/<id:enrolment_id>/withdraw", methods=["GET", "POST"])
@admin_required
def withdraw_enrolment(enrolment_id: int):
    enrolment = found_or_404(Enrolment, enrolment_id)
    form = WithdrawForm()
    if request.method == "GET":
        form.withdrawn_on.data = date.today()
    if form.validate_on_submit():
        try:
            withdraw(current_user, enrolment, form.reason.data, form.withdrawn_on.data)
        except EnrolmentError as error:
            db.session.rollback()
            _error_onto(form, error, "reason")
        else:
            flash(f"{enrolment.user.full_name} withdrawn from {enrolment.cohort.name}.", "success")
            return redirect(url_for("participants.show_participant", user_id=enrolment.user_id))
    return render_template(
        "participants/withdraw.html",
        title=f"Withdraw {enrolment.user.full_name}",
        form=form,
        enrolment=enrolment,
    ), page_status(form)


@bp.route("/enrolments/<id:enrolment_id>/reinstate", methods=["POST"])
@admin_required
def reinstate_enrolment(enrolment_id: int):
    enrolment = found_or_404(Enrolment, enrolment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            reinstate(current_user, enrolment)
        except EnrolmentError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(f"{enrolment.user.full_name} reinstated in {enrolment.cohort.name}.", "success")
    return redirect(url_for("participants.show_participant", user_id=enrolment.user_id))


def _transfer_choices(enrolment: Enrolment) -> list[tuple[str, str]]:
    cohorts = db.session.scalars(
        select(Cohort)
        .where(Cohort.id != enrolment.cohort_id, Cohort.status.not_in(CLOSED_STATUSES))
        .order_by(Cohort.start_date, Cohort.name)
    )
    return [("", "Select a cohort")] + [
        (c.slug, f"{c.name} (starts {c.start_date.day} {c.start_date:%B %Y})") for c in cohorts
    ]


@bp.route("/enrolments/<id:enrolment_id>/transfer", methods=["GET", "POST"])
@admin_required
def transfer_enrolment(enrolment_id: int):
    enrolment = found_or_404(Enrolment, enrolment_id)
    form = TransferForm()
    form.to_cohort.choices = _transfer_choices(enrolment)
    if request.method == "GET":
        form.transfer_on.data = date.today()
    if form.validate_on_submit():
        to_cohort = db.session.scalar(select(Cohort).where(Cohort.slug == form.to_cohort.data))
        assert to_cohort is not None  # the form accepts only the slugs of cohorts _transfer_choices read
        try:
            transfer(current_user, enrolment, to_cohort, form.transfer_on.data)
        except EnrolmentError as error:
            _error_onto(form, error, "to_cohort")
        else:
            flash(f"{enrolment.user.full_name} transferred to {to_cohort.name}.", "success")
            return redirect(url_for("participants.show_participant", user_id=enrolment.user_id))
    return render_template(
        "participants/transfer.html",
        title=f"Transfer {enrolment.user.full_name}",
        form=form,
        enrolment=enrolment,
    ), page_status(form)


@bp.route("/participants/<id:user_id>")
@login_required
def show_participant(user_id: int):
    person = queries.participant_for(current_user, user_id)
    if person is None:
        refuse(404, f"participant {user_id} not visible")
    enrolments = queries.enrolments_of(person)
    if is_facilitator(current_user):
        # A facilitator sees the person's enrolments in the cohorts they run, not elsewhere.
        mine = set(
            db.session.scalars(
                select(cohort_facilitators.c.cohort_id).where(
                    cohort_facilitators.c.user_id == current_user.id
                )
            )
        )
        enrolments = [e for e in enrolments if e.cohort_id in mine]
    return render_template(
        "participants/show.html",
        title=person.full_name,
        person=person,
        enrolments=enrolments,
        attendance=enrolment_rows(enrolments, utcnow()),
        came_from=queries.transferred_from(enrolments),
        history=queries.status_history(enrolments),
        confirm_form=ConfirmForm(),
        can_change=is_programme_manager(current_user),
    )


@dataclass(frozen=True)
class _ListFilters:
    """The participants list's filters as asked for in the query string; unknown values are
    ignored, and sponsors (who see their own department) get no department filter."""

    status: str
    status_value: EnrolmentStatus | None
    department_id: int | None
    departments: list[tuple[str, str]]
    sort: str
    q: str

    def kept(self) -> dict[str, str]:
        """The filters the pagination links carry."""
        kept = {
            "q": self.q,
            "status": self.status,
            "sort": self.sort,
            "department": str(self.department_id or ""),
        }
        return {k: v for k, v in kept.items() if v}


def _list_filters(args) -> _ListFilters:
    status = args.get("status", "")
    status_value = EnrolmentStatus(status) if status in {s.value for s in EnrolmentStatus} else None
    department_id = None
    departments = []
    if not is_sponsor(current_user):
        departments = _department_choices("All departments")
        if args.get("department", "") in {value for value, _ in departments[1:]}:
            department_id = int(args["department"])
    sort = args.get("sort", "name") if args.get("sort") in queries.SORTS else "name"
    return _ListFilters(status, status_value, department_id, departments, sort, args.get("q", ""))


@bp.route("/participants/")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def list_participants():
    filters = _list_filters(request.args)
    query = queries.enrolment_list(
        current_user,
        department_id=filters.department_id,
        status=filters.status_value,
        search=filters.q,
        sort=filters.sort,
    )
    page = paginate(query, request.args.get("page"), current_app.config["USERS_PER_PAGE"])
    return render_template(
        "participants/list.html",
        title="Participants",
        page=page,
        departments=filters.departments,
        department=str(filters.department_id or ""),
        status=filters.status if filters.status_value else "",
        sort=filters.sort,
        q=filters.q,
        statuses=list(EnrolmentStatus),
        sorts=list(queries.SORTS),
        pagination=pagination_params(page, filters.kept(), "Pages of participants"),
    )
