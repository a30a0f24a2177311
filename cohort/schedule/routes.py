"""The timetable: a cohort's sessions by week, adding and changing sessions, the standard
programme, a participant's own schedule, and calendar feeds at secret links.

Laying out the timetable is the programme manager's job (docs/rules.md §1.4); facilitators
see it and take registers and check-ins.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.auth.access import admin_required, cohort_for, roles_required
from cohort.concurrency import StaleEdit, keep_typed, version_of
from cohort.domain import bank_holidays
from cohort.domain.formatting import plural
from cohort.domain.schedule import SessionKind
from cohort.domain.times import (
    in_london,
    london_date,
    london_to_utc,
    long_day,
    time_range,
    week_of,
    week_start,
)
from cohort.enrolments.service import PLACE_HOLDING
from cohort.extensions import db
from cohort.form_results import page_status
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import Cohort, CohortStatus, Enrolment, Role, Session
from cohort.models.base import utcnow
from cohort.policy import may_manage_cohort
from cohort.schedule import bp, feeds, service
from cohort.schedule.forms import KIND_HINTS, CancelSessionForm, SessionForm, StandardProgrammeForm
from cohort.schedule.service import NeedsConfirmation, ScheduleError, ScheduleWarning, SessionDetails


@bp.url_value_preprocessor
def _refuse_impossible_slugs(endpoint, values):
    """A cohort address that no cohort can have is not found, before it reaches the database
    (PostgreSQL refuses strings with NUL characters)."""
    if values and "slug" in values and not feeds.SLUG.fullmatch(values["slug"]):
        abort(404)


def session_for(cohort: Cohort, session_id: int) -> Session:
    """The session of this cohort with this id, else 404."""
    return found_or_404(Session, session_id, cohort_id=cohort.id)


def weeks_of(cohort: Cohort, sessions: list[Session]) -> list[dict]:
    """Weeks 1..N, each with its Monday and sessions; sessions outside them in groups of their own."""
    grouped: dict[int, list[Session]] = defaultdict(list)
    for s in sessions:
        grouped[week_of(cohort.start_date, s.starts_at)].append(s)
    weeks: list[dict] = []
    before = [s for w, items in sorted(grouped.items()) if w < 1 for s in items]
    if before:
        weeks.append({"number": None, "label": "Before week 1", "monday": None, "sessions": before})
    for n in range(1, cohort.length_weeks + 1):
        monday = week_start(cohort.start_date, n)
        weeks.append({"number": n, "label": f"Week {n}", "monday": monday, "sessions": grouped.get(n, [])})
    after = [s for w, items in sorted(grouped.items()) if w > cohort.length_weeks for s in items]
    if after:
        weeks.append(
            {"number": None, "label": f"After week {cohort.length_weeks}", "monday": None, "sessions": after}
        )
    return weeks


def next_session(sessions: list[Session], at: datetime) -> Session | None:
    """The first session not cancelled that has not ended (it may be on now)."""
    return next((s for s in sessions if not s.cancelled and s.ends_at > at), None)


@bp.route("/cohorts/<slug>/schedule")
@login_required
def timetable(slug: str):
    cohort = cohort_for(current_user, slug)
    sessions = service.sessions_of(cohort)
    now = utcnow()
    return render_template(
        "schedule/timetable.html",
        title=f"Timetable – {cohort.name}",
        cohort=cohort,
        weeks=weeks_of(cohort, sessions),
        count=sum(1 for s in sessions if not s.cancelled),
        cancelled=sum(1 for s in sessions if s.cancelled),
        now=now,
        current_week=week_of(cohort.start_date, now),
        next_up=next_session(sessions, now),
        can_manage=may_manage_cohort(current_user, cohort),
    )


# Adding and changing sessions -------------------------------------------------


def _facilitator_choices(form: SessionForm, cohort: Cohort, session: Session | None) -> None:
    people = service.facilitator_choices(cohort, session.facilitator if session else None)
    form.facilitator.choices = [("", "No facilitator yet")] + [(str(p.id), p.full_name) for p in people]


def _details(form: SessionForm) -> SessionDetails:
    # Only called once the form has validated: both times are required and were parsed.
    assert form.start.time is not None and form.end.time is not None
    return SessionDetails(
        kind=SessionKind(form.kind.data),
        title=form.title.data,
        description=form.description.data or None,
        day=form.day.data,
        start=form.start.time,
        end=form.end.time,
        location=form.location.data or None,
        online_link=form.online_link.data or None,
        facilitator_id=int(form.facilitator.data) if form.facilitator.data else None,
        mandatory=form.is_mandatory(),
    )


def _save_session(form: SessionForm, cohort: Cohort, session: Session | None):
    """Validate and save; the saved session, or None with errors or warnings for the page, or a
    StaleEdit when someone else changed the session after the page was opened."""
    warnings: list[ScheduleWarning] = []
    if not form.validate_on_submit():
        return None, warnings
    try:
        if session is None:
            return service.create_session(current_user, cohort, _details(form), form.confirm.data), warnings
        service.update_session(current_user, session, _details(form), form.confirm.data, form.version.data)
        return session, warnings
    except StaleEdit as stale:
        keep_typed(form, stale)
        return stale, warnings
    except ScheduleError as error:
        db.session.rollback()
        getattr(form, error.field or "title").errors = [str(error)]
    except NeedsConfirmation as question:
        db.session.rollback()
        warnings = question.warnings
        form.confirm.errors = ["Check the warnings, then tick “Save it anyway” to save the session"]
    return None, warnings


def _form_page(form, cohort, session, warnings, title, stale: StaleEdit | None = None):
    return render_template(
        "schedule/session_form.html",
        title=title,
        form=form,
        cohort=cohort,
        session=session,
        warnings=warnings,
        last_day=service.cohort_last_day(cohort),
        kind_items=[{"hint": {"text": KIND_HINTS[k]}} for k in SessionKind],
        stale=stale,
    ), page_status(form, conflict=bool(stale))


@bp.route("/cohorts/<slug>/schedule/new", methods=["GET", "POST"])
@admin_required
def create_session(slug: str):
    cohort = cohort_for(current_user, slug)
    form = SessionForm()
    if request.method == "GET":
        day = request.args.get("date", "")
        try:
            form.day.data = date.fromisoformat(day) if day else None
        except ValueError:
            form.day.data = None
    _facilitator_choices(form, cohort, None)
    saved, warnings = _save_session(form, cohort, None)
    if saved is not None:
        flash(f"“{saved.title}” added to the timetable.", "success")
        return redirect(url_for("schedule.timetable", slug=cohort.slug, _anchor=f"week-{saved.week}"))
    return _form_page(form, cohort, None, warnings, "Add a session")


@bp.route("/cohorts/<slug>/sessions/<id:session_id>")
@login_required
def show_session(slug: str, session_id: int):
    # Imported here: the attendance blueprint imports this module (session_for).
    from cohort.attendance.service import open_check_in_for

    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    now = utcnow()
    check_in = None
    can_manage = may_manage_cohort(current_user, cohort)
    if can_manage:
        check_in = open_check_in_for(session, now)
    return render_template(
        "schedule/session.html",
        title=session.title,
        cohort=cohort,
        session=session,
        week=week_of(cohort.start_date, session.starts_at),
        holiday=service.holiday_on(cohort, london_date(session.starts_at)),
        now=now,
        can_manage=can_manage,
        check_in=check_in,
        reinstate_form=ConfirmForm(),
    )


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_session(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    if request.method == "GET":
        local_start, local_end = in_london(session.starts_at), in_london(session.ends_at)
        form = SessionForm(
            data={
                "kind": session.kind.value,
                "title": session.title,
                "description": session.description or "",
                "day": local_start.date(),
                "start": local_start.time(),
                "end": local_end.time(),
                "location": session.location or "",
                "online_link": session.online_link or "",
                "facilitator": str(session.facilitator_id or ""),
                "mandatory": "yes" if session.mandatory else "no",
                "version": version_of(service.SESSION, session),
            }
        )
    else:
        form = SessionForm()
    _facilitator_choices(form, cohort, session)
    saved, warnings = _save_session(form, cohort, session)
    if isinstance(saved, StaleEdit):
        return _form_page(form, cohort, session, warnings, "Change a session", stale=saved)
    if saved is not None:
        flash(f"“{saved.title}” updated.", "success")
        return redirect(url_for("schedule.show_session", slug=cohort.slug, session_id=saved.id))
    return _form_page(form, cohort, session, warnings, "Change a session")


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/cancel", methods=["GET", "POST"])
@admin_required
def cancel_session(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    if session.cancelled:
        flash("This session is already cancelled.")
        return redirect(url_for("schedule.show_session", slug=cohort.slug, session_id=session.id))
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            service.cancel_session(current_user, session, form.reason.data)
        except ScheduleError as error:
            db.session.rollback()
            form.reason.errors = [str(error)]
        else:
            flash(f"“{session.title}” is cancelled. It no longer counts towards attendance.", "success")
            return redirect(url_for("schedule.show_session", slug=cohort.slug, session_id=session.id))
    return render_template(
        "schedule/cancel.html", title=f"Cancel “{session.title}”", form=form, cohort=cohort, session=session
    ), page_status(form)


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/reinstate", methods=["POST"])
@admin_required
def reinstate_session(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.reinstate_session(current_user, session)
    except ScheduleError as error:
        db.session.rollback()
        flash(str(error))
    else:
        flash(f"“{session.title}” is back on the timetable.", "success")
    return redirect(url_for("schedule.show_session", slug=cohort.slug, session_id=session.id))


# The standard programme --------------------------------------------------------


def _ask_again(form: StandardProgrammeForm, plan: list, warnings: list, existing: int) -> None:
    """After the service asked for confirmation: say on the form what needs it."""
    # docs/rules.md §2.3: sessions already there need their own, second confirmation.
    has = plural(existing, "session")
    if existing and not form.add_beside.data:
        form.add_beside.errors = [
            f"This cohort already has {has}: tick the box to add {len(plan)} more "
            "beside them, or go back to the timetable"
        ]
    elif existing and form.existing.data != existing:
        seen = f", not {form.existing.data}" if form.existing.data is not None else ""
        form.add_beside.errors = [
            f"The cohort now has {has}{seen}: its timetable changed since the page was opened. "
            "Check it again before adding more"
        ]
    if any(w.code != "existing-sessions" for w in warnings) and not form.confirm.data:
        form.confirm.errors = ["Check the warnings, then tick “Apply it anyway” to add the sessions"]


def _plan_rows(cohort: Cohort, plan: list) -> list[dict]:
    """The standard programme's sessions as the page lists them, moved ones marked."""
    return [
        {
            "planned": p,
            "week": week_of(cohort.start_date, p.day),
            "day": long_day(p.day),
            "times": time_range(london_to_utc(p.day, p.start), london_to_utc(p.day, p.end)),
            "moved": p.moved_from is not None,
            "moved_from": long_day(p.moved_from) if p.moved_from else None,
        }
        for p in plan
    ]


@bp.route("/cohorts/<slug>/schedule/standard", methods=["GET", "POST"])
@admin_required
def apply_standard(slug: str):
    cohort = cohort_for(current_user, slug)
    form = StandardProgrammeForm()
    plan = service.plan_for(cohort)
    warnings = service.programme_warnings(cohort, plan)
    existing = service.session_count(cohort)
    if form.validate_on_submit():
        try:
            created = service.apply_standard_programme(
                current_user,
                cohort,
                confirmed=form.confirm.data,
                beside=form.existing.data if form.add_beside.data else None,
            )
        except NeedsConfirmation as question:
            db.session.rollback()
            warnings = question.warnings
            existing = service.session_count(cohort)
            _ask_again(form, plan, warnings, existing)
        except ScheduleError as error:  # the cohort is finished or archived
            db.session.rollback()
            flash(str(error))
            return redirect(url_for("schedule.timetable", slug=cohort.slug))
        else:
            flash(f"The standard programme is on the timetable: {len(created)} sessions added.", "success")
            return redirect(url_for("schedule.timetable", slug=cohort.slug))
    return render_template(
        "schedule/standard.html",
        title=f"Apply the standard programme – {cohort.name}",
        form=form,
        cohort=cohort,
        rows=_plan_rows(cohort, plan),
        warnings=[w for w in warnings if w.code != "existing-sessions"],
        existing=existing,
        holidays_known_until=bank_holidays.known_until(),
        holidays_unknown=service.cohort_last_day(cohort) > bank_holidays.known_until(),
    ), page_status(form)


# A participant's own schedule ------------------------------------------------------


@bp.route("/my-schedule")
@roles_required(Role.PARTICIPANT)
def my_schedule():
    """The participant's cohorts by week, what is next, and their own attendance only."""
    # Imported here: the attendance blueprint imports this module (session_for).
    from cohort.attendance.queries import participant_detail

    now = utcnow()
    enrolments = db.session.scalars(
        select(Enrolment)
        .options(joinedload(Enrolment.cohort))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.user_id == current_user.id,
            Enrolment.status.in_(PLACE_HOLDING),
            Cohort.status != CohortStatus.ARCHIVED,
        )
        .order_by(Cohort.start_date.desc())
    ).all()
    details = [participant_detail(e, now) for e in enrolments]
    nexts = {
        d.enrolment.id: next(
            (line for line in d.lines if not line.session.cancelled and line.session.ends_at > now), None
        )
        for d in details
    }
    return render_template(
        "schedule/my_schedule.html",
        title="My schedule",
        details=details,
        nexts=nexts,
        now=now,
        feed=feeds.feed_of(current_user),
        week_start=week_start,
    )


# Calendar feeds ----------------------------------------------------------------------


@bp.route("/account/calendar")
@login_required
def calendar_links():
    feed = feeds.feed_of(current_user)
    cohorts = feeds.cohorts_in_feed(current_user)
    return render_template(
        "schedule/calendar.html",
        title="Calendar feeds",
        feed=feed,
        cohorts=cohorts,
        form=None,
        action_form=ConfirmForm(),
    )


@bp.route("/account/calendar/new", methods=["POST"])
@login_required
def new_calendar_link():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    had = feeds.feed_of(current_user) is not None
    feeds.regenerate(current_user)
    flash(
        "Your calendar links have changed. The old links no longer work: subscribe again with the new ones."
        if had
        else "Your calendar links are ready. Add them to your calendar program.",
        "success",
    )
    return redirect(url_for("schedule.calendar_links"))


@bp.route("/account/calendar/revoke", methods=["POST"])
@login_required
def revoke_calendar_link():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if feeds.revoke(current_user):
        flash("Your calendar links are turned off. Calendars subscribed to them stop updating.", "success")
    return redirect(url_for("schedule.calendar_links"))


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route("/calendar/<token>.ics")
def personal_feed(token: str):
    """Everything on the person's timetables. No sign-in: the secret token is the key."""
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    return _ics(feeds.personal_calendar(user), "my-schedule.ics")


@bp.route("/calendar/<token>/<slug>.ics")
def cohort_feed(token: str, slug: str):
    """One cohort's timetable, for someone who may see that cohort."""
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    cohort = feeds.cohort_in_feed(user, slug)
    if cohort is None:
        abort(404)
    return _ics(feeds.cohort_calendar(cohort), f"{cohort.slug}.ics")
