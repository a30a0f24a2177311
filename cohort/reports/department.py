"""The department outcome report and the programme overview (docs/rules.md §9.4, §9.5), as plain functions:
ReportData in, tables, charts and files out. No Flask request here, so the CLI and tests can
build the same reports the pages show.

Figures are the ones of `tables.py` (so the completion engine's); this module picks and shapes
them, and formats them for pages (whole percentages rounded half up, docs/rules.md §3.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, or_, select

from cohort.extensions import db
from cohort.filters import date_time, decimal1, missing, share
from cohort.models import Challenge, Cohort, Department, Enrolment, Session, Team, User

from . import charts, files, tables
from .charts import Chart
from .data import ReportData
from .pdf import render_pdf
from .programme import department_data, programme_data

if TYPE_CHECKING:  # pandas is imported where a table is built, not with the app (docs/architecture.md §10)
    import pandas as pd

ALL_COHORTS = "All cohorts"

# The people list of the department report: who, outcome, and the figures behind it.
PARTICIPANT_COLUMNS = ["Participant", "Cohort", "Outcome", "Attendance rate", "Skills at target",
                       "Skills assessed", *(heading for _, heading in tables.RULES)]  # fmt: skip
# The overview's short tables (the dashboard's too).
OVERVIEW_FIGURES = ["Nominated", "Completed", "Completion rate", "Mean attendance", "Mean skill uplift"]


# Formatting for pages ------------------------------------------------------------------------


def number(value, empty: str = "No data") -> str:
    if missing(value):
        return empty
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    name: str
    numeric: bool


@dataclass(frozen=True)
class DisplayTable:
    """A table as the page and the PDF print it: headings and text cells, the first cell of each
    row being the row's heading."""

    columns: list[Column]
    rows: list[list[str]]
    links: list[str | None] = field(default_factory=list)  # per row, for its heading (optional)

    def __bool__(self) -> bool:
        return bool(self.rows)


def display(frame: pd.DataFrame, finished: set[str] | None = None, key: str | None = None) -> DisplayTable:
    """Format a report table for reading. A completion rate with no figure says why: its cohort
    is not finished yet (`finished`: the row keys, in column `key`, whose cohort has finished)."""
    import pandas as pd

    columns = []
    for name in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name])
        columns.append(Column(name, numeric))
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for name, value in record.items():
            if name == "Completion rate" and missing(value):
                done = finished is not None and key is not None and record[key] in finished
                cells.append("No data" if done else "Not finished yet")
            elif name in tables.PERCENT_COLUMNS:
                cells.append(share(value, "No data"))
            elif name in ("Mean skill uplift", "Mean uplift"):
                cells.append(decimal1(value, "No data"))
            elif name in ("Mean baseline", "Mean latest"):
                cells.append(number(value))
            elif isinstance(value, str):
                cells.append(value or "–")
            else:
                cells.append(number(value, empty="–"))
        rows.append(cells)
    return DisplayTable(columns, rows)


# The department outcome report ---------------------------------------------------------------


def department_cohorts(department: Department) -> list[Cohort]:
    """Cohorts the department has a part in: people enrolled, or projects on its challenges. In
    the order they ran. One query."""
    has_people = exists().where(
        Enrolment.cohort_id == Cohort.id, Enrolment.user_id == User.id, User.department_id == department.id
    )
    has_projects = exists().where(
        Session.cohort_id == Cohort.id,
        Team.session_id == Session.id,
        Team.challenge_id == Challenge.id,
        Challenge.department_id == department.id,
    )
    return list(
        db.session.scalars(
            select(Cohort).where(or_(has_people, has_projects)).order_by(Cohort.start_date, Cohort.name)
        )
    )


@dataclass
class DepartmentReport:
    department: Department
    cohort: Cohort | None  # None: every cohort the department has a part in
    at: datetime
    data: ReportData
    cohorts: pd.DataFrame  # tables.by_cohort over the department's people
    uplift: pd.DataFrame
    projects: pd.DataFrame
    ethics: dict
    participants: pd.DataFrame
    summary: dict = field(default_factory=dict)

    @property
    def scope(self) -> str:
        return self.cohort.name if self.cohort is not None else ALL_COHORTS

    @property
    def finished_cohorts(self) -> set[str]:
        names = {c.cohort.name for c in self.data.cohorts if c.cohort.status.closed}
        if names:
            names.add(ALL_COHORTS)  # its rate is over the finished cohorts
        return names

    @property
    def filename(self) -> str:
        suffix = f"-{self.cohort.slug}" if self.cohort is not None else ""
        return f"department-{self.department.code.upper()}{suffix}"

    def outcomes_chart(self) -> Chart | None:
        return charts.outcomes_by_cohort(self.cohorts, self.department.name)

    def uplift_chart(self) -> Chart | None:
        return charts.uplift_by_skill(self.uplift)


def department_report(department: Department, cohorts: list[Cohort], at: datetime,
                      cohort: Cohort | None = None) -> DepartmentReport:  # fmt: skip
    """The report over `cohorts` (the department's, see department_cohorts), or the one `cohort`."""
    scope = [cohort] if cohort is not None else cohorts
    # The programme's kept standings, cut to the department (cohort/reports/programme.py): the
    # same as `load(scope, at, department, every_cohort=cohort is None)`.
    data = department_data(department, scope, at)
    key = ("department", department.id, cohort.id if cohort is not None else None, tuple(c.id for c in scope))
    found = data.memo.get(key)
    if found is None:  # tables are read, never changed: kept ones are shared (ReportData.memo)
        found = data.memo[key] = (tables.by_cohort(data), tables.uplift_by_skill(data), tables.projects(data),
                                  tables.ethics_strand(data), tables.participants(data)[PARTICIPANT_COLUMNS])  # fmt: skip
    by_cohort, uplift, projects, ethics, people = found
    report = DepartmentReport(
        department=department,
        cohort=cohort,
        at=at,
        data=data,
        cohorts=by_cohort,
        uplift=uplift,
        projects=projects,
        ethics=dict(ethics),
        participants=people,
    )
    # The headline figures: the "All cohorts" row, or the one cohort's.
    if len(by_cohort):
        report.summary = by_cohort.iloc[-1].to_dict()
    else:
        report.summary = {column: (0 if column not in tables.PERCENT_COLUMNS else None)
                          for column in tables.SUMMARY_COLUMNS}  # fmt: skip
        report.summary["Mean skill uplift"] = None
    return report


def department_xlsx(report: DepartmentReport) -> bytes:
    """Summary (per cohort, with notes: department, scope, when), Skills uplift, Projects,
    Participants. The charts stay in the PDF: their figures are these tables."""
    notes = {
        "Department": f"{report.department.name} ({report.department.code})",
        "Scope": report.scope,
        "Generated at": date_time(report.at),
        **report.ethics,
    }
    return files.to_xlsx(
        {
            "Summary": report.cohorts,
            "Skills uplift": report.uplift,
            "Projects": report.projects,
            "Participants": report.participants,
        },
        notes={"Summary": notes},
    )


def _with_table(chart):
    return (chart, display(chart.table)) if chart is not None else None


def page_context(report: DepartmentReport, cohorts: list[Cohort], by_cohort=None, people=None) -> dict:
    """What the page and the PDF show: tables ready to print, charts with their tables.
    `by_cohort` and `people`: shorter tables to show instead of the report's (the PDF's)."""
    finished = report.finished_cohorts
    people = report.participants if people is None else people
    return {
        "title": f"Outcome report – {report.department.name}",
        "report": report,
        "cohorts": cohorts,
        "summary_table": display(report.cohorts if by_cohort is None else by_cohort, finished, "Cohort"),
        "uplift_table": display(report.uplift),
        "projects_table": display(report.projects),
        "people_table": display(people) if len(people) else None,
        "outcomes_chart": _with_table(report.outcomes_chart()),
        "uplift_chart": _with_table(report.uplift_chart()),
        "completion_rate": (
            share(report.summary.get("Completion rate"))
            if report.summary.get("Completion rate") is not None
            else ("No data" if finished else "Not finished yet")
        ),
    }


# A PDF is read, not searched: past these sizes it lists the most recent cohorts and the people
# who need attention, and says that the spreadsheet has every row. (WeasyPrint also takes about
# a third of a second a page: a department's 840 people over 400 cohorts made 126 pages in 45 s.)
PRINT_COHORTS = 12  # as many as the outcomes chart draws
PRINT_PEOPLE = 25
NEEDS_ATTENTION = ("At risk", "Not completed")


def print_context(report: DepartmentReport, cohorts: list[Cohort]) -> dict:
    """The page's context, with long tables cut down for paper and a sentence saying how."""
    by_cohort, people, notes = report.cohorts, report.participants, {}
    if len(by_cohort) - 1 > PRINT_COHORTS:  # the last row is "All cohorts"
        import pandas as pd

        by_cohort = pd.concat([by_cohort.iloc[-PRINT_COHORTS - 1 : -1], by_cohort.iloc[[-1]]])
        notes["cohorts_note"] = (
            f"The {PRINT_COHORTS} most recent of {len(report.cohorts) - 1} cohorts, and all of them together; "
            "the spreadsheet (Summary sheet) has every cohort."
        )
    if len(people) > PRINT_PEOPLE:
        attention = people[people["Outcome"].isin(NEEDS_ATTENTION)]
        people = attention.head(PRINT_PEOPLE)
        notes["people_note"] = (
            f"{len(report.participants)} people in all. Listed here: {len(people)} of the {len(attention)} "
            "at risk or not completed, with their reasons; the spreadsheet (Participants sheet) has everyone."
        )
    return {**page_context(report, cohorts, by_cohort, _with_reasons(people)), **notes}


RULE_COLUMNS = [heading for _, heading in tables.RULES]


def _with_reasons(people: pd.DataFrame) -> pd.DataFrame:
    """For paper: the four rule columns ("Met: Attendance 92% …") folded into one "Why" column
    holding only the rules that do not hold (a third of the pages, and what a reader looks for)."""

    def why(row) -> str:
        failing = [row[h].split(": ", 1)[-1] for h in RULE_COLUMNS
                   if row[h] and not row[h].startswith(("Met:", "Not required:"))]  # fmt: skip
        return "; ".join(failing) or ("Every rule met" if any(row[h] for h in RULE_COLUMNS) else "")

    short = people.drop(columns=RULE_COLUMNS)
    short["Why"] = [why(row) for row in people.to_dict("records")] if len(people) else []
    return short


def department_pdf(report: DepartmentReport, cohorts: list[Cohort]) -> bytes:
    return render_pdf(
        "reports/department_print.html",
        **print_context(report, cohorts),
        footer=f"{report.department.name} – outcome report – {report.scope}",
        orientation="landscape",
    )


def files_for_cohort(cohort: Cohort, at: datetime, only: Department | None = None) -> dict[str, bytes]:
    """`flask build-reports`: department-<CODE>.xlsx and .pdf for each department with people in
    the cohort (or only `only`), each over that one cohort."""
    if only is not None:
        departments = [only]
    else:
        departments = list(
            db.session.scalars(
                select(Department)
                .where(
                    exists().where(
                        Enrolment.cohort_id == cohort.id,
                        Enrolment.user_id == User.id,
                        User.department_id == Department.id,
                    )
                )  # fmt: skip
                .order_by(Department.code)
            )
        )
    found = {}
    for department in departments:
        report = department_report(department, [cohort], at, cohort)
        name = f"department-{department.code.upper()}"
        found[f"{name}.xlsx"] = department_xlsx(report)
        found[f"{name}.pdf"] = department_pdf(report, [cohort])
    return found


# The programme overview ----------------------------------------------------------------------


@dataclass
class Overview:
    at: datetime
    by_cohort: pd.DataFrame  # tables.by_cohort: every cohort, then "All cohorts"
    by_department: pd.DataFrame  # tables.by_department with a "Cohorts" count, then "All departments"
    finished_cohorts: set[str]  # names of the rows whose cohorts are finished (and "All cohorts")
    slugs: dict[str, str]  # cohort name → slug, for links

    def cohort_table(self) -> pd.DataFrame:
        """The short table of the dashboard: cohort, participants and the four figures."""
        frame = self.by_cohort[["Cohort", "Status", *OVERVIEW_FIGURES]]
        return frame

    def department_table(self) -> pd.DataFrame:
        frame = self.by_department[["Department", "Cohorts", *OVERVIEW_FIGURES]]
        return frame


def overview(at: datetime) -> Overview:
    """The same figures across every cohort and department, kept between views while the data and
    the time's effect on outcomes are unchanged (`summary.kept`, docs/architecture.md §10)."""
    from . import summary

    found = summary.kept(db.session(), ("overview",), at, build_overview)
    return replace(found, at=at)


def build_overview(at: datetime, data: ReportData | None = None) -> Overview:
    """The figures worked out from every cohort's report data: by default the programme's kept
    standings, worked out again only where facts changed (cohort/reports/programme.py), so a
    constant number of queries whatever the number of participants."""
    if data is None:
        data = programme_data(at)
    by_department = tables.by_department(data)
    cohorts_of: dict[str, set[int]] = {}
    for person in data.people:
        cohorts_of.setdefault(person.department_name, set()).add(person.cohort_id)
    counts = [
        len({p.cohort_id for p in data.people})
        if name == "All departments"
        else len(cohorts_of.get(name, ()))
        for name in by_department["Department"]
    ]
    import pandas as pd

    by_department.insert(2, "Cohorts", pd.array(counts, dtype="Int64"))
    finished = {c.cohort.name for c in data.cohorts if c.cohort.status.closed}
    if finished:
        finished.add(ALL_COHORTS)
    slugs = {c.cohort.name: c.cohort.slug for c in data.cohorts}
    return Overview(at, tables.by_cohort(data), by_department, finished, slugs)


def overview_xlsx(report: Overview) -> bytes:
    return files.to_xlsx(
        {"By cohort": report.by_cohort, "By department": report.by_department},
        notes={"By cohort": {"Generated at": date_time(report.at)}},
    )
