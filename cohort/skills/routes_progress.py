"""Progress pages: a participant's own, one participant's (staff; sponsors their department's)
and a cohort's. On the skills blueprint: endpoint names are the functions' names."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from cohort.auth.access import cohort_for, roles_required
from cohort.domain.formatting import whole_percent
from cohort.domain.progress import Checkpoint
from cohort.models import EnrolmentStatus, Role
from cohort.models.base import utcnow
from cohort.skills import bp, queries
from cohort.skills.routes import STAFF, _current_enrolment, _enrolment_in


@bp.route("/my-progress")
@roles_required(Role.PARTICIPANT)
def my_progress():
    enrolment = _current_enrolment(current_user)
    progress = queries.participant_progress(enrolment, utcnow()) if enrolment else None
    return render_template(
        "skills/progress.html",
        title="My progress",
        own=True,
        enrolment=enrolment,
        progress=progress,
        checkpoints=list(Checkpoint),
        threshold=whole_percent(enrolment.cohort.min_attendance) if enrolment else None,
    )


@bp.route("/cohorts/<slug>/progress/<id:enrolment_id>")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def participant_progress(slug: str, enrolment_id: int):
    cohort = cohort_for(current_user, slug)
    enrolment = _enrolment_in(cohort, enrolment_id)
    progress = queries.participant_progress(enrolment, utcnow())
    return render_template(
        "skills/progress.html",
        title=f"Progress – {enrolment.user.full_name} – {enrolment.cohort.name}",
        own=False,
        enrolment=enrolment,
        progress=progress,
        checkpoints=list(Checkpoint),
        can_assess=current_user.role in STAFF and enrolment.status == EnrolmentStatus.ACTIVE,
        threshold=whole_percent(cohort.min_attendance),
    )


@bp.route("/cohorts/<slug>/progress")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def cohort_progress(slug: str):
    cohort = cohort_for(current_user, slug)
    only = current_user.department_id if current_user.role == Role.SPONSOR else None
    chosen = request.args.get("department", "")
    department_id = int(chosen) if only is None and chosen.isdigit() and len(chosen) <= 9 else None
    data = queries.cohort_progress(cohort, utcnow(), department_id=department_id, only_department_id=only)
    if department_id is not None and department_id not in {d.id for d in data.departments}:
        department_id = None  # a department with nobody here: show everyone, as the filter says
        data = queries.cohort_progress(cohort, utcnow())
    return render_template(
        "skills/cohort_progress.html",
        title=f"Progress – {cohort.name}",
        cohort=cohort,
        data=data,
        sponsor_view=only is not None,
        department_id=department_id,
    )
