"""Assessment pages: the facilitator's grid (participants × skills), one participant's assessment
with evidence, and a participant's self-assessment.

Each cell carries, in hidden fields, what it showed when the page was opened (was-<enrolment
id>-<skill id>, and was-evidence-… and was-link-… on the one-participant form). A save writes
only the cells the person changed, and is refused whole, with what changed, by whom and when,
if someone else changed one of those cells since to something else
(docs/decisions/0003-concurrent-registers-and-grids.md).

The grid shows one skill at a time (?skill=<skill id>, the first by default), or every skill in a
box that scrolls sideways (?skill=all), so that the page fits a laptop and reflows at 320 pixels
(docs/rules.md §6.3). A save reads whichever cells the form sends, so the view only decides what is
drawn.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_, or_

from cohort.auth.access import cohort_for, refuse, roles_required
from cohort.domain.formatting import plural
from cohort.domain.progress import Checkpoint, Source, level_label, parse_level
from cohort.extensions import db
from cohort.models import Assessment, Cohort, CohortSkill, Enrolment, EnrolmentStatus, Role, Skill
from cohort.skills import bp, queries, service
from cohort.skills.forms import LINK_MAX, TEXT_MAX, GridForm
from cohort.skills.routes import LEVEL_CHOICES, STAFF, _checkpoint, _current_enrolment, _enrolment_in
from cohort.skills.service import Cell, SkillError, StaleAssessments
from cohort.text import invisible_characters

CELL = re.compile(r"^level-(\d{1,9})-(\d{1,9})$")
LEVEL_VALUES = frozenset({"", "0", "1", "2", "3", "4"})
STALE = (
    "Nothing was saved: someone else changed {what} after you opened this page. "
    "Your choices are still below, with what is saved now. Check them, then save again."
)


@dataclass
class GridCell:
    value: str  # what the select shows: "" or "0"–"4"
    existing: Assessment | None
    self_assessment: Assessment | None
    previous: int | None  # the facilitator's level at the checkpoint before
    error: str | None = None
    evidence: str = ""
    link: str = ""
    # What the page showed when it was opened, sent back in hidden fields; `known`: the form sent them.
    was: str = ""
    was_evidence: str = ""
    was_link: str = ""
    known: bool = True
    sent: str = ""  # the level the form sent ("" none)
    now: str | None = None  # after a refused save: what is saved now, shown beside the cell

    def saved_as_was(self, a: Assessment | None) -> None:
        self.was = str(a.level) if a else ""
        self.was_evidence = (a.evidence or "") if a else ""
        self.was_link = (a.evidence_link or "") if a else ""

    def changed(self, with_evidence: bool) -> bool:
        if not with_evidence:
            return self.sent not in ("", self.was)
        return (self.sent or self.was, self.evidence, self.link) != (
            self.was,
            self.was_evidence,
            self.was_link,
        )

    def shown(self, with_evidence: bool) -> Cell | None:
        if not self.known:
            return None
        level = int(self.was) if self.was else None
        if not with_evidence:
            return Cell(level)
        return Cell(level, self.was_evidence, self.was_link)


def level_options(existing: bool, value: str) -> Markup:
    """A grid cell's <option>s, `value` selected; "Not assessed" only where nothing is saved yet.
    Built once per (existing, value), not once per cell: a 200-person grid has thousands."""
    return _level_options(existing, value if value in LEVEL_VALUES else "?")  # "?": none selected


@functools.cache
def _level_options(existing: bool, value: str) -> Markup:
    option = Markup('<option value="{}"{}>{}</option>')
    selected = Markup(" selected")
    options = [] if existing else [option.format("", selected if not value else "", "Not assessed")]
    options += [option.format(v, selected if v == value else "", label) for v, label in LEVEL_CHOICES]
    return Markup("").join(options)


@dataclass
class GridRow:
    enrolment: Enrolment
    cells: dict[int, GridCell] = field(default_factory=dict)


def _build_grid(cohort, checkpoint, source, enrolments, skills):
    ids = [e.id for e in enrolments]
    existing = service.existing_assessments(ids, checkpoint, source)
    # Levels only (rows, not model objects): the self-assessment and the checkpoint before.
    before = list(Checkpoint)[: checkpoint.order]
    # Only the rows a cell shows: the other source's level at this checkpoint, the facilitator's before.
    wanted = or_(
        and_(Assessment.checkpoint == checkpoint, Assessment.source != source),
        and_(Assessment.source == Source.FACILITATOR, Assessment.checkpoint.in_(before)),
    )
    others = queries.levels_by_enrolment(ids, wanted) if ids else {}
    rows = []
    for e in enrolments:
        row = GridRow(e)
        for cs in skills:
            old = existing.get((e.id, cs.skill_id))
            all_here = others.get(e.id, {}).get(cs.skill_id, [])
            mine = next(
                (a for a in all_here if a.checkpoint == checkpoint and a.source != source),
                None,
            )
            previous = None
            for cp in before:
                for a in all_here:
                    if a.checkpoint == cp and a.source == Source.FACILITATOR:
                        previous = a.level
            cell = GridCell(
                str(old.level) if old else "",
                old,
                mine,
                previous,
                evidence=(old.evidence or "") if old else "",
                link=(old.evidence_link or "") if old else "",
            )
            cell.saved_as_was(old)
            row.cells[cs.skill_id] = cell
        rows.append(row)
    return rows


def _read_was(cell: GridCell, key: str, with_evidence: bool) -> None:
    """What the page showed for a cell, from its hidden fields. Missing or not what a page sends
    (an old page, a client that does not send them): the cell is saved without the stale-page
    check, and shown with what was saved when this request read it."""
    was = request.form.get(f"was-{key}")
    evidence = request.form.get(f"was-evidence-{key}", "" if not with_evidence else None)
    link = request.form.get(f"was-link-{key}", "" if not with_evidence else None)
    if (
        was in LEVEL_VALUES
        and evidence is not None
        and link is not None
        and len(evidence) <= TEXT_MAX
        and len(link) <= LINK_MAX
    ):
        cell.known = True
        cell.was, cell.was_evidence, cell.was_link = was, evidence.strip(), link.strip()
    else:
        cell.known = False
        cell.saved_as_was(cell.existing)


def _read_cells(rows: list[GridRow], skills: list[CohortSkill], with_evidence: bool):
    """The cells the form sends; returns (cells, errors). Refuses cells for people or skills
    outside this form before anything else."""
    names = {cs.skill_id: cs.skill.name for cs in skills}
    by_id = {r.enrolment.id: r for r in rows}
    errors: list[dict] = []
    for key in request.form:
        match = CELL.match(key)
        if not match:
            continue
        enrolment_id, skill_id = int(match[1]), int(match[2])
        if enrolment_id not in by_id:
            return {}, [
                {
                    "text": "Someone in this form is not a participant you can assess in this cohort: nothing was saved",
                    "href": "#grid",
                }
            ]
        if skill_id not in names:
            skill = db.session.get(Skill, skill_id)
            what = skill.name if skill is not None else "A skill in this form"
            return {}, [
                {"text": f"{what} is not assessed in this cohort: nothing was saved", "href": "#grid"}
            ]
    cells: dict[tuple[int, int], Cell] = {}
    for row in rows:
        name = row.enrolment.user.full_name
        for skill_id, cell in row.cells.items():
            ids = f"{row.enrolment.id}-{skill_id}"
            key = f"level-{ids}"
            raw = request.form.get(key, "")
            _read_was(cell, ids, with_evidence)
            if with_evidence:
                cell.evidence = request.form.get(f"evidence-{ids}", "").strip()
                cell.link = request.form.get(f"link-{ids}", "").strip()
            try:
                level = parse_level(raw)
            except ValueError:
                cell.value = ""
                cell.error = f"Level for {name}, {names[skill_id]} must be a whole number from 0 to 4"
                errors.append({"text": cell.error, "href": f"#{key}"})
                continue
            cell.value = cell.sent = "" if level is None else str(level)
            if level is None and cell.existing is not None:
                cell.value = str(cell.existing.level)  # a level can be changed, not taken away
            shown = cell.shown(with_evidence)
            if not with_evidence:
                if level is not None:
                    cells[(row.enrolment.id, skill_id)] = Cell(level, shown=shown)
                continue
            problem = None
            if len(cell.evidence) > TEXT_MAX:
                problem = f"Evidence for {names[skill_id]} must be {TEXT_MAX} characters or fewer"
            elif invisible_characters(cell.evidence):
                problem = f"Evidence for {names[skill_id]} must not contain invisible or control characters"
            elif cell.link and (
                len(cell.link) > LINK_MAX
                or not cell.link.startswith(("https://", "http://"))
                or any(c.isspace() for c in cell.link)
                or invisible_characters(cell.link)
            ):
                problem = f"Link for {names[skill_id]} must be a web address starting with https://, {LINK_MAX} characters or fewer"
            elif (cell.evidence or cell.link) and level is None and cell.existing is None:
                problem = f"Choose a level for {names[skill_id]} to save its evidence"
            if problem:
                cell.error = problem
                errors.append({"text": problem, "href": f"#evidence-{ids}"})
            elif level is not None or cell.existing is not None:
                # A blank level keeps the level saved (read again when saving), with this evidence.
                cells[(row.enrolment.id, skill_id)] = Cell(level, cell.evidence, cell.link, shown)
    return cells, errors


def _show_conflicts(rows: list[GridRow], error: StaleAssessments, point, source, with_evidence) -> list[dict]:
    """After a refused save: each cell in conflict keeps what the person chose, says what changed,
    and now counts what is saved as what it was (saving again overwrites it, knowingly); cells the
    person did not change show what is saved now. Returns the error list."""
    saved = service.existing_assessments([r.enrolment.id for r in rows], point, source)
    by_key = {c.key: c for c in error.conflicts}
    errors = []
    for row in rows:
        for skill_id, cell in row.cells.items():
            a = cell.existing = saved.get((row.enrolment.id, skill_id))
            conflict = by_key.get((row.enrolment.id, skill_id))
            if conflict is not None:
                cell.error = conflict.message
                cell.now = level_label(a.level if a else None)
                if with_evidence and a is not None and a.evidence:
                    cell.now += f", evidence: “{a.evidence}”"
                errors.append({"text": conflict.message, "href": f"#level-{row.enrolment.id}-{skill_id}"})
            elif not cell.changed(with_evidence):
                cell.value = str(a.level) if a else ""
                cell.evidence, cell.link = ((a.evidence or ""), (a.evidence_link or "")) if a else ("", "")
            else:
                continue
            cell.saved_as_was(a)
            cell.known = True
    return errors


ALL_SKILLS = "all"


def _chosen_skill(skills: list[CohortSkill], wanted: str) -> CohortSkill | None:
    """The skill the grid shows (None: every skill). Anything else than "all" or the id of a
    skill this cohort assesses (a skill since taken off, a made-up value) shows the first."""
    if wanted == ALL_SKILLS or not skills:
        return None
    return next((cs for cs in skills if wanted.isdigit() and str(cs.skill_id) == wanted), skills[0])


def _sent_outside(chosen: CohortSkill | None) -> bool:
    """Whether the form sent cells of another skill than the one shown (a page opened on every
    skill, or an older page): its errors must then be shown with every skill."""
    if chosen is None:
        return False
    return any((m := CELL.match(key)) and int(m[2]) != chosen.skill_id for key in request.form)


def _grid_saved(point: Checkpoint, changed: int) -> str:
    if changed:
        return f"{point.label} assessments saved: {plural(changed, 'level')} changed."
    return f"{point.label} assessments saved: nothing had changed."


def _grid_url(cohort: Cohort, point: Checkpoint, chosen) -> str:
    """The grid again, on the skill it showed (or all skills)."""
    return url_for(
        "skills.assessment_grid",
        slug=cohort.slug,
        checkpoint=point.value,
        skill=ALL_SKILLS if chosen is None else chosen.skill_id,
    )


def _grid_context(cohort: Cohort, point: Checkpoint, skills, chosen, rows) -> dict:
    """What skills/grid.html shows beside the form: the skills shown and how many are assessed."""
    return dict(
        title=f"{point.label} assessments – {chosen.skill.name if chosen else 'all skills'} – {cohort.name}",
        cohort=cohort,
        checkpoint=point,
        checkpoints=list(Checkpoint),
        skills=skills,
        shown=skills if chosen is None else [chosen],
        chosen=chosen,
        assessed={cs.skill_id: sum(1 for r in rows if r.cells[cs.skill_id].existing) for cs in skills},
        rows=rows,
        level_options=level_options,
    )


@bp.route("/cohorts/<slug>/assessments/<checkpoint>", methods=["GET", "POST"])
@roles_required(*STAFF)
def assessment_grid(slug: str, checkpoint: str):
    cohort = cohort_for(current_user, slug)
    point = _checkpoint(checkpoint)
    skills = queries.cohort_skills(cohort)
    chosen = _chosen_skill(skills, request.args.get("skill", "")[:12])
    enrolments = queries.attendance.enrolments_of(cohort, statuses=(EnrolmentStatus.ACTIVE,))
    rows = _build_grid(cohort, point, Source.FACILITATOR, enrolments, skills)
    form = GridForm()
    errors: list[dict] = []
    stale = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        cells, errors = _read_cells(rows, skills, with_evidence=False)
        if not errors:
            try:
                changed = service.save_assessments(
                    current_user, cohort, point, Source.FACILITATOR, enrolments, cells
                )
            except StaleAssessments as error:
                db.session.rollback()
                errors = _show_conflicts(rows, error, point, Source.FACILITATOR, False)
                stale = STALE.format(what="these assessments")
            except SkillError as error:
                db.session.rollback()
                errors = [{"text": str(error), "href": "#grid"}]
            else:
                flash(_grid_saved(point, changed), "success")
                return redirect(_grid_url(cohort, point, chosen))
        if errors and _sent_outside(chosen):
            chosen = None
    context = _grid_context(cohort, point, skills, chosen, rows)
    return render_template("skills/grid.html", **context, form=form, errors=errors, stale=stale), (
        409 if stale else 400 if errors else 200
    )


@bp.route("/cohorts/<slug>/assessments/<checkpoint>/<id:enrolment_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def assess_participant(slug: str, checkpoint: str, enrolment_id: int):
    cohort = cohort_for(current_user, slug)
    point = _checkpoint(checkpoint)
    enrolment = _enrolment_in(cohort, enrolment_id)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        refuse(404, "only active participants are assessed")
    return _assessment_form(cohort, enrolment, point, Source.FACILITATOR)


def _assessment_form(cohort: Cohort, enrolment: Enrolment, point: Checkpoint, source: Source):
    skills = queries.cohort_skills(cohort)
    rows = _build_grid(cohort, point, source, [enrolment], skills)
    form = GridForm()
    errors: list[dict] = []
    stale = None
    own = source == Source.SELF
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        cells, errors = _read_cells(rows, skills, with_evidence=True)
        if not errors:
            try:
                changed = service.save_assessments(current_user, cohort, point, source, [enrolment], cells)
            except StaleAssessments as error:
                db.session.rollback()
                errors = _show_conflicts(rows, error, point, source, True)
                stale = STALE.format(what="your self-assessment" if own else "this assessment")
            except SkillError as error:
                db.session.rollback()
                errors = [{"text": str(error), "href": "#grid"}]
            else:
                flash(
                    f"{point.label} {'self-assessment' if own else 'assessment'} saved: "
                    f"{plural(changed, 'skill')} changed."
                    if changed
                    else f"{point.label} {'self-assessment' if own else 'assessment'} saved: nothing had changed.",
                    "success",
                )
                if own:
                    return redirect(url_for("skills.my_progress"))
                return redirect(
                    url_for("skills.participant_progress", slug=cohort.slug, enrolment_id=enrolment.id)
                )
    return render_template(
        "skills/assess.html",
        title=(
            f"{point.label} self-assessment"
            if own
            else f"{point.label} assessment – {enrolment.user.full_name}"
        ),
        cohort=cohort,
        enrolment=enrolment,
        checkpoint=point,
        checkpoints=list(Checkpoint),
        own=own,
        skills=skills,
        row=rows[0],
        form=form,
        errors=errors,
        stale=stale,
        levels=LEVEL_CHOICES,
    ), (409 if stale else 400 if errors else 200)


@bp.route("/my-progress/self-assessment/<checkpoint>", methods=["GET", "POST"])
@roles_required(Role.PARTICIPANT)
def self_assessment(checkpoint: str):
    point = _checkpoint(checkpoint)
    enrolment = _current_enrolment(current_user)
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        refuse(404, "no active enrolment to self-assess in")
    return _assessment_form(enrolment.cohort, enrolment, point, Source.SELF)
