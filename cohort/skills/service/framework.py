"""The skills framework: adding, changing and retiring skills, audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from cohort.core import audit
from cohort.extensions import db
from cohort.models import (
    Skill,
    User,
)

from .common import SkillError

SKILL_FIELDS = ("name", "category", "description", "level_0", "level_1", "level_2", "level_3", "level_4")


# The framework ---------------------------------------------------------------------


@dataclass
class SkillDetails:
    name: str
    category: str
    description: str | None = None
    levels: list[str | None] = field(default_factory=lambda: [None] * 5)


def _apply(skill: Skill, details: SkillDetails) -> None:
    name = details.name.strip()
    category = details.category.strip()
    if not name:
        raise SkillError("Enter the skill's name", "name")
    if not category:
        raise SkillError("Enter the skill's category", "category")
    clash = db.session.scalar(
        select(Skill.id).where(func.lower(Skill.name) == name.lower(), Skill.id != (skill.id or 0))
    )
    if clash is not None:
        raise SkillError(f"There is already a skill called {name}", "name")
    skill.name = name
    skill.category = category
    skill.description = (details.description or "").strip() or None
    for level, text in enumerate(details.levels):
        setattr(skill, f"level_{level}", (text or "").strip() or None)


def create_skill(actor: User | None, details: SkillDetails) -> Skill:
    skill = Skill(retired=False)
    _apply(skill, details)
    db.session.add(skill)
    db.session.flush()
    audit.record(
        actor, "create", skill, f"Added skill {skill.name}", after=audit.snapshot(skill, SKILL_FIELDS)
    )
    db.session.commit()
    return skill


def update_skill(actor: User, skill: Skill, details: SkillDetails) -> None:
    before = audit.snapshot(skill, SKILL_FIELDS)
    _apply(skill, details)
    audit.record(
        actor, "update", skill, f"Changed skill {skill.name}", before, audit.snapshot(skill, SKILL_FIELDS)
    )
    db.session.commit()


def set_retired(actor: User, skill: Skill, retired: bool) -> bool:
    """Retire or bring back a skill; returns whether anything changed. A retired skill keeps its
    assessments and its place in the cohorts that use it; it cannot be added to another cohort."""
    if skill.retired == retired:
        return False
    skill.retired = retired
    audit.record(
        actor,
        "retire" if retired else "unretire",
        skill,
        f"{'Retired' if retired else 'Brought back'} skill {skill.name}",
        {"retired": not retired},
        {"retired": retired},
    )
    db.session.commit()
    return True
