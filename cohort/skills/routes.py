"""Skills framework (programme manager), and the helpers the skills pages share. The other
pages, on the same blueprint: cohort skills and targets (routes_cohort_skills.py), progress
(routes_progress.py), learning logs (routes_learning_log.py) and assessments (facilitator
grid, one participant with evidence, self-assessment: assessments.py).

Facilitators work on the cohorts they are assigned to (others answer 404, through
cohort_for); programme managers on every cohort; sponsors read their own
department's progress; participants see only their own.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cohort.auth.access import admin_required, refuse
from cohort.domain.progress import LEVEL_NAMES, LEVELS, Checkpoint
from cohort.extensions import db
from cohort.forms import ConfirmForm
from cohort.lookups import found_or_404
from cohort.models import Cohort, CohortSkill, Enrolment, EnrolmentStatus, Role, Skill, User
from cohort.policy import department_scope
from cohort.skills import bp, service
from cohort.skills.forms import SkillForm
from cohort.skills.service import SkillDetails, SkillError

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
