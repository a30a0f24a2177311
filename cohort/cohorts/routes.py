"""Cohort list, page, creation and editing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort.attendance.queries import cohort_attendance, enrolment_rows
from cohort.auth.access import admin_required, cohort_for
from cohort.cohorts import bp
from cohort.cohorts.forms import CohortForm, status_choices
from cohort.cohorts.queries import cohort_rows, department_counts, stage_view
from cohort.cohorts.service import COHORT_DETAILS, CohortDetails, CohortError, update_cohort
from cohort.cohorts.service import create_cohort as create
from cohort.concurrency import StaleEdit, keep_typed, version_of
from cohort.domain.cohort_stage import Stage
from cohort.domain.formatting import whole_percent
from cohort.extensions import db
from cohort.form_results import page_status
from cohort.models import BankHolidayDivision, Cohort, CohortStatus, Enrolment, EnrolmentStatus, Role, User
from cohort.models.base import utcnow
from cohort.participants.queries import SORTS, enrolment_list
from cohort.policy import department_scope, is_participant, is_sponsor, visible_cohorts


@bp.route("/")
@login_required
def list_cohorts():
    # Filtered by the stage the list shows (docs/rules.md §2.3), not the stored status, so that
    # "Running" never lists a cohort whose row reads "Ended — waiting to be finished". A
    # programme has tens of cohorts: the stage is worked out for each, in one query.
    stage = request.args.get("stage", "")
    department_id = department_scope(current_user)
    rows = cohort_rows(visible_cohorts(current_user), department_id=department_id)
    if stage in {s.value for s in Stage}:
        rows = [row for row in rows if row.stage == Stage(stage)]
    else:
        stage = ""
    return render_template(
        "cohorts/list.html",
        title=f"Cohorts – Stage: {Stage(stage).label}" if stage else "Cohorts",
        rows=rows,
        stage=Stage(stage) if stage else None,
        stages=list(Stage),
        department_id=department_id,
    )


def _facilitator_choices() -> list[tuple[int, str]]:
    people = db.session.scalars(
        select(User)
        .where(User.role == Role.FACILITATOR, User.is_active_account.is_(True))
        .order_by(User.full_name)
    ).all()
    return [(u.id, f"{u.full_name} ({u.email})") for u in people]


def _details(form: CohortForm) -> CohortDetails:
    return CohortDetails(
        name=form.name.data,
        slug=form.slug.data or None,
        description=form.description.data or None,
        start_date=form.start_date.data,
        length_weeks=form.length_weeks.data,
        capacity=form.capacity.data,
        bank_holiday_division=BankHolidayDivision(form.bank_holiday_division.data),
        status=CohortStatus(form.status.data),
        min_attendance=form.min_attendance.data / 100,
        require_mandatory=form.require_mandatory.data,
        require_hackathon=form.require_hackathon.data,
        skills_at_target=form.skills_at_target.data / 100,
        facilitator_ids=list(form.facilitators.data or []),
    )


def _save(form: CohortForm, cohort: Cohort | None):
    """Validate and save; returns the saved cohort, or None with errors on the form, or a
    StaleEdit when someone else changed the cohort after the page was opened."""
    if not form.validate_on_submit():
        return None
    try:
        if cohort is None:
            return create(current_user, _details(form))
        update_cohort(current_user, cohort, _details(form), form.version.data)
        return cohort
    except StaleEdit as stale:
        keep_typed(form, stale)
        return stale
    except CohortError as error:
        db.session.rollback()
        getattr(form, error.field or "name").errors = [str(error)]
    except IntegrityError:
        # Another request took the same name or web address at the same moment.
        db.session.rollback()
        form.name.errors = ["A cohort with this name or web address already exists"]
    return None


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create_cohort():
    form = CohortForm()
    form.facilitators.choices = _facilitator_choices()
    cohort = _save(form, None)
    if cohort is not None:
        flash(f"Cohort {cohort.name} created.", "success")
        return redirect(url_for("cohorts.show_cohort", slug=cohort.slug))
    return render_template("cohorts/form.html", title="Create a cohort", form=form, cohort=None), (
        page_status(form)
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit_cohort(slug: str):
    cohort = cohort_for(current_user, slug)
    form = CohortForm(obj=cohort) if request.method == "GET" else CohortForm()
    form.facilitators.choices = _facilitator_choices()
    form.status.choices = status_choices(cohort.status.value)
    if request.method == "GET":
        form.bank_holiday_division.data = cohort.bank_holiday_division.value
        form.status.data = cohort.status.value
        form.min_attendance.data = whole_percent(cohort.min_attendance)
        form.skills_at_target.data = whole_percent(cohort.skills_at_target)
        form.facilitators.data = [f.id for f in cohort.facilitators]
        form.version.data = version_of(COHORT_DETAILS, cohort)
    saved = _save(form, cohort)
    stale = saved if isinstance(saved, StaleEdit) else None
    if saved is not None and stale is None:
        flash(f"Cohort {saved.name} updated.", "success")
        return redirect(url_for("cohorts.show_cohort", slug=saved.slug))
    return render_template(
        "cohorts/form.html", title=f"Edit {cohort.name}", form=form, cohort=cohort, stale=stale
    ), page_status(form, conflict=bool(stale))


def _people_of(cohort: Cohort) -> tuple[list[Enrolment], list, dict[str, str]]:
    """Staff and sponsors: the cohort's people (a sponsor's: their department's) as filtered
    and sorted in the query string, the counts by department, and the filters as applied.
    Participants see no list."""
    role = current_user.role
    enrolments: list[Enrolment] = []
    counts = []
    filters = {"department": "", "status": "", "sort": "name"}
    if role in (Role.ADMIN, Role.FACILITATOR, Role.SPONSOR):
        department_id = current_user.department_id if role == Role.SPONSOR else None
        counts = department_counts(cohort, department_id)
        args = request.args
        if department_id is None and args.get("department", "").isdigit():
            department_id = int(args["department"])
            filters["department"] = args["department"]
        status = args.get("status", "")
        if status in {s.value for s in EnrolmentStatus}:
            filters["status"] = status
        if args.get("sort") in SORTS:
            filters["sort"] = args["sort"]
        enrolments = list(
            db.session.scalars(
                enrolment_list(
                    current_user,
                    cohort_id=cohort.id,
                    department_id=department_id,
                    status=EnrolmentStatus(filters["status"]) if filters["status"] else None,
                    sort=filters["sort"],
                )
            ).unique()
        )
    return enrolments, counts, filters


@bp.route("/<slug>")
@login_required
def show_cohort(slug: str):
    cohort = cohort_for(current_user, slug)
    enrolments, counts, filters = _people_of(cohort)
    return render_template(
        "cohorts/show.html",
        title=cohort.name,
        cohort=cohort,
        enrolments=enrolments,
        counts=counts,
        enrolled=sum(n for _, n in counts),
        filters=filters,
        statuses=list(EnrolmentStatus),
        sorts=list(SORTS),
        attendance=_attendance_summary(cohort),
        stage=stage_view(cohort, utcnow()),
    )


def _attendance_summary(cohort: Cohort):
    """Staff and sponsors: the cohort's figures (a sponsor's: their department's), four
    queries whatever its size. A participant: their own figures."""
    now = utcnow()
    if is_participant(current_user):
        mine = db.session.scalar(
            select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == current_user.id)
        )
        return enrolment_rows([mine], now)[mine.id] if mine is not None else None
    sponsor = is_sponsor(current_user)
    return cohort_attendance(cohort, now, current_user.department_id if sponsor else None)
