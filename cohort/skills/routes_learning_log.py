"""Learning logs: a participant's own entries, and one participant's log with facilitators'
comments. On the skills blueprint: endpoint names are the functions' names."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from cohort.auth.access import cohort_for, refuse, roles_required
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import Enrolment, LearningLogEntry, Role
from cohort.models.base import utcnow
from cohort.skills import bp, service
from cohort.skills.forms import CommentForm, LogEntryForm
from cohort.skills.routes import STAFF, _current_enrolment, _enrolment_in
from cohort.skills.service import EntryDetails, SkillError


def _entry_details(form: LogEntryForm) -> EntryDetails:
    return EntryDetails(
        entry_date=form.entry_date.data,
        activity=form.activity.data,
        hours=form.hours.hours,
        reflection=form.reflection.data,
        link=form.link.data,
    )


def _entries(enrolment: Enrolment) -> list[LearningLogEntry]:
    from sqlalchemy.orm import selectinload

    from cohort.models import LearningLogComment

    return list(
        db.session.scalars(
            select(LearningLogEntry)
            .options(selectinload(LearningLogEntry.comments).joinedload(LearningLogComment.author))
            .where(LearningLogEntry.enrolment_id == enrolment.id)
            .order_by(LearningLogEntry.entry_date.desc(), LearningLogEntry.id.desc())
        )
    )


@bp.route("/my-learning-log")
@roles_required(Role.PARTICIPANT)
def my_learning_log():
    enrolment = _current_enrolment(current_user)
    entries = _entries(enrolment) if enrolment else []
    return render_template(
        "skills/log.html",
        title="My learning log",
        own=True,
        enrolment=enrolment,
        entries=entries,
        total_hours=sum(e.hours for e in entries),
        comment_forms={},
    )


def _own_entry(entry_id: int) -> LearningLogEntry:
    entry = db.session.get(LearningLogEntry, entry_id)
    if entry is None or entry.enrolment.user_id != current_user.id:
        refuse(404, f"learning log entry {entry_id} is not theirs")
    return entry


@bp.route("/my-learning-log/new", methods=["GET", "POST"])
@roles_required(Role.PARTICIPANT)
def add_log_entry():
    enrolment = _current_enrolment(current_user)
    if enrolment is None:
        refuse(404, "not enrolled")
    return _log_entry_form(enrolment, None)


@bp.route("/my-learning-log/<id:entry_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PARTICIPANT)
def edit_log_entry(entry_id: int):
    entry = _own_entry(entry_id)
    return _log_entry_form(entry.enrolment, entry)


def _log_entry_form(enrolment: Enrolment, entry: LearningLogEntry | None):
    today = london_date(utcnow())
    if request.method == "GET" and entry is not None:
        form = LogEntryForm(
            data={
                "entry_date": entry.entry_date,
                "activity": entry.activity,
                "hours": f"{entry.hours:g}",
                "reflection": entry.reflection or "",
                "link": entry.link or "",
            }
        )
    else:
        form = LogEntryForm()
    if request.method == "GET" and entry is None:
        form.entry_date.data = today
    if form.validate_on_submit():
        try:
            if entry is None:
                service.add_log_entry(current_user, enrolment, _entry_details(form), today)
            else:
                service.update_log_entry(current_user, entry, _entry_details(form), today)
        except SkillError as error:
            db.session.rollback()
            getattr(form, error.field or "activity").errors = [str(error)]
        else:
            flash("Learning log entry saved.", "success")
            return redirect(url_for("skills.my_learning_log"))
    return render_template(
        "skills/log_entry_form.html",
        title="Change a learning log entry" if entry else "Add to your learning log",
        form=form,
        entry=entry,
    ), (400 if form.errors else 200)


@bp.route("/cohorts/<slug>/learning-log/<id:enrolment_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def participant_log(slug: str, enrolment_id: int):
    cohort = cohort_for(current_user, slug)
    enrolment = _enrolment_in(cohort, enrolment_id)
    entries = _entries(enrolment)
    comment_forms = {e.id: CommentForm(prefix=f"entry-{e.id}", formdata=None) for e in entries}
    form = None
    if request.method == "POST":
        raw = request.form.get("entry_id", "")
        entry = next((e for e in entries if raw.isdigit() and len(raw) <= 9 and e.id == int(raw)), None)
        if entry is None:
            refuse(404, "comment on an entry that is not in this learning log")
        form = CommentForm(prefix=f"entry-{entry.id}")
        comment_forms[entry.id] = form
        if form.validate_on_submit():
            try:
                service.comment_on_entry(current_user, entry, form.body.data)
            except SkillError as error:
                db.session.rollback()
                form.body.errors = [str(error)]
            else:
                flash("Comment added.", "success")
                return redirect(
                    url_for("skills.participant_log", slug=cohort.slug, enrolment_id=enrolment.id)
                    + f"#entry-{entry.id}"
                )
    return render_template(
        "skills/log.html",
        title=f"Learning log – {enrolment.user.full_name} – {enrolment.cohort.name}",
        own=False,
        cohort=cohort,
        enrolment=enrolment,
        entries=entries,
        total_hours=sum(e.hours for e in entries),
        comment_forms=comment_forms,
        form=form,
    ), (400 if form is not None and form.errors else 200)
