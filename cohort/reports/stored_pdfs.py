"""Report PDFs built off the request path and kept in the database (docs/messages.md, Report PDFs).

Printing a report takes WeasyPrint seconds (docs/decisions/0007-pdfs-via-weasyprint.md), so a
request never prints: it works out the report's figures (the same queries as its page), takes a
fingerprint of them, and asks for the stored PDF of that fingerprint. If there is none yet, it
adds a row in state "building" and queues the job that prints it (cohort/reports/jobs.py); the
row's unique key (kind, subject, fingerprint) means that however many people ask at once, one
row is added and one job queued. The PDF is kept until the figures change: then the fingerprint
changes, a new PDF is built, and the old one is deleted.

Rows are read and written here on connections of their own, never the request's session: the
request's session has read the figures already, and on SQLite a transaction that reads and then
writes can fail at once when another writer got in between (docs/decisions/0002-sqlite-begin-immediate.md);
a transaction whose first statement writes waits its turn instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cohort.extensions import db
from cohort.models import Cohort, Department
from cohort.models.base import utcnow
from cohort.models.reports import PdfState, ReportPdf

# The reports (and pandas under them) are imported where a PDF's figures are worked out, not
# when the app or the job worker starts (docs/architecture.md §10).
if TYPE_CHECKING:
    import pandas as pd

    from . import cohort_report
    from . import department as department_reports

log = logging.getLogger("cohort.reports")

#: Part of every fingerprint. Raise it when a print template or the way a PDF is laid out
#: changes, so every stored PDF is printed again with the new layout.
LAYOUT_VERSION = "1"
#: A PDF still "building" this long after it was asked for has lost its job (a worker stopped,
#: the queue was unreachable): the next person to ask queues it again. Longer than the job's
#: three attempts (10 s and 20 s apart) and a slow print.
STALLED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class PdfReport:
    """A report as a PDF: which it is, its name, the fingerprint of its figures, and how to print it."""

    kind: str  # "cohort" or "department"
    subject: str  # the cohort's id; the department's id and "all" or a cohort's id
    title: str  # for people: what the PDF is
    filename: str
    fingerprint: str
    render: Callable[[], bytes]


@dataclass(frozen=True)
class Stored:
    id: int
    state: PdfState
    requested_at: datetime
    error: str | None


def _table(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def fingerprint(kind: str, subject: str, figures: dict) -> str:
    """sha256 of everything the PDF prints but the moment it was printed ("figures as at"), and
    of the layout's version. Plain values and tables only, so it is the same in every process."""
    payload = {"layout": LAYOUT_VERSION, "kind": kind, "subject": subject, **figures}
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cohort_pdf(report: cohort_report.CohortReport) -> PdfReport:
    """The cohort completion report's PDF: the summary and one row per enrolment."""
    from . import cohort_report

    cohort = report.cohort
    subject = str(cohort.id)
    notes = {k: v for k, v in report.notes.items() if k != "Figures as at"}
    figures = {"notes": notes, "summary": _table(report.summary), "participants": _table(report.participants)}
    return PdfReport(
        kind="cohort",
        subject=subject,
        title=f"Completion report – {cohort.name}",
        filename=f"{cohort.slug}-completion-report.pdf",
        fingerprint=fingerprint("cohort", subject, figures),
        render=lambda: cohort_report.to_pdf(report),
    )


def department_pdf(report: department_reports.DepartmentReport, cohorts: list[Cohort]) -> PdfReport:
    """A department outcome report's PDF, over every cohort the department has a part in or one."""
    from . import department as department_reports

    department = report.department
    subject = f"{department.id}:{report.cohort.id if report.cohort is not None else 'all'}"
    figures = {
        "department": [department.code, department.name],
        "scope": report.scope,
        "cohorts": [c.name for c in cohorts],
        "finished": sorted(report.finished_cohorts),
        "by_cohort": _table(report.cohorts),
        "uplift": _table(report.uplift),
        "projects": _table(report.projects),
        "participants": _table(report.participants),
        "ethics": report.ethics,
        "summary": report.summary,
    }
    return PdfReport(
        kind="department",
        subject=subject,
        title=f"Outcome report – {department.name} – {report.scope}",
        filename=f"{report.filename}.pdf",
        fingerprint=fingerprint("department", subject, figures),
        render=lambda: department_reports.department_pdf(report, cohorts),
    )


def pdf_report_for(kind: str, subject: str, at: datetime) -> PdfReport | None:
    """The report a stored row is for, worked out again from ids (all a job is given), or None
    when its cohort or department is no longer there."""
    if kind == "cohort":
        cohort = db.session.get(Cohort, int(subject))
        from . import cohort_report

        return cohort_pdf(cohort_report.build(cohort, at)) if cohort is not None else None
    department_id, _, scope = subject.partition(":")
    department = db.session.get(Department, int(department_id))
    if department is None:
        return None
    from . import department as department_reports

    cohorts = department_reports.department_cohorts(department)
    chosen = None
    if scope != "all":
        chosen = next((c for c in cohorts if str(c.id) == scope), None)
        if chosen is None:
            return None
    return department_pdf(department_reports.department_report(department, cohorts, at, chosen), cohorts)


# The stored rows ------------------------------------------------------------------------------


def _write(statement) -> int:
    with db.engine.begin() as conn:
        return conn.execute(statement).rowcount


def _insert_once(values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the row is added by one of many people asking at once.
    Its id for the one who added it, None for everyone else."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ReportPdf)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "subject", "fingerprint"])
        .returning(ReportPdf.id)
    )
    with db.engine.begin() as conn:
        return conn.scalar(statement)


def find(wanted: PdfReport) -> Stored | None:
    with db.engine.connect() as conn:
        row = conn.execute(
            select(ReportPdf.id, ReportPdf.state, ReportPdf.requested_at, ReportPdf.error).where(
                ReportPdf.kind == wanted.kind,
                ReportPdf.subject == wanted.subject,
                ReportPdf.fingerprint == wanted.fingerprint,
            )
        ).first()
    return Stored(row.id, PdfState(row.state), row.requested_at, row.error) if row else None


def content(stored: Stored) -> bytes | None:
    with db.engine.connect() as conn:
        return conn.scalar(
            select(ReportPdf.content).where(ReportPdf.id == stored.id, ReportPdf.state == PdfState.READY)
        )


def _queue(pdf_id: int) -> None:
    from cohort.reports.jobs import build_report_pdf

    try:
        build_report_pdf(pdf_id)
    except Exception:  # the queue unreachable: the next person to ask after STALLED_AFTER queues it
        log.exception("could not queue the build of report PDF %s", pdf_id)


def ask_for(wanted: PdfReport, now: datetime | None = None) -> Stored | None:
    """The stored PDF of these figures, as it stands. When there is none yet (or its job was
    lost), queue its build: exactly one of any number of people asking at once does. None only
    when the row went between two reads (newer figures were printed meanwhile)."""
    now = now or utcnow()
    found = find(wanted)
    queue = False
    if found is None:
        values = dict(kind=wanted.kind, subject=wanted.subject, fingerprint=wanted.fingerprint,
                      state=PdfState.BUILDING, attempts=0, requested_at=now)  # fmt: skip
        queue = _insert_once(values) is not None
    elif found.state is PdfState.BUILDING and found.requested_at < now - STALLED_AFTER:
        # Whoever moves requested_at on queues it; anyone else asking at once finds it moved.
        queue = (
            _write(
                update(ReportPdf)
                .where(
                    ReportPdf.id == found.id,
                    ReportPdf.state == PdfState.BUILDING,
                    ReportPdf.requested_at == found.requested_at,
                )
                .values(requested_at=now)
            )
            == 1
        )
    if queue:
        found = find(wanted)
        if found is not None:
            _queue(found.id)  # in the test suite this builds it here and now
            found = find(wanted)
    return found


def try_again(wanted: PdfReport, now: datetime | None = None) -> bool:
    """After a failed build: back to "building" with a new job. False if it had not failed
    (someone else pressed "Try again" first, or the figures have changed since)."""
    stored = find(wanted)
    if stored is None or stored.state is not PdfState.FAILED:
        return False
    moved = _write(
        update(ReportPdf)
        .where(ReportPdf.id == stored.id, ReportPdf.state == PdfState.FAILED)
        .values(state=PdfState.BUILDING, error=None, attempts=0, requested_at=now or utcnow())
    )
    if moved:
        _queue(stored.id)
    return bool(moved)


# The job's work --------------------------------------------------------------------------------


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def build(pdf_id: int, *, final: bool = True) -> PdfState | None:
    """Print a stored row's PDF from the figures as they are now, and keep it. Safe to run
    again: a row already printed (or gone) is left alone. A failure is recorded on the row, and
    on the job's `final` attempt the row is marked failed, so people are offered "Try again"."""
    # The row is read and written on connections of their own, and the figures' transaction is
    # over before printing: outside a page view every SQLite transaction takes the write lock
    # when it begins (docs/decisions/0002-sqlite-begin-immediate.md), and must not hold it for
    # the seconds a print takes, nor while this job writes on another connection.
    with db.engine.connect() as conn:
        asked = conn.execute(
            select(ReportPdf.kind, ReportPdf.subject, ReportPdf.fingerprint, ReportPdf.state, ReportPdf.requested_at)
            .where(ReportPdf.id == pdf_id)
        ).first()  # fmt: skip
    if asked is None or asked.state == PdfState.READY:
        return None
    _write(update(ReportPdf).where(ReportPdf.id == pdf_id).values(attempts=ReportPdf.attempts + 1))
    started = time.perf_counter()
    session = db.session()
    session.expire_on_commit = False  # the job's own session: the report read stays readable
    try:
        wanted = pdf_report_for(asked.kind, asked.subject, utcnow())
        session.commit()  # only read: ends the transaction before the print
        if wanted is None:
            raise LookupError(f"{asked.kind} {asked.subject} is no longer there")
        body = wanted.render()
        session.rollback()
    except Exception as error:
        session.rollback()
        _write(
            update(ReportPdf)
            .where(ReportPdf.id == pdf_id, ReportPdf.state != PdfState.READY)
            .values(error=_describe(error), state=PdfState.FAILED if final else PdfState.BUILDING)
        )
        raise
    seconds = round(time.perf_counter() - started, 3)
    now = utcnow()
    ready = dict(state=PdfState.READY, content=body, error=None, built_at=now, build_seconds=seconds)
    if wanted.fingerprint == asked.fingerprint:
        _write(update(ReportPdf).where(ReportPdf.id == pdf_id).values(**ready))
    else:
        # The figures changed between the asking and the printing: what was printed is kept
        # under the figures it shows, and the row asked for goes (every request works out the
        # fingerprint afresh, so nobody asks for the old figures again).
        kept = dict(kind=wanted.kind, subject=wanted.subject, fingerprint=wanted.fingerprint,
                    attempts=1, requested_at=asked.requested_at, **ready)  # fmt: skip
        if _insert_once(kept) is None:
            _write(
                update(ReportPdf)
                .where(
                    ReportPdf.kind == wanted.kind,
                    ReportPdf.subject == wanted.subject,
                    ReportPdf.fingerprint == wanted.fingerprint,
                    ReportPdf.state != PdfState.READY,
                )
                .values(**ready)
            )
        _write(delete(ReportPdf).where(ReportPdf.id == pdf_id))
    forget_older(wanted, now)
    log.info("report PDF %s (%s %s) built in %.2f s, %d bytes", pdf_id, wanted.kind, wanted.subject,
             seconds, len(body))  # fmt: skip
    return PdfState.READY


def forget_older(wanted: PdfReport, now: datetime) -> int:
    """PDFs of the same report for figures that no longer hold: they hold personal data and
    nobody can ask for them again. A build still in hand for other figures is left to finish
    unless it has stalled."""
    return _write(
        delete(ReportPdf).where(
            ReportPdf.kind == wanted.kind,
            ReportPdf.subject == wanted.subject,
            ReportPdf.fingerprint != wanted.fingerprint,
            or_(
                ReportPdf.state != PdfState.BUILDING,
                and_(ReportPdf.state == PdfState.BUILDING, ReportPdf.requested_at < now - STALLED_AFTER),
            ),
        )
    )
