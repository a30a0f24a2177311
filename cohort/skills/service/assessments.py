"""Assessments: saving a grid or one person's levels, audited.

Assessments are refused, with a message a person can act on, when the level is
not 0–4, the cohort does not assess the skill, or the person assessing is a
facilitator who does not run the participant's cohort. A grid saves only the
cells that changed, one audit event each, under the enrolments' row locks, and a
save from a stale page is refused (docs/decisions/0003-concurrent-registers-and-grids.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from cohort.core import audit, changes
from cohort.domain.progress import MAX_LEVEL, MIN_LEVEL, Checkpoint, Source, is_level, level_label
from cohort.extensions import db
from cohort.models import (
    Assessment,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Skill,
    User,
)
from cohort.models.base import utcnow
from cohort.policy import may_manage_cohort

from .cohort_skills import cohort_skills
from .common import SkillError, _check_open

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
