"""Changing the skills framework, cohort skills, assessments and learning logs, each change audited.

Assessments are refused, with a message a person can act on, when the level is
not 0–4, the cohort does not assess the skill, or the person assessing is a
facilitator who does not run the participant's cohort. A grid saves only the
cells that changed, one audit event each, under the enrolments' row locks, and a
save from a stale page is refused (docs/decisions/0003-concurrent-registers-and-grids.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import contains_eager

from cohort.core import audit, changes
from cohort.core.closed import closed_reason
from cohort.core.errors import ServiceError
from cohort.domain.progress import MAX_LEVEL, MIN_LEVEL, Checkpoint, Source, is_level, level_label
from cohort.extensions import db
from cohort.models import (
    Assessment,
    Cohort,
    CohortSkill,
    Enrolment,
    EnrolmentStatus,
    LearningLogComment,
    LearningLogEntry,
    Skill,
    User,
)
from cohort.models.base import utcnow
from cohort.policy import may_manage_cohort

SKILL_FIELDS = ("name", "category", "description", "level_0", "level_1", "level_2", "level_3", "level_4")
ENTRY_FIELDS = ("entry_date", "activity", "hours", "reflection", "link")


class SkillError(ServiceError):
    """A change that cannot be made; `field` names the form field at fault."""


def _check_open(cohort: Cohort, what: str, field: str | None = None) -> None:
    """A finished or archived cohort's skills, assessments and learning logs no longer change
    (status read in this transaction)."""
    if reason := closed_reason(cohort, what, lock=True):
        raise SkillError(reason, field)


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


# Assessments -------------------------------------------------------------------------


def _assessment_snapshot(a: Assessment | None) -> dict | None:
    if a is None:
        return None
    return {"level": a.level, "evidence": a.evidence, "evidence_link": a.evidence_link}


KEEP = "__keep__"  # a cell that does not carry evidence (the grid) keeps what was there


@dataclass(frozen=True)
class Cell:
    """What a form says for one (enrolment, skill): a level (None: left blank, the level stays),
    evidence and link (KEEP: not on this form), and what the page showed when it was opened
    (a Cell: its level, and its evidence and link if the form shows them, else KEEP; None: not
    known, as from an old page or a client that does not send it: saved without the check)."""

    level: int | None
    evidence: str | None = KEEP
    evidence_link: str | None = KEEP
    shown: Cell | None = None


class StaleAssessments(SkillError):
    """A stale save: nothing was written. `conflicts` (keyed by (enrolment id, skill id), value
    now a Cell) says which cells, and what they are now (docs/decisions/0003-concurrent-registers-and-grids.md)."""

    def __init__(self, conflicts: list[changes.Conflict]):
        super().__init__(
            "Someone else changed these assessments after you opened this page: nothing was saved"
        )
        self.conflicts = conflicts


def _check_assessment(
    actor: User, enrolment: Enrolment, skill_ids: set[int], skill_id: int, source: Source, level: object
) -> None:
    cohort = enrolment.cohort
    if source == Source.FACILITATOR and not may_manage_cohort(actor, cohort):
        raise SkillError("You can only assess participants in cohorts you facilitate")
    if source == Source.SELF and actor.id != enrolment.user_id:
        raise SkillError("You can only assess yourself")
    if enrolment.status != EnrolmentStatus.ACTIVE and source == Source.SELF:
        raise SkillError("Your place on this cohort is no longer active: self-assessments are closed")
    if skill_id not in skill_ids:
        skill = db.session.get(Skill, skill_id) if isinstance(skill_id, int) else None
        what = skill.name if skill is not None else "This skill"
        raise SkillError(f"{what} is not assessed in {cohort.name}", f"level-{enrolment.id}-{skill_id}")
    if not is_level(level):
        raise SkillError(
            f"Level must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}",
            f"level-{enrolment.id}-{skill_id}",
        )


def existing_assessments(
    enrolment_ids: Sequence[int], checkpoint: Checkpoint, source: Source, *, afresh: bool = False
) -> dict[tuple[int, int], Assessment]:
    """(enrolment id, skill id) → assessment, for one checkpoint and source (one query).
    `afresh`: as the database has them now, not as this request loaded them earlier."""
    if not enrolment_ids:
        return {}
    query = select(Assessment).where(
        Assessment.enrolment_id.in_(list(enrolment_ids)),
        Assessment.checkpoint == checkpoint,
        Assessment.source == source,
    )
    if afresh:
        query = query.execution_options(populate_existing=True)
    return {(a.enrolment_id, a.skill_id): a for a in db.session.scalars(query)}


def _text(value: str | None, old: str | None) -> str | None:
    return old if value == KEEP else ((value or "").strip() or None)


def _seen(cell: Cell, shown: Cell | None = None) -> tuple:
    """The parts of a cell a page showed (level; evidence and link if it showed them; all without
    `shown`), line breaks as LF: browsers send CR LF whatever the page had."""
    evidence = cell.evidence.replace("\r\n", "\n") if cell.evidence not in (None, KEEP) else cell.evidence
    return (
        cell.level,
        KEEP if shown is not None and shown.evidence == KEEP else evidence,
        KEEP if shown is not None and shown.evidence_link == KEEP else cell.evidence_link,
    )


def _conflict(
    viewer: User, enrolment: Enrolment, skill_id: int, skill: str, source: Source, shown: Cell, old, at
):
    """The cell, and who changed it when (its latest audit event, else what the assessment says)."""
    change = changes.latest("Assessment", old, old and old.assessed_by, old and old.assessed_at)
    own = source == Source.SELF and viewer.id == enrolment.user_id
    whose = "your" if own else f"{enrolment.user.full_name}'s"
    now = _value(old)
    message = changes.level_message(viewer, whose, skill, shown.level, now.level, change, at)
    return changes.Conflict((enrolment.id, skill_id), now, message)


def _value(a: Assessment | None) -> Cell:
    return Cell(a.level, a.evidence, a.evidence_link) if a is not None else Cell(None, None, None)


def save_assessments(
    actor: User,
    cohort: Cohort,
    checkpoint: Checkpoint,
    source: Source,
    enrolments: Sequence[Enrolment],
    cells: Mapping[tuple[int, int], Cell],
    at: datetime | None = None,
) -> int:
    """Save the cells this person changed; returns how many. All or nothing: one refused cell
    saves none. Under the enrolments' row locks, a cell that knows what its page showed is
    written only if the form changes it, and refused (StaleAssessments) if someone else has
    changed it since to something else; one that does not is written if it differs from what is
    there now. A blank level keeps the level there (a level can be changed, not taken away).
    """
    at = at or utcnow()
    _check_open(cohort, "its assessments")
    by_id = {e.id: e for e in enrolments}
    skill_names = {cs.skill_id: cs.skill.name for cs in cohort_skills(cohort)}
    for enrolment_id, _skill_id in cells:
        enrolment = by_id.get(enrolment_id)
        if enrolment is None or enrolment.cohort_id != cohort.id:
            raise SkillError("Someone in this form is not a participant of this cohort: nothing was saved")
    ids = sorted({enrolment_id for enrolment_id, _ in cells})
    changes.lock(Enrolment, ids)  # then what is there now: see changes.lock
    existing = existing_assessments(ids, checkpoint, source, afresh=True)
    writes: list[tuple[Enrolment, int, Assessment | None, Cell]] = []
    stale = []
    for (enrolment_id, skill_id), cell in cells.items():
        enrolment = by_id[enrolment_id]
        old = existing.get((enrolment_id, skill_id))
        now = _value(old)
        new = Cell(
            cell.level if cell.level is not None else now.level,
            _text(cell.evidence, now.evidence),
            _text(cell.evidence_link, now.evidence_link),
        )
        if new.level is None:
            if new.evidence or new.evidence_link:
                name = skill_names.get(skill_id, "this skill")
                raise SkillError(
                    f"Choose a level for {name} to save its evidence", f"level-{enrolment_id}-{skill_id}"
                )
            continue
        _check_assessment(actor, enrolment, set(skill_names), skill_id, source, new.level)
        if cell.shown is not None:
            shown = Cell(
                cell.shown.level, _text(cell.shown.evidence, KEEP), _text(cell.shown.evidence_link, KEEP)
            )
            if _seen(new, shown) == _seen(shown, shown):
                continue  # not changed on this page: never written
            if _seen(now, shown) not in (_seen(shown, shown), _seen(new, shown)):
                stale.append((enrolment, skill_id, shown, old))
                continue
        if _seen(now) == _seen(new):
            continue
        writes.append((enrolment, skill_id, old, new))
    if stale:
        raise StaleAssessments(
            [
                _conflict(actor, enrolment, skill_id, skill_names[skill_id], source, shown, old, at)
                for enrolment, skill_id, shown, old in stale
            ]
        )
    for enrolment, skill_id, old, new in writes:
        level = new.level
        assert level is not None  # cells without a level were skipped above
        before = _assessment_snapshot(old)
        if old is None:
            old = Assessment(
                enrolment_id=enrolment.id, skill_id=skill_id, checkpoint=checkpoint, source=source
            )
            db.session.add(old)
        old.level = level
        old.evidence = new.evidence
        old.evidence_link = new.evidence_link
        old.assessed_by_id = actor.id
        old.assessed_at = at
        db.session.flush()
        who = "themselves" if source == Source.SELF else enrolment.user.full_name
        was = f" (was {before['level']})" if before and before["level"] != new.level else ""
        audit.record(
            actor,
            "update" if before else "create",
            old,
            f"{checkpoint.label} {source.value} assessment of {who} for {skill_names[skill_id]}: "
            f"{level_label(new.level)}{was}",
            before=before,
            after=_assessment_snapshot(old),
        )
    db.session.commit()
    return len(writes)


# Learning log --------------------------------------------------------------------------


@dataclass
class EntryDetails:
    entry_date: date
    activity: str
    hours: float
    reflection: str | None = None
    link: str | None = None


def _apply_entry(entry: LearningLogEntry, details: EntryDetails, today: date) -> None:
    activity = details.activity.strip()
    if not activity:
        raise SkillError("Enter what you did", "activity")
    if details.entry_date > today:
        raise SkillError("Date must be today or in the past", "entry_date")
    if not (0 < details.hours <= 24):
        raise SkillError("Hours must be more than 0 and no more than 24", "hours")
    entry.entry_date = details.entry_date
    entry.activity = activity
    entry.hours = details.hours
    entry.reflection = (details.reflection or "").strip() or None
    entry.link = (details.link or "").strip() or None


def add_log_entry(actor: User, enrolment: Enrolment, details: EntryDetails, today: date) -> LearningLogEntry:
    if actor.id != enrolment.user_id:
        raise SkillError("You can only write in your own learning log")
    _check_open(enrolment.cohort, "its learning logs", "activity")
    entry = LearningLogEntry(enrolment_id=enrolment.id)
    _apply_entry(entry, details, today)
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor,
        "create",
        entry,
        f"Learning log: {entry.activity[:200]}",
        after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    db.session.commit()
    return entry


def update_log_entry(actor: User, entry: LearningLogEntry, details: EntryDetails, today: date) -> None:
    if actor.id != entry.enrolment.user_id:
        raise SkillError("You can only change your own learning log")
    _check_open(entry.enrolment.cohort, "its learning logs", "activity")
    before = audit.snapshot(entry, ENTRY_FIELDS)
    _apply_entry(entry, details, today)
    entry.updated_at = utcnow()
    audit.record(
        actor,
        "update",
        entry,
        f"Learning log changed: {entry.activity[:200]}",
        before,
        audit.snapshot(entry, ENTRY_FIELDS),
    )
    db.session.commit()


def comment_on_entry(actor: User, entry: LearningLogEntry, body: str) -> LearningLogComment:
    if not may_manage_cohort(actor, entry.enrolment.cohort):
        raise SkillError("You can only comment on the learning logs of cohorts you facilitate", "body")
    _check_open(entry.enrolment.cohort, "its learning logs", "body")
    body = body.strip()
    if not body:
        raise SkillError("Enter your comment", "body")
    comment = LearningLogComment(entry_id=entry.id, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(
        actor,
        "create",
        comment,
        f"Commented on {entry.enrolment.user.full_name}'s learning log entry “{entry.activity[:120]}”",
        after={"body": body},
    )
    db.session.commit()
    return comment
