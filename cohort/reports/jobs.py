"""The job that prints a report PDF off the request path (docs/messages.md, Report PDFs)."""

from __future__ import annotations

from typing import Any

from cohort.jobs import job

from . import stored_pdfs


@job(retries=2, retry_delay=10, retry_backoff=2, context=True)
def build_report_pdf(pdf_id: int, task: Any = None) -> None:
    """Print stored PDF `pdf_id` (a row of report_pdfs). huey passes the task (context=True)
    so the last of the three attempts can mark the row failed rather than "still building"."""
    stored_pdfs.build(pdf_id, final=task is None or not task.retries)
