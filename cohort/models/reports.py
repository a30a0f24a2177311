"""Report PDFs built by a background job and kept in the database (docs/messages.md, Report PDFs).

One row per report, subject and fingerprint of the figures behind it: the same figures are built
once however many people ask at once (the unique key), and every web worker and host finds the
same file. Rows for older figures go when a PDF for newer ones is ready.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow


class PdfState(enum.StrEnum):
    BUILDING = "building"  # queued or being built
    READY = "ready"
    FAILED = "failed"  # out of attempts: the person is offered "Try again"


class ReportPdf(Model):
    __tablename__ = "report_pdfs"
    __table_args__ = (UniqueConstraint("kind", "subject", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "cohort" or "department"
    # Which report: the cohort's id; the department's id and "all" or one cohort's id.
    subject: Mapped[str] = mapped_column(String(40))
    # sha256 of the figures the PDF prints and the print templates' version.
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[PdfState] = mapped_column(str_enum(PdfState, "report_pdf_state"), default=PdfState.BUILDING)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    build_seconds: Mapped[float | None] = mapped_column(Float)


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA: tuple[PersonalData, ...] = ()
NOT_PERSONAL = (
    NotPersonal("report_pdfs", "subject", "The cohort's or department's id the report is about."),
    NotPersonal(
        "report_pdfs",
        "content",
        "A cohort or department report: figures and names of cohorts, rebuilt from the records.",
    ),
    NotPersonal("report_pdfs", "error", "The build error from code; no personal values."),
)
