"""The cohort completion report (docs/rules.md §9.3): one row per enrolment with every figure behind its
outcome, and a summary by department; as an HTML page, CSV, XLSX (sheets Summary, Participants,
Attendance, Skills, Hackathons) and PDF. Plain functions: the routes and `flask build-reports`
both call them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cohort.domain.formatting import whole_percent
from cohort.filters import date_time, long_date
from cohort.models import Cohort

from . import files, tables
from .data import ReportData, load
from .pdf import render_pdf

if TYPE_CHECKING:
    import pandas as pd  # imported where tables are built (cohort/reports/tables.py)

#: File names `flask build-reports` writes under reports/<cohort-slug>/ (listed in README.md).
CSV_NAME = "completion-report.csv"
XLSX_NAME = "completion-report.xlsx"
PDF_NAME = "completion-report.pdf"


@dataclass
class CohortReport:
    cohort: Cohort
    data: ReportData
    summary: pd.DataFrame
    participants: pd.DataFrame
    attendance: pd.DataFrame
    skills: pd.DataFrame
    hackathons: pd.DataFrame

    @property
    def at(self) -> datetime:
        return self.data.at

    @property
    def rules(self) -> str:
        c = self.cohort
        return (
            f"Attendance at least {whole_percent(c.min_attendance)}%; mandatory sessions "
            f"{'required' if c.require_mandatory else 'not required'}; hackathon submissions "
            f"{'required' if c.require_hackathon else 'not required'}; skills at target "
            f"{whole_percent(c.skills_at_target)}%"
        )

    @property
    def notes(self) -> dict[str, str]:
        c = self.cohort
        return {
            "Cohort": c.name,
            "Status": c.status.label,
            "Dates": f"{long_date(c.start_date)} to {long_date(c.end_date)}",
            "Completion rules": self.rules,
            "Figures as at": date_time(self.at),
            "Completion rate": "completed ÷ (completed + not completed + withdrawn), once the cohort is finished",
        }

    def rows(self):
        """(person, standing) in the order of the Participants table."""
        return [(p, self.data.standings[p.enrolment_id]) for p in self.data.people]


def build(cohort: Cohort, at: datetime) -> CohortReport:
    data = load([cohort], at)
    return CohortReport(
        cohort,
        data,
        summary=tables.by_department(data),
        participants=tables.participants(data).drop(columns=["Cohort"]),
        attendance=tables.attendance(data).drop(columns=["Cohort"]),
        skills=tables.skills(data).drop(columns=["Cohort"]),
        hackathons=tables.hackathons(data).drop(columns=["Cohort"]),
    )


def to_csv(report: CohortReport) -> bytes:
    return files.to_csv(report.participants)


def to_xlsx(report: CohortReport) -> bytes:
    return files.to_xlsx(
        {
            "Summary": report.summary,
            "Participants": report.participants,
            "Attendance": report.attendance,
            "Skills": report.skills,
            "Hackathons": report.hackathons,
        },
        notes={"Summary": report.notes},
    )


def to_pdf(report: CohortReport) -> bytes:
    return render_pdf(
        "reports/cohort_report_print.html",
        title=f"Completion report: {report.cohort.name}",
        footer=f"{report.cohort.name} – completion report – {date_time(report.at)}",
        orientation="landscape",
        report=report,
    )


def all_files(report: CohortReport) -> dict[str, bytes]:
    return {CSV_NAME: to_csv(report), XLSX_NAME: to_xlsx(report), PDF_NAME: to_pdf(report)}
