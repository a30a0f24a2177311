"""Registers, attendance figures, catch-ups and self check-in.

Facilitators work on the cohorts they are assigned to (others answer 404, through
cohort_for); programme managers on every cohort. Sponsors read their own
department's figures. Participants check themselves in and see their own figures
on "My schedule".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from cohort.attendance import bp, queries
from cohort.attendance.forms import NOTE_MAX, CatchUpForm, CheckInCodeForm, OpenCheckInForm, RegisterForm
from cohort.attendance.live import check_in_count
from cohort.auth.access import cohort_for, refuse, roles_required
from cohort.cohorts.queries import department_counts
from cohort.core.closed import closed_reason
from cohort.domain.attendance import ATTENDED, Mark
from cohort.domain.times import london_date, week_of
from cohort.extensions import db, limiter
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import AttendanceMark, CatchUp, Cohort, Enrolment, EnrolmentStatus, Role
from cohort.models.base import utcnow
from cohort.policy import department_scope, is_sponsor
from cohort.schedule.routes import session_for
from cohort.services import attendance as service
from cohort.services.attendance import AttendanceError, CheckInOutcome, Entry, RegisterConflict, Shown
from cohort.text import invisible_characters

STAFF = (Role.ADMIN, Role.FACILITATOR)
MARK_CHOICES = [(m.value, m.label) for m in Mark]
STALE_REGISTER = (
    "Nothing was saved: someone else changed this register after you opened it. "
    "Your choices are still below, with what is saved now. Check them, then save the register again."
)


def _enrolment_for(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of this cohort the user may see (sponsors: their department's), else 404."""
    enrolment = found_or_404(Enrolment, enrolment_id, cohort_id=cohort.id)
    if department_scope(current_user) not in (None, enrolment.user.department_id):
        refuse(404, f"enrolment {enrolment_id} outside the sponsor's department")
    return enrolment


# Registers -------------------------------------------------------------------------


@dataclass
class RegisterRow:
    """One person on the register. `was_mark` and `was_note` are what the page showed when it was
    opened ("" for none), carried in hidden fields so a save knows what each row was
    (docs/decisions/0003-concurrent-registers-and-grids.md); `known`: the form sent them."""

    enrolment: Enrolment
    existing: AttendanceMark | None
    mark: str  # what the form shows: "", or a mark's value
    note: str
    was_mark: str = ""
    was_note: str = ""
    chosen: str = ""  # the mark the form sent ("" none)
    note_sent: bool = True
    known: bool = True
    mark_error: str | None = None
    note_error: str | None = None
    now: str | None = None  # after a refused save: what is saved now, shown beside the row

    @property
    def changed(self) -> bool:
        return bool(self.chosen) and (self.chosen, self.note) != (self.was_mark, self.was_note)

    def entry(self) -> Entry:
        shown = Shown(Mark(self.was_mark) if self.was_mark else None, self.was_note or None)
        return Entry(
            Mark(self.chosen) if self.chosen else None,
            self.note if self.note_sent else service.KEEP,
            shown if self.known else None,
        )


MARK_VALUES = frozenset(m.value for m in Mark)


def _saved(mark: AttendanceMark | None) -> tuple[str, str]:
    return (mark.mark.value, mark.note or "") if mark is not None else ("", "")


def _rows_from_database(enrolments, existing) -> list[RegisterRow]:
    return [
        RegisterRow(e, existing.get(e.id), *_saved(existing.get(e.id)), *_saved(existing.get(e.id)))
        for e in enrolments
    ]


def _rows_from_form(enrolments, existing, too_early: bool) -> list[RegisterRow]:
    """The register as posted, checked row by row; only this cohort's active people are read
    (fields for anyone else, or for unknown ids, are ignored). A row whose was- fields are
    missing or not what a page sends is saved without the stale-page check, and shown with
    what the database has now as what it was."""
    rows = []
    for e in enrolments:
        old = existing.get(e.id)
        mark = request.form.get(f"mark-{e.id}", "").strip()
        note_sent = f"note-{e.id}" in request.form
        if note_sent:
            note = request.form[f"note-{e.id}"].strip()
        else:  # not sent (the "mark everyone present" button above the register): keep it
            note = (old.note or "") if old is not None else ""
        sent_was, sent_note = request.form.get(f"was-{e.id}"), request.form.get(f"was-note-{e.id}")
        if sent_was in MARK_VALUES | {""} and sent_note is not None and len(sent_note) <= NOTE_MAX:
            known = True
            was, was_note = sent_was, sent_note.strip()
        else:
            known = False
            was, was_note = _saved(old)
        row = RegisterRow(e, old, mark, note, was, was_note, note_sent=note_sent, known=known)
        name = e.user.full_name
        if mark and mark not in MARK_VALUES:
            row.mark, row.mark_error = "", f"Select present, late, excused or absent for {name}"
        elif too_early and mark in ATTENDED and mark != was:
            row.mark_error = f"{name} cannot be marked {mark} before the session starts"
        elif not mark and old is not None:
            row.mark = old.mark.value  # a mark cannot be taken away, only changed
        row.chosen = mark if mark in MARK_VALUES else ""
        if len(note) > NOTE_MAX:
            row.note_error = f"Note for {name} must be {NOTE_MAX} characters or fewer"
        elif invisible_characters(note) or any(c in note for c in "\t\r\n"):
            row.note_error = f"Note for {name} must not contain invisible or control characters"
        elif note and not row.mark and not row.mark_error:
            row.mark_error = f"Select a mark for {name} to save the note"
        rows.append(row)
    return rows


def _show_conflicts(rows: list[RegisterRow], session, conflicts) -> None:
    """After a refused save: each row in conflict keeps what the person chose, says what changed,
    and now counts what is saved as what it was (saving again overwrites it, knowingly); rows the
    person did not change show what is saved now."""
    saved = queries.register_marks(session)
    by_key = {c.key: c for c in conflicts}
    for row in rows:
        row.existing = saved.get(row.enrolment.id)
        mark, note = _saved(row.existing)
        conflict = by_key.get(row.enrolment.id)
        if conflict is not None:
            row.mark_error = conflict.message
            row.now = (Mark(mark).label if mark else "Not marked") + (f", note “{note}”" if note else "")
        elif not row.changed:
            row.mark, row.note = mark or row.mark, note
        else:
            continue
        row.was_mark, row.was_note, row.known = mark, note, True


def _error_list(rows: list[RegisterRow], general: str | None) -> list[dict]:
    errors = [{"text": general, "href": "#register"}] if general else []
    for row in rows:
        if row.mark_error:
            errors.append({"text": row.mark_error, "href": f"#mark-{row.enrolment.id}"})
        if row.note_error:
            errors.append({"text": row.note_error, "href": f"#note-{row.enrolment.id}"})
    return errors


@bp.route("/cohorts/<slug>/sessions/<id:session_id>/register", methods=["GET", "POST"])
@roles_required(*STAFF)
def register(slug: str, session_id: int):
    cohort = cohort_for(current_user, slug)
    session = session_for(cohort, session_id)
    enrolments = queries.enrolments_of(cohort, statuses=(EnrolmentStatus.ACTIVE,))
    existing = queries.register_marks(session)
    register_form = RegisterForm()
    now = utcnow()
    general = notice = stale = None
    rows = _rows_from_database(enrolments, existing)
    if request.method == "POST":
        if not register_form.validate_on_submit():
            abort(400)
        too_early = now < session.starts_at - service.OPENS_BEFORE_START
        rows = _rows_from_form(enrolments, existing, too_early)
        if session.cancelled:
            general = "This session is cancelled: its register cannot be changed"
        elif closed := closed_reason(cohort, "its attendance"):
            general = closed
        elif register_form.all_present.data and too_early:
            general = "People can be marked present from 30 minutes before the session starts"
        elif register_form.all_present.data:
            filled = 0
            for row in rows:
                if not row.mark and not row.mark_error:
                    row.mark, filled = Mark.PRESENT.value, filled + 1
            notice = (
                f"{filled} {'person is' if filled == 1 else 'people are'} now set to present. "
                "Change anyone who is not, then save the register."
            )
        elif not _error_list(rows, None):
            entries = {r.enrolment.id: r.entry() for r in rows}
            try:
                changed = service.save_register(current_user, session, enrolments, None, entries, now)
            except RegisterConflict as error:
                db.session.rollback()
                _show_conflicts(rows, session, error.conflicts)
                stale = STALE_REGISTER
            except AttendanceError as error:
                db.session.rollback()
                at_fault = next((r for r in rows if error.field == f"mark-{r.enrolment.id}"), None)
                if at_fault is None:
                    general = str(error)
                else:
                    at_fault.mark_error = str(error)
            else:
                flash(
                    f"Register saved: {changed} {'mark' if changed == 1 else 'marks'} changed."
                    if changed
                    else "Register saved: nothing had changed.",
                    "success",
                )
                return redirect(url_for("attendance.register", slug=cohort.slug, session_id=session.id))
    errors = _error_list(rows, general)
    counts = {m.value: sum(1 for r in rows if r.mark == m.value) for m in Mark}
    return render_template(
        "attendance/register.html",
        title=f"{'Error: ' if errors else ''}Register – {session.title} – {cohort.name}",
        stale=stale,
        cohort=cohort,
        session=session,
        week=week_of(cohort.start_date, session.starts_at),
        rows=rows,
        register_form=register_form,
        errors=errors,
        notice=notice,
        counts=counts,
        unmarked=sum(1 for r in rows if not r.mark),
        marks=MARK_CHOICES,
        started=now >= session.starts_at,
        ended=now >= session.ends_at,
        too_early=now < session.starts_at - service.OPENS_BEFORE_START,
        note_max=NOTE_MAX,
        **_register_deadline(cohort, session, now),
    ), (409 if stale else 400 if errors else 200)


def _register_deadline(cohort: Cohort, session, now) -> dict:
    """The session's register deadline (docs/rules.md §3.2) for the register page: the last day
    to take it (None when the setting is 0, no wait), and whether unmarked people are waiting."""
    closes = queries.facts(cohort, [session])[0].register_closes
    if closes is None or closes <= session.ends_at:
        return {"deadline_day": None, "waiting": False}
    return {
        "deadline_day": london_date(closes - timedelta(microseconds=1)),
        "waiting": session.ends_at <= now < closes,
    }


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
        threshold=round(cohort.min_attendance * 100),
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
        threshold=round(cohort.min_attendance * 100),
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
    mark = db.session.scalar(
        select(AttendanceMark).where(
            AttendanceMark.session_id == session.id, AttendanceMark.enrolment_id == enrolment.id
        )
    )
    catch_up = db.session.scalar(
        select(CatchUp).where(CatchUp.session_id == session.id, CatchUp.enrolment_id == enrolment.id)
    )
    attended = mark is not None and mark.mark in ATTENDED
    before_joining = london_date(session.starts_at) < enrolment.enrolled_on
    if request.method == "GET" and catch_up is not None:
        form = CatchUpForm(
            data={"what_was_done": catch_up.what_was_done, "completed_on": catch_up.completed_on}
        )
    else:
        form = CatchUpForm()
    if request.method == "GET" and catch_up is None:
        form.completed_on.data = london_date(now)
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
    return render_template(
        "attendance/catch_up.html",
        title=f"Record a catch-up – {enrolment.user.full_name} – {session.title}",
        form=form,
        cohort=cohort,
        enrolment=enrolment,
        session=session,
        mark=mark,
        catch_up=catch_up,
        attended=attended,
        before_joining=before_joining,
        week=week_of(cohort.start_date, session.starts_at),
    ), (400 if form.errors else 200)


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
                f"That check-in code is not right. Check it and try again ({left} "
                f"{'try' if left == 1 else 'tries'} left before you have to wait)"
            ]
            status = 400
        else:
            wait = service.wait_minutes()
            form.code.errors = [
                f"You have entered too many wrong codes. Wait {wait} {'minute' if wait == 1 else 'minutes'}, "
                "then try again, or ask your facilitator to mark you on the register"
            ]
            status = 429
    elif form.errors:
        status = 400
    return render_template("attendance/check_in.html", title="Check in to a session", form=form), status
