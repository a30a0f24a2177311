"""The skills a cohort assesses and their targets, chosen or copied from another cohort
(programme managers). On the skills blueprint: endpoint names are the functions' names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from cohort.auth.access import admin_required, cohort_for
from cohort.domain.formatting import plural
from cohort.domain.progress import parse_level
from cohort.extensions import db
from cohort.models import Cohort, CohortSkill, Skill
from cohort.skills import bp, queries, service
from cohort.skills.forms import CopySkillsForm, GridForm
from cohort.skills.routes import TARGET_CHOICES
from cohort.skills.service import SkillError


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


def _choice_rows(cohort: Cohort) -> list[ChoiceRow]:
    """Every skill a cohort may choose (retired ones only if it has them), with its target."""
    current = {cs.skill_id: cs for cs in queries.cohort_skills(cohort)}
    skills = db.session.scalars(select(Skill).order_by(Skill.category, Skill.name)).all()
    return [
        ChoiceRow(s, s.id in current, str(current[s.id].target_level) if s.id in current else "3")
        for s in skills
        if not s.retired or s.id in current
    ]


def _chosen_targets(rows: list[ChoiceRow]) -> tuple[dict[int, int], list[dict]]:
    """The skills ticked on the posted page and their targets (skill id → level), and the
    errors; each row keeps what was sent. A skill not offered on the page (retired, or
    unknown) is passed on with target 3, for the service to refuse by name."""
    errors: list[dict] = []
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
    shown = {row.skill.id for row in rows}
    for key, value in request.form.items():
        match = re.fullmatch(r"skill-(\d{1,9})", key)
        if match and value == "yes" and int(match[1]) not in shown:
            targets[int(match[1])] = 3
    return targets, errors


@bp.route("/cohorts/<slug>/skills", methods=["GET", "POST"])
@admin_required
def cohort_skills(slug: str):
    cohort = cohort_for(current_user, slug)
    rows = _choice_rows(cohort)
    errors: list[dict] = []
    if request.method == "POST":
        if not GridForm(prefix="choose").validate_on_submit():
            abort(400)
        targets, errors = _chosen_targets(rows)
        if not errors:
            try:
                changes = service.set_cohort_skills(current_user, cohort, targets)
            except SkillError as error:
                db.session.rollback()
                errors.append({"text": str(error), "href": "#skills"})
            else:
                flash(
                    f"Skills and targets saved: {plural(changes, 'change')}."
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
    rows = _choice_rows(cohort)
    errors = [{"text": e, "href": "#copy-source"} for e in form.source.errors]
    return _render_cohort_skills(cohort, rows, form, errors, 400)
