"""The skills a cohort assesses and their target levels: choosing them and copying them from another
cohort, audited."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager

from cohort.core import audit
from cohort.domain.progress import MAX_LEVEL, level_label
from cohort.extensions import db
from cohort.models import (
    Assessment,
    Cohort,
    CohortSkill,
    Enrolment,
    Skill,
    User,
)

from .common import SkillError, _check_open

# Skills a cohort assesses --------------------------------------------------------------


def cohort_skills(cohort: Cohort) -> list[CohortSkill]:
    """The cohort's skills with their targets, by category and name (one query)."""
    return list(
        db.session.scalars(
            select(CohortSkill)
            .join(Skill, Skill.id == CohortSkill.skill_id)
            .options(contains_eager(CohortSkill.skill))
            .where(CohortSkill.cohort_id == cohort.id)
            .order_by(Skill.category, Skill.name)
        )
    )


def _assessed_in(cohort: Cohort, skill_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Assessment.skill_id == skill_id,
                    Assessment.enrolment_id == Enrolment.id,
                    Enrolment.cohort_id == cohort.id,
                )
            )
        )
    )


def set_cohort_skills(actor: User, cohort: Cohort, targets: Mapping[int, int]) -> int:
    """Make the cohort assess exactly these skills (skill id → target level); returns changes made.

    Refused (nothing saved): a target outside 1–4, an unknown skill, a retired skill
    the cohort does not already assess, or taking away a skill that has assessments, or any
    change once the cohort is finished or archived.
    """
    _check_open(cohort, "its skills and targets", "skills")
    current = {cs.skill_id: cs for cs in cohort_skills(cohort)}
    skills = {s.id: s for s in db.session.scalars(select(Skill).where(Skill.id.in_(list(targets))))}
    for skill_id, target in targets.items():
        skill = skills.get(skill_id)
        if skill is None:
            raise SkillError("One of the skills chosen does not exist", "skills")
        if not (isinstance(target, int) and 1 <= target <= MAX_LEVEL):
            raise SkillError(
                f"Target for {skill.name} must be a level from 1 to {MAX_LEVEL}", f"target-{skill_id}"
            )
        if skill.retired and skill_id not in current:
            raise SkillError(f"{skill.name} is retired: it cannot be added to a cohort", "skills")
    changes = 0
    for skill_id, cohort_skill in current.items():
        if skill_id in targets:
            continue
        if _assessed_in(cohort, skill_id):
            raise SkillError(
                f"{cohort_skill.skill.name} already has assessments in this cohort, so it cannot be taken away",
                "skills",
            )
        audit.record(
            actor,
            "delete",
            cohort_skill,
            f"Stopped assessing {cohort_skill.skill.name} in {cohort.name}",
            before={"skill": cohort_skill.skill.name, "target_level": cohort_skill.target_level},
        )
        db.session.delete(cohort_skill)
        changes += 1
    for skill_id, target in targets.items():
        existing = current.get(skill_id)
        name = skills[skill_id].name
        if existing is None:
            cohort_skill = CohortSkill(cohort_id=cohort.id, skill_id=skill_id, target_level=target)
            db.session.add(cohort_skill)
            db.session.flush()
            audit.record(
                actor,
                "create",
                cohort_skill,
                f"Assessing {name} in {cohort.name}, target {level_label(target)}",
                after={"skill": name, "target_level": target},
            )
            changes += 1
        elif existing.target_level != target:
            audit.record(
                actor,
                "update",
                existing,
                f"Target for {name} in {cohort.name} now {level_label(target)}",
                {"target_level": existing.target_level},
                {"target_level": target},
            )
            existing.target_level = target
            changes += 1
    db.session.commit()
    return changes


def copy_cohort_skills(actor: User, cohort: Cohort, source: Cohort) -> int:
    """Give the cohort the same skills and targets as another, in one step."""
    _check_open(cohort, "its skills and targets", "source")
    if source.id == cohort.id:
        raise SkillError("Choose a different cohort to copy from", "source")
    current = {cs.skill_id for cs in cohort_skills(cohort)}
    # What is still in use comes across; a retired skill only if this cohort already assesses it.
    targets = {
        cs.skill_id: cs.target_level
        for cs in cohort_skills(source)
        if not cs.skill.retired or cs.skill_id in current
    }
    if not targets:
        raise SkillError(f"{source.name} does not assess any skills that are still in use", "source")
    return set_cohort_skills(actor, cohort, targets)
