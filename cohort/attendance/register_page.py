"""The register page's rows: built from the database or from the posted form, checked row by
row, and after a refused save shown with what is saved now
(docs/decisions/0003-concurrent-registers-and-grids.md). Used by the register route."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import request
from flask_login import current_user

from cohort.attendance import queries, service
from cohort.attendance.forms import NOTE_MAX, RegisterForm
from cohort.attendance.service import AttendanceError, Entry, RegisterConflict, Shown
from cohort.core.closed import closed_reason
from cohort.domain.attendance import ATTENDED, Mark
from cohort.domain.formatting import plural
from cohort.domain.times import london_date, week_of
from cohort.extensions import db
from cohort.models import AttendanceMark, Cohort, Enrolment, Session
from cohort.text import invisible_characters

MARK_CHOICES = [(m.value, m.label) for m in Mark]
STALE_REGISTER = (
    "Nothing was saved: someone else changed this register after you opened it. "
    "Your choices are still below, with what is saved now. Check them, then save the register again."
)


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


def rows_from_database(enrolments, existing) -> list[RegisterRow]:
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


@dataclass
class RegisterPage:
    """The register as the page shows it: its rows and what to say above them; `saved` is the
    number of marks changed when a save went through (the route then redirects)."""

    rows: list[RegisterRow]
    general: str | None = None
    notice: str | None = None
    stale: str | None = None
    saved: int | None = None
    errors: list[dict] = field(default_factory=list)


def submit_register(
    cohort: Cohort, session: Session, enrolments: list[Enrolment], existing, form: RegisterForm, now: datetime
) -> RegisterPage:
    """The posted register: "mark everyone present" fills the unmarked rows; a save goes through
    the service, which refuses a stale page (RegisterConflict) or a mark it does not allow."""
    too_early = now < session.starts_at - service.OPENS_BEFORE_START
    page = RegisterPage(_rows_from_form(enrolments, existing, too_early))
    rows = page.rows
    if session.cancelled:
        page.general = "This session is cancelled: its register cannot be changed"
    elif closed := closed_reason(cohort, "its attendance"):
        page.general = closed
    elif form.all_present.data and too_early:
        page.general = "People can be marked present from 30 minutes before the session starts"
    elif form.all_present.data:
        filled = 0
        for row in rows:
            if not row.mark and not row.mark_error:
                row.mark, filled = Mark.PRESENT.value, filled + 1
        page.notice = (
            f"{plural(filled, 'person is', 'people are')} now set to present. "
            "Change anyone who is not, then save the register."
        )
    elif not _error_list(rows, None):
        entries = {r.enrolment.id: r.entry() for r in rows}
        try:
            page.saved = service.save_register(current_user, session, enrolments, None, entries, now)
        except RegisterConflict as error:
            db.session.rollback()
            _show_conflicts(rows, session, error.conflicts)
            page.stale = STALE_REGISTER
        except AttendanceError as error:
            db.session.rollback()
            at_fault = next((r for r in rows if error.field == f"mark-{r.enrolment.id}"), None)
            if at_fault is None:
                page.general = str(error)
            else:
                at_fault.mark_error = str(error)
    return page


def register_context(cohort: Cohort, session: Session, page: RegisterPage, form: RegisterForm, now) -> dict:
    """What attendance/register.html shows; sets `page.errors`."""
    rows = page.rows
    errors = page.errors = _error_list(rows, page.general)
    return dict(
        title=f"{'Error: ' if errors else ''}Register – {session.title} – {cohort.name}",
        stale=page.stale,
        cohort=cohort,
        session=session,
        week=week_of(cohort.start_date, session.starts_at),
        rows=rows,
        register_form=form,
        errors=errors,
        notice=page.notice,
        counts={m.value: sum(1 for r in rows if r.mark == m.value) for m in Mark},
        unmarked=sum(1 for r in rows if not r.mark),
        marks=MARK_CHOICES,
        started=now >= session.starts_at,
        ended=now >= session.ends_at,
        too_early=now < session.starts_at - service.OPENS_BEFORE_START,
        note_max=NOTE_MAX,
        **_register_deadline(cohort, session, now),
    )
