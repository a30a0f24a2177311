"""Registers, attendance figures, catch-ups and self check-in.

Facilitators work on the cohorts they are assigned to (others answer 404, through
cohort_for); programme managers on every cohort. Sponsors read their own
department's figures. Participants check themselves in and see their own figures
on "My schedule".
"""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cohort.attendance import bp, queries, service
from cohort.attendance.forms import CatchUpForm, CheckInCodeForm, OpenCheckInForm, RegisterForm
from cohort.attendance.live import check_in_count
from cohort.attendance.register_page import (
    RegisterPage,
    register_context,
    rows_from_database,
    submit_register,
)
from cohort.attendance.service import AttendanceError, CheckInOutcome
from cohort.auth.access import cohort_for, refuse, roles_required
from cohort.cohorts.queries import department_counts
from cohort.core.closed import closed_reason
from cohort.domain.attendance import ATTENDED
from cohort.domain.formatting import plural, whole_percent
from cohort.domain.times import london_date, week_of
from cohort.extensions import db, limiter
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import CatchUp, Cohort, Enrolment, EnrolmentStatus, Role
from cohort.models.base import utcnow
from cohort.policy import department_scope, is_sponsor
from cohort.schedule.routes import session_for

STAFF = (Role.ADMIN, Role.FACILITATOR)


def _enrolment_for(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of this cohort the user may see (sponsors: their department's), else 404."""
    enrolment = found_or_404(Enrolment, enrolment_id, cohort_id=cohort.id)
    if department_scope(current_user) not in (None, enrolment.user.department_id):
        refuse(404, f"enrolment {enrolment_id} outside the sponsor's department")
    return enrolment


# Registers -------------------------------------------------------------------------


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/register", methods=["GET", "POST"])
@roles_required(*STAFF)
def register(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    enrolments = queries.enrolments_of(cohort, statuses=(EnrolmentStatus.ACTIVE,))
    existing = queries.register_marks(session)
    register_form = RegisterForm()
    now = utcnow()
    page = RegisterPage(rows_from_database(enrolments, existing))
    if request.method == "POST":
        if not register_form.validate_on_submit():
            abort(400)
        page = submit_register(cohort, session, enrolments, existing, register_form, now)
        if page.saved is not None:
            changed = page.saved
            flash(
                f"Register saved: {plural(changed, 'mark')} changed."
                if changed
                else "Register saved: nothing had changed.",
                "success",
            )
            return redirect(url_for("attendance.register", slug=cohort.slug, session_id=session.id))
    context = register_context(cohort, session, page, register_form, now)
    return render_template("attendance/register.html", **context), (
        409 if page.stale else 400 if page.errors else 200
    )


# Figures -------------------------------------------------------------------------------


@bp.route("/cohorts/<slug>/attendance")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def cohort_attendance(slug: str):
    cohort = cohort_for(current_user, slug)
    sponsor_view = is_sponsor(current_user)
    departments = [] if sponsor_view else [d for d, _ in department_counts(cohort) if d is not None]
    departments.sort(key=lambda d: d.name)
    chosen = None
    if sponsor_view:
        department_id = current_user.department_id
    else:
        wanted = request.args.get("department", "")
        chosen = next((d for d in departments if str(d.id) == wanted), None)
        department_id = chosen.id if chosen else None
    data = queries.cohort_attendance(cohort, utcnow(), department_id)
    return render_template(
        "attendance/cohort.html",
        title=f"Attendance – {cohort.name}",
        cohort=cohort,
        data=data,
        sponsor_view=sponsor_view,
        departments=departments,
        chosen=chosen,
        threshold=whole_percent(cohort.min_attendance),
    )


@bp.route("/cohorts/<slug>/attendance/<id:enrolment_id>")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def participant_attendance(slug: str, enrolment_id: int):
    cohort = cohort_for(current_user, slug)
    enrolment = _enrolment_for(cohort, enrolment_id)
    now = utcnow()
    detail = queries.participant_detail(enrolment, now)
    return render_template(
        "attendance/participant.html",
        now=now,
        title=f"Attendance – {enrolment.user.full_name} – {cohort.name}",
        cohort=cohort,
        enrolment=enrolment,
        detail=detail,
        can_record=current_user.role in STAFF and not closed_reason(cohort, "its attendance"),
        threshold=whole_percent(cohort.min_attendance),
    )


def _catch_up_form(catch_up: CatchUp | None, now) -> CatchUpForm:
    """The catch-up form: on GET, the recorded catch-up to change, else today as its day."""
    if request.method == "GET" and catch_up is not None:
        return CatchUpForm(
            data={"what_was_done": catch_up.what_was_done, "completed_on": catch_up.completed_on}
        )
    form = CatchUpForm()
    if request.method == "GET":
        form.completed_on.data = london_date(now)
    return form


def _catch_up_context(cohort: Cohort, enrolment: Enrolment, session, form, mark, catch_up) -> dict:
    return dict(
        title=f"Record a catch-up – {enrolment.user.full_name} – {session.title}",
        form=form,
        cohort=cohort,
        enrolment=enrolment,
        session=session,
        mark=mark,
        catch_up=catch_up,
        attended=mark is not None and mark.mark in ATTENDED,
        before_joining=london_date(session.starts_at) < enrolment.enrolled_on,
        week=week_of(cohort.start_date, session.starts_at),
    )


@bp.route("/cohorts/<slug>/attendance/<id:enrolment_id>/catch-up/<id:session_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def record_catch_up(slug: str, enrolment_id: int, session_id: int):
    cohort = cohort_for(current_user, slug)
    enrolment = _enrolment_for(cohort, enrolment_id)
    session = session_for(cohort, session_id)
    now = utcnow()
    if not session.mandatory or session.cancelled or session.ends_at > now:
        refuse(404, "no catch-up for a session that is not mandatory, cancelled or not over")
    mark, catch_up = queries.mark_and_catch_up(session, enrolment)
    form = _catch_up_form(catch_up, now)
    if form.validate_on_submit():
        try:
            # The mark is read again under the session's lock, not taken from this page.
            service.record_catch_up(
                current_user, enrolment, session, form.what_was_done.data, form.completed_on.data, at=now
            )
        except AttendanceError as error:
            db.session.rollback()
            getattr(form, error.field or "what_was_done").errors = [str(error)]
        else:
            flash(f"Catch-up recorded for {enrolment.user.full_name}: “{session.title}”.", "success")
            return redirect(
                url_for("attendance.participant_attendance", slug=cohort.slug, enrolment_id=enrolment.id)
            )
    context = _catch_up_context(cohort, enrolment, session, form, mark, catch_up)
    return render_template("attendance/catch_up.html", **context), (400 if form.errors else 200)


# Self check-in --------------------------------------------------------------------------


def _qr_data_uri(link: str) -> str:
    return segno.make(link, error="m").svg_data_uri(scale=8, border=4, dark="#0b0c0c", light="#ffffff")


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/check-in", methods=["GET", "POST"])
@roles_required(*STAFF)
def run_check_in(slug: str, session_id: int):
    """Open a check-in for a running session, and show its code and QR code on screen."""
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    now = utcnow()
    current = service.open_check_in_for(session, now)
    problem = service.can_open_check_in(session, now)
    form = OpenCheckInForm()
    if current is None and problem is None and form.validate_on_submit():
        try:
            service.open_check_in(current_user, session, form.minutes.data, form.late_after_minutes.data, now)
        except AttendanceError as error:
            db.session.rollback()
            getattr(form, error.field or "minutes").errors = [str(error)]
        else:
            return redirect(url_for("attendance.run_check_in", slug=cohort.slug, session_id=session.id))
    elif request.method == "POST" and (current is not None or problem is not None):
        return redirect(url_for("attendance.run_check_in", slug=cohort.slug, session_id=session.id))
    link = qr = None
    checked_in = expected = 0
    if current is not None:
        link = url_for("attendance.check_in", code=current.code, _external=True)
        qr = _qr_data_uri(link)
        checked_in, expected = check_in_count(session)
    return render_template(
        "attendance/run_check_in.html",
        title=f"Check-in – {session.title} – {cohort.name}",
        cohort=cohort,
        session=session,
        check_in=current,
        problem=problem,
        form=form,
        link=link,
        qr=qr,
        checked_in=checked_in,
        expected=expected,
        late_from=session.starts_at + timedelta(minutes=current.late_after_minutes) if current else None,
        close_form=ConfirmForm(),
        now=now,
    ), (400 if form.errors else 200)


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/check-in/close", methods=["POST"])
@roles_required(*STAFF)
def close_check_in(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current = service.open_check_in_for(session, utcnow())
    if current is not None:
        try:
            service.close_check_in(current_user, current)
        except AttendanceError as error:
            db.session.rollback()
            flash(str(error))
        else:
            flash("Check-in closed. The code no longer works.", "success")
    return redirect(url_for("attendance.run_check_in", slug=cohort.slug, session_id=session.id))


@bp.route("/check-in", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
@roles_required(Role.PARTICIPANT)
def check_in():
    """A participant enters the code on screen (or scans the QR code, which fills it in)."""
    form = CheckInCodeForm()
    status = 200
    if request.method == "GET" and request.args.get("code"):
        form.code.data = service.normalise_code(request.args["code"])
    if form.validate_on_submit():
        result = service.check_in(current_user, form.code.data)
        title = f"“{result.session.title}”" if result.session else ""
        if result.outcome in (CheckInOutcome.PRESENT, CheckInOutcome.LATE):
            flash(f"You are checked in to {title} ({result.outcome.value}).", "success")
            return redirect(url_for("schedule.my_schedule"))
        if result.outcome == CheckInOutcome.ALREADY:
            flash(f"You were already checked in to {title}.", "success")
            return redirect(url_for("schedule.my_schedule"))
        if result.outcome == CheckInOutcome.EXPIRED:
            form.code.errors = [
                "This check-in code has expired or the check-in has closed. Ask your facilitator for the current code"
            ]
            status = 400
        elif result.outcome == CheckInOutcome.CLOSED:
            form.code.errors = [result.reason]
            status = 400
        elif result.outcome == CheckInOutcome.WRONG:
            left = result.attempts_left
            form.code.errors = [
                f"That check-in code is not right. Check it and try again "
                f"({plural(left, 'try', 'tries')} left before you have to wait)"
            ]
            status = 400
        else:
            wait = service.wait_minutes()
            form.code.errors = [
                f"You have entered too many wrong codes. Wait {plural(wait, 'minute')}, "
                "then try again, or ask your facilitator to mark you on the register"
            ]
            status = 429
    elif form.errors:
        status = 400
    return render_template("attendance/check_in.html", title="Check in to a session", form=form), status
