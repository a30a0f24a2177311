"""Skills framework (programme manager), cohort skills and targets, learning logs and progress
pages. Assessments (facilitator grid, one participant with evidence, self-assessment) are in
cohort/skills/assessments.py.

Facilitators work on the cohorts they are assigned to (others answer 404, through
cohort_for); programme managers on every cohort; sponsors read their own
department's progress; participants see only their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cohort.auth.access import admin_required, cohort_for, refuse, roles_required
from cohort.domain.progress import LEVEL_NAMES, LEVELS, Checkpoint, parse_level
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import (
    Cohort,
    CohortSkill,
    Enrolment,
    EnrolmentStatus,
    LearningLogEntry,
    Role,
    Skill,
    User,
)
from cohort.models.base import utcnow
from cohort.policy import department_scope
from cohort.skills import bp, queries, service
from cohort.skills.forms import (
    CommentForm,
    CopySkillsForm,
    GridForm,
    LogEntryForm,
    SkillForm,
)
from cohort.skills.service import EntryDetails, SkillDetails, SkillError

STAFF = (Role.ADMIN, Role.FACILITATOR)
LEVEL_CHOICES = [(str(n), f"{n} – {LEVEL_NAMES[n]}") for n in LEVELS]
TARGET_CHOICES = LEVEL_CHOICES[1:]


def _checkpoint(value: str) -> Checkpoint:
    try:
        return Checkpoint(value)
    except ValueError:
        refuse(404, f"no checkpoint {value[:40]!r}")
        raise


def _enrolment_in(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of this cohort the user may see (sponsors: their department's), else 404."""
    enrolment = found_or_404(Enrolment, enrolment_id, cohort_id=cohort.id)
    if department_scope(current_user) not in (None, enrolment.user.department_id):
        refuse(404, f"enrolment {enrolment_id} outside the sponsor's department")
    return enrolment


def _current_enrolment(user: User) -> Enrolment | None:
    """A participant's place: the active one, else the most recent."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_on.desc(), Enrolment.id.desc())
    ).all()
    active = [e for e in enrolments if e.status == EnrolmentStatus.ACTIVE]
    return next(iter(active or enrolments), None)


# The framework --------------------------------------------------------------------------


@bp.route("/skills")
@admin_required
def list_skills() -> str:
    skills = db.session.scalars(select(Skill).order_by(Skill.category, Skill.name)).all()
    in_use = dict(
        db.session.execute(select(CohortSkill.skill_id, func.count()).group_by(CohortSkill.skill_id)).all()
    )
    categories: dict[str, list[Skill]] = {}
    for skill in skills:
        categories.setdefault(skill.category, []).append(skill)
    return render_template(
        "skills/list.html",
        title="Skills framework",
        categories=categories,
        in_use=in_use,
        confirm_form=ConfirmForm(),
    )


def _skill_for(skill_id: int) -> Skill:
    return found_or_404(Skill, skill_id)


def _save_skill(form: SkillForm, skill: Skill | None) -> Skill | None:
    if not form.validate_on_submit():
        return None
    details = SkillDetails(
        name=form.name.data,
        category=form.category.data,
        description=form.description.data,
        levels=[getattr(form, f"level_{n}").data for n in LEVELS],
    )
    try:
        if skill is None:
            return service.create_skill(current_user, details)
        service.update_skill(current_user, skill, details)
        return skill
    except SkillError as error:
        db.session.rollback()
        getattr(form, error.field or "name").errors = [str(error)]
    except IntegrityError:
        db.session.rollback()
        form.name.errors = ["There is already a skill with this name"]
    return None


@bp.route("/skills/new", methods=["GET", "POST"])
@admin_required
def create_skill():
    form = SkillForm()
    skill = _save_skill(form, None)
    if skill is not None:
        flash(f"Skill {skill.name} added.", "success")
        return redirect(url_for("skills.list_skills"))
    return render_template("skills/skill_form.html", title="Add a skill", form=form, skill=None), (
        400 if form.errors else 200
    )


@bp.route("/skills/<id:skill_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_skill(skill_id: int):
    skill = _skill_for(skill_id)
    form = SkillForm(obj=skill) if request.method == "GET" else SkillForm()
    saved = _save_skill(form, skill)
    if saved is not None:
        flash(f"Skill {saved.name} updated.", "success")
        return redirect(url_for("skills.list_skills"))
    return render_template("skills/skill_form.html", title=f"Edit {skill.name}", form=form, skill=skill), (
        400 if form.errors else 200
    )


def _retire(skill_id: int, retired: bool):
    skill = _skill_for(skill_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if service.set_retired(current_user, skill, retired):
        if retired:
            flash(f"{skill.name} retired. Its assessments stay in every record.", "success")
        else:
            flash(f"{skill.name} is back in use.", "success")
    return redirect(url_for("skills.list_skills"))


@bp.route("/skills/<id:skill_id>/retire", methods=["POST"])
@admin_required
def retire_skill(skill_id: int):
    return _retire(skill_id, True)


@bp.route("/skills/<id:skill_id>/unretire", methods=["POST"])
@admin_required
def unretire_skill(skill_id: int):
    return _retire(skill_id, False)


# Skills a cohort assesses -----------------------------------------------------------------


@dataclass
class ChoiceRow:
    skill: Skill
    chosen: bool
    target: str
    error: str | None = None


def _copy_form(cohort: Cohort) -> CopySkillsForm:
    form = CopySkillsForm(prefix="copy")
    others = db.session.scalars(
        select(Cohort)
        .where(Cohort.id != cohort.id, Cohort.id.in_(select(CohortSkill.cohort_id)))
        .order_by(Cohort.start_date.desc(), Cohort.name)
    ).all()
    form.source.choices = [("", "Choose a cohort")] + [(str(c.id), c.name) for c in others]
    return form


def _render_cohort_skills(cohort, rows, copy_form, errors, status=200):
    return render_template(
        "skills/cohort_skills.html",
        title=f"Skills and targets – {cohort.name}",
        cohort=cohort,
        rows=rows,
        copy_form=copy_form,
        save_form=GridForm(prefix="choose"),
        errors=errors,
        targets=TARGET_CHOICES,
    ), status


@bp.route("/cohorts/<slug>/skills", methods=["GET", "POST"])
@admin_required
def cohort_skills(slug: str):
    cohort = cohort_for(current_user, slug)
    current = {cs.skill_id: cs for cs in queries.cohort_skills(cohort)}
    skills = db.session.scalars(select(Skill).order_by(Skill.category, Skill.name)).all()
    skills = [s for s in skills if not s.retired or s.id in current]
    rows = [
        ChoiceRow(s, s.id in current, str(current[s.id].target_level) if s.id in current else "3")
        for s in skills
    ]
    errors: list[dict] = []
    if request.method == "POST":
        if not GridForm(prefix="choose").validate_on_submit():
            abort(400)
        targets: dict[int, int] = {}
        for row in rows:
            row.chosen = request.form.get(f"skill-{row.skill.id}") == "yes"
            row.target = request.form.get(f"target-{row.skill.id}", "").strip()[:2]
            if not row.chosen:
                continue
            try:
                level = parse_level(row.target)
            except ValueError:
                level = None
            if level is None or level < 1:
                row.error = f"Choose a target from 1 to 4 for {row.skill.name}"
                errors.append({"text": row.error, "href": f"#target-{row.skill.id}"})
                continue
            targets[row.skill.id] = level
        # A skill not offered on the page (retired, or unknown): the service refuses it by name.
        shown = {row.skill.id for row in rows}
        for key, value in request.form.items():
            match = re.fullmatch(r"skill-(\d{1,9})", key)
            if match and value == "yes" and int(match[1]) not in shown:
                targets[int(match[1])] = 3
        if not errors:
            try:
                changes = service.set_cohort_skills(current_user, cohort, targets)
            except SkillError as error:
                db.session.rollback()
                errors.append({"text": str(error), "href": "#skills"})
            else:
                flash(
                    f"Skills and targets saved: {changes} {'change' if changes == 1 else 'changes'}."
                    if changes
                    else "Skills and targets saved: nothing had changed.",
                    "success",
                )
                return redirect(url_for("skills.cohort_skills", slug=cohort.slug))
    return _render_cohort_skills(cohort, rows, _copy_form(cohort), errors, 400 if errors else 200)


@bp.route("/cohorts/<slug>/skills/copy", methods=["POST"])
@admin_required
def copy_skills(slug: str):
    cohort = cohort_for(current_user, slug)
    form = _copy_form(cohort)
    if form.validate_on_submit() and form.source.data:
        source = db.session.get(Cohort, int(form.source.data))
        assert source is not None  # the form accepts only the ids of cohorts _copy_form read
        try:
            changes = service.copy_cohort_skills(current_user, cohort, source)
        except SkillError as error:
            db.session.rollback()
            form.source.errors = [str(error)]
        else:
            flash(f"Skills and targets copied from {source.name}: {changes} changes.", "success")
            return redirect(url_for("skills.cohort_skills", slug=cohort.slug))
    elif not form.source.errors:
        form.source.errors = ["Choose the cohort to copy skills and targets from"]
    current = {cs.skill_id: cs for cs in queries.cohort_skills(cohort)}
    skills = [
        s
        for s in db.session.scalars(select(Skill).order_by(Skill.category, Skill.name))
        if not s.retired or s.id in current
    ]
    rows = [
        ChoiceRow(s, s.id in current, str(current[s.id].target_level) if s.id in current else "3")
        for s in skills
    ]
    errors = [{"text": e, "href": "#copy-source"} for e in form.source.errors]
    return _render_cohort_skills(cohort, rows, form, errors, 400)


# Assessments: cohort/skills/assessments.py


# Progress -----------------------------------------------------------------------------------


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
        threshold=round(enrolment.cohort.min_attendance * 100) if enrolment else None,
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
        threshold=round(cohort.min_attendance * 100),
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


# Learning log ---------------------------------------------------------------------------------


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
