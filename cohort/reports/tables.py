"""The report tables (docs/rules.md §9) as pandas DataFrames, from ReportData (cohort.reports.data).

Every figure is the completion engine's: a rate is the exact attended ÷ counted of docs/rules.md §3 (as a
float here; files format it as a percentage), an outcome comes with one reason per rule. Column
names are the headings people read in Excel and the PDF, so they are plain English.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING, Any

from cohort.domain.attendance import ATTENDED, counts_for, waiting_for_register
from cohort.domain.completion import FINAL_OUTCOMES, Outcome
from cohort.domain.progress import Checkpoint, latest_level, uplift
from cohort.domain.times import london_date

from .data import Person, ReportData

if TYPE_CHECKING:
    import pandas as pd


def _frame(*args: Any, **kwargs: Any) -> pd.DataFrame:
    # pandas is imported where a table is built, not when the app starts (docs/architecture.md §10).
    import pandas as pd

    return pd.DataFrame(*args, **kwargs)


RULES = (("attendance", "Attendance rule"), ("mandatory", "Mandatory sessions rule"),
         ("hackathon", "Hackathon rule"), ("skills", "Skills rule"))  # fmt: skip

# Columns holding a share from 0 to 1: files format them as percentages.
PERCENT_COLUMNS = frozenset(
    {"Attendance rate", "Completion rate", "Mean attendance", "Ethics strand completed"}
)


def _rate(figures) -> float | None:
    rate = figures.rate if figures is not None else None
    return None if rate is None else float(rate)


@dataclass(frozen=True)
class PersonFigures:
    """The figures of one enrolment that several tables share."""

    ethics_done: int
    ethics_held: int
    hackathons_ended: int
    hackathons_on_time: int
    uplifts: dict[int, int]  # skill id → latest − baseline (facilitator levels), where both exist

    @property
    def mean_uplift(self) -> float | None:
        return fmean(self.uplifts.values()) if self.uplifts else None

    @property
    def ethics_complete(self) -> bool | None:
        """Every ethics module held so far attended or caught up (None: none held yet)."""
        return None if not self.ethics_held else self.ethics_done == self.ethics_held


def person_figures(data: ReportData, person: Person) -> PersonFigures:
    """Worked out once per person and report (several tables use them)."""
    found = data.extra.get(person.enrolment_id)
    if found is None:
        found = data.extra[person.enrolment_id] = _person_figures(data, person)
    return found


def _person_figures(data: ReportData, person: Person) -> PersonFigures:
    cohort = data.cohort(person.cohort_id)
    marks = data.marks.get(person.enrolment_id, {})
    caught = data.caught_up.get(person.enrolment_id, set())
    held = [f for f in cohort.ethics if counts_for(f, person.enrolled_on, data.at)]
    done = sum(1 for f in held if marks.get(f.id) in ATTENDED or f.id in caught)
    hackathons = [f for f in cohort.facts.hackathons if counts_for(f, person.enrolled_on, data.at)]
    work = data.hackathon_work.get(person.enrolment_id, {})
    on_time = sum(1 for f in hackathons if f.id in work and work[f.id].entry == "on_time")
    uplifts: dict[int, int] = {}
    for skill_id, levels in data.levels.get(person.enrolment_id, {}).items():
        # uplift is None exactly when there is no baseline level
        if skill_id in cohort.facts.targets and (change := uplift(levels)) is not None:
            uplifts[skill_id] = change
    return PersonFigures(done, len(held), len(hackathons), on_time, uplifts)


def participants(data: ReportData) -> pd.DataFrame:
    """One row per enrolment with every figure behind its outcome."""
    rows = []
    for person in data.people:
        standing = data.standings[person.enrolment_id]
        cohort = data.cohort(person.cohort_id).cohort
        figures = standing.figures
        extra = person_figures(data, person)
        override = standing.override
        row = {
            "Cohort": cohort.name,
            "Participant": person.name,
            "Email": person.email,
            "Department": person.department_name,
            "Department code": person.department_code,
            "Job title": person.job_title or "",
            "Grade": person.grade or "",
            "Enrolled on": person.enrolled_on,
            "Outcome": standing.outcome.label,
            "Outcome by the rules": standing.computed.label if standing.computed else "",
            "Override reason": override.reason if override else "",
            "Overridden by": (override.by or "") if override else "",
            "Attendance rate": _rate(figures),
            "Sessions attended": figures.attended if figures else None,
            "Sessions counted": figures.counted if figures else None,
            "Present": figures.present if figures else None,
            "Late": figures.late if figures else None,
            "Excused": figures.excused if figures else None,
            "Absent": (figures.absent + figures.unmarked) if figures else None,
            "Ethics modules done": extra.ethics_done,
            "Ethics modules held": extra.ethics_held,
            "Hackathons ended": extra.hackathons_ended,
            "Hackathons submitted on time": extra.hackathons_on_time,
            "Skills at target": standing.skills.met if standing.skills else None,
            "Skills assessed": standing.skills.total if standing.skills else None,
            "Mean skill uplift": extra.mean_uplift,
        }
        for rule, heading in RULES:
            check = standing.check(rule)
            row[heading] = f"{check.state.label}: {check.reason}" if check else ""
        rows.append(row)
    frame = _frame(rows, columns=_PARTICIPANT_COLUMNS)
    for column in _COUNT_COLUMNS:  # whole numbers, empty for people who left (not 11.0)
        frame[column] = frame[column].astype("Int64")
    return frame


_COUNT_COLUMNS = ["Sessions attended", "Sessions counted", "Present", "Late", "Excused", "Absent",
                  "Skills at target", "Skills assessed"]  # fmt: skip


_PARTICIPANT_COLUMNS = [
    "Cohort", "Participant", "Email", "Department", "Department code", "Job title", "Grade",
    "Enrolled on", "Outcome", "Outcome by the rules", "Override reason", "Overridden by",
    "Attendance rate", "Sessions attended", "Sessions counted", "Present", "Late", "Excused", "Absent",
    "Ethics modules done", "Ethics modules held", "Hackathons ended", "Hackathons submitted on time",
    "Skills at target", "Skills assessed", "Mean skill uplift", *(h for _, h in RULES),
]  # fmt: skip


def attendance(data: ReportData) -> pd.DataFrame:
    """Every mark behind every rate: one row per participant per session that counts for them."""
    rows = []
    for person in data.people:
        if person.status in ("withdrawn", "transferred"):
            continue
        cohort = data.cohort(person.cohort_id)
        marks = data.marks.get(person.enrolment_id, {})
        caught = data.caught_up.get(person.enrolment_id, set())
        for session, facts in zip(cohort.sessions, cohort.facts.sessions, strict=True):
            if not counts_for(facts, person.enrolled_on, data.at):
                continue
            mark = marks.get(session.id)
            rows.append({
                "Cohort": cohort.cohort.name,
                "Participant": person.name,
                "Department": person.department_name,
                "Week": facts.week,
                "Date": london_date(session.starts_at),
                "Session": session.title,
                "Kind": session.kind.label,
                "Mandatory": "Yes" if session.mandatory else "No",
                "Mark": mark.label if mark else (
                    "Not marked: waiting for the register" if waiting_for_register(facts, mark, data.at)
                    else "Not marked (counts as absent)"),
                "Caught up": "Yes" if session.id in caught else "",
            })  # fmt: skip
    return _frame(rows, columns=["Cohort", "Participant", "Department", "Week", "Date", "Session",
                                       "Kind", "Mandatory", "Mark", "Caught up"])  # fmt: skip


def skills(data: ReportData) -> pd.DataFrame:
    """One row per participant per cohort skill: facilitator levels by checkpoint, target, uplift."""
    rows = []
    for person in data.people:
        if person.status in ("withdrawn", "transferred"):
            continue
        cohort = data.cohort(person.cohort_id)
        levels = data.levels.get(person.enrolment_id, {})
        for cs in cohort.skills:
            by = levels.get(cs.skill_id, {})
            latest = latest_level(by)
            rows.append({
                "Cohort": cohort.cohort.name,
                "Participant": person.name,
                "Department": person.department_name,
                "Skill": cs.skill.name,
                "Category": cs.skill.category or "",
                "Baseline": by.get(Checkpoint.BASELINE),
                "Midpoint": by.get(Checkpoint.MIDPOINT),
                "Final": by.get(Checkpoint.FINAL),
                "Latest": latest,
                "Target": cs.target_level,
                "At target": "Yes" if latest is not None and latest >= cs.target_level else "No",
                "Uplift": uplift(by),
            })  # fmt: skip
    frame = _frame(rows, columns=["Cohort", "Participant", "Department", "Skill", "Category", "Baseline",
                                        "Midpoint", "Final", "Latest", "Target", "At target", "Uplift"])  # fmt: skip
    for column in ("Baseline", "Midpoint", "Final", "Latest", "Uplift"):
        frame[column] = frame[column].astype("Int64")
    return frame


ENTRY_WORDS = {
    "on_time": "Submitted on time",
    "late": "Submitted after the deadline",
    "no_submission": "No submission",
    "no_team": "Not in a team",
}


def hackathons(data: ReportData) -> pd.DataFrame:
    """One row per participant per hackathon that has ended for them (or that they are in a team for)."""
    rows = []
    for person in data.people:
        if person.status in ("withdrawn", "transferred"):
            continue
        cohort = data.cohort(person.cohort_id)
        work = data.hackathon_work.get(person.enrolment_id, {})
        for facts in cohort.facts.hackathons:
            mine = work.get(facts.id)
            ended = counts_for(facts, person.enrolled_on, data.at)
            if mine is None and not ended:
                continue
            entry = mine.entry.value if mine else "no_team"
            rows.append({
                "Cohort": cohort.cohort.name,
                "Participant": person.name,
                "Department": person.department_name,
                "Hackathon": facts.title,
                "Week": facts.week,
                "Team": mine.team if mine else "",
                "Challenge": (mine.challenge or "") if mine else "",
                "Challenge department": (mine.challenge_department_code or "") if mine else "",
                "Submission": (mine.submission or "") if mine else "",
                "Hand-in": ENTRY_WORDS[entry] if ended or (mine is not None and mine.submission)
                           else "Hackathon not ended yet",
            })  # fmt: skip
    return _frame(rows, columns=["Cohort", "Participant", "Department", "Hackathon", "Week", "Team",
                                       "Challenge", "Challenge department", "Submission", "Hand-in"])  # fmt: skip


# Summaries ---------------------------------------------------------------------------------


def _group_row(people: list[Person], data: ReportData) -> dict:
    """Completion rate = completed ÷ (completed + not completed + withdrawn) over finished
    cohorts only (a running cohort has no completers yet); a transfer counts in the cohort the
    person moved to. Means are over people still in their cohort with a figure."""
    outcomes = [data.standings[p.enrolment_id].outcome for p in people]
    counted = [p for p, o in zip(people, outcomes, strict=True) if o != Outcome.TRANSFERRED]
    completed = outcomes.count(Outcome.COMPLETED)
    # Numerator and denominator over the same people: those of finished cohorts. Someone shown
    # as Completed in a cohort whose programme is over but not yet finished counts once it is.
    ended_outcomes = [
        o
        for p, o in zip(people, outcomes, strict=True)
        if o in (*FINAL_OUTCOMES, Outcome.WITHDRAWN) and data.cohort(p.cohort_id).finished
    ]
    ended = len(ended_outcomes)
    completed_of_ended = ended_outcomes.count(Outcome.COMPLETED)
    each_rate = [
        _rate(data.standings[p.enrolment_id].figures)
        for p in counted
        if data.standings[p.enrolment_id].outcome != Outcome.WITHDRAWN
    ]
    rates = [r for r in each_rate if r is not None]
    each_uplift = [person_figures(data, p).mean_uplift for p in counted]
    uplifts = [u for u in each_uplift if u is not None]
    return {
        "Nominated": len(counted),
        "Completed": completed,
        "Not completed": outcomes.count(Outcome.NOT_COMPLETED),
        "Withdrawn": outcomes.count(Outcome.WITHDRAWN),
        "On track": outcomes.count(Outcome.ON_TRACK),
        "At risk": outcomes.count(Outcome.AT_RISK),
        "Transferred out": outcomes.count(Outcome.TRANSFERRED),
        "Completion rate": completed_of_ended / ended if ended else None,
        "Mean attendance": fmean(rates) if rates else None,
        "Mean skill uplift": fmean(uplifts) if uplifts else None,
    }


SUMMARY_COLUMNS = ["Nominated", "Completed", "Not completed", "Withdrawn", "On track", "At risk",
                   "Transferred out", "Completion rate", "Mean attendance", "Mean skill uplift"]  # fmt: skip


def by_department(data: ReportData) -> pd.DataFrame:
    """Summary per department, then a row for everyone."""
    groups: dict[tuple[str, str], list[Person]] = {}
    for person in data.people:
        groups.setdefault((person.department_name, person.department_code), []).append(person)
    rows = [
        {"Department": name, "Department code": code, **_group_row(people, data)}
        for (name, code), people in sorted(groups.items())
    ]
    if data.people:
        rows.append({"Department": "All departments", "Department code": "", **_group_row(data.people, data)})
    return _frame(rows, columns=["Department", "Department code", *SUMMARY_COLUMNS])


def by_cohort(data: ReportData) -> pd.DataFrame:
    """Summary per cohort (the programme overview), then a row for all cohorts."""
    groups: dict[int, list[Person]] = {}
    for person in data.people:
        groups.setdefault(person.cohort_id, []).append(person)
    rows = []
    for c in data.cohorts:
        rows.append({"Cohort": c.cohort.name, "Status": c.cohort.status.label,
                     **_group_row(groups.get(c.cohort.id, []), data)})  # fmt: skip
    if len(data.cohorts) > 1:
        rows.append({"Cohort": "All cohorts", "Status": "", **_group_row(data.people, data)})
    return _frame(rows, columns=["Cohort", "Status", *SUMMARY_COLUMNS])


def uplift_by_skill(data: ReportData) -> pd.DataFrame:
    """Per skill: people with a baseline and a later level, mean baseline, mean latest, mean uplift."""
    found: dict[str, list[tuple[int, int]]] = {}
    for person in data.people:
        if data.standings[person.enrolment_id].outcome in (Outcome.WITHDRAWN, Outcome.TRANSFERRED):
            continue
        cohort = data.cohort(person.cohort_id)
        names = cohort.facts.skill_names
        for skill_id, levels in data.levels.get(person.enrolment_id, {}).items():
            if skill_id not in names or Checkpoint.BASELINE not in levels:
                continue
            latest = latest_level(levels)
            assert latest is not None  # there is a baseline level, so a latest one
            found.setdefault(names[skill_id], []).append((levels[Checkpoint.BASELINE], latest))
    rows = [
        {
            "Skill": name,
            "People assessed": len(pairs),
            "Mean baseline": fmean(b for b, _ in pairs),
            "Mean latest": fmean(latest for _, latest in pairs),
            "Mean uplift": fmean(latest - b for b, latest in pairs),
        }
        for name, pairs in sorted(found.items())
    ]
    return _frame(rows, columns=["Skill", "People assessed", "Mean baseline", "Mean latest", "Mean uplift"])


def ethics_strand(data: ReportData) -> dict:
    """How many of the people still in their cohort have done every ethics module held so far."""
    done = held = 0
    for person in data.people:
        if data.standings[person.enrolment_id].outcome in (Outcome.WITHDRAWN, Outcome.TRANSFERRED):
            continue
        complete = person_figures(data, person).ethics_complete
        if complete is None:
            continue
        held += 1
        done += complete
    return {"People with ethics modules held": held, "Every module done": done,
            "Ethics strand completed": done / held if held else None}  # fmt: skip


def projects(data: ReportData) -> pd.DataFrame:
    """Hackathon projects on the department's challenges."""
    names = {c.cohort.id: c.cohort.name for c in data.cohorts}
    rows = [
        {
            "Cohort": names.get(p.cohort_id, ""),
            "Hackathon": p.hackathon,
            "Challenge": p.challenge,
            "Team": p.team,
            "Team members": p.members,
            "Submission": p.submission,
            "Hand-in": ENTRY_WORDS["late" if p.late else "on_time"],
        }
        for p in data.projects
    ]
    return _frame(rows, columns=["Cohort", "Hackathon", "Challenge", "Team", "Team members",
                                       "Submission", "Hand-in"])  # fmt: skip
