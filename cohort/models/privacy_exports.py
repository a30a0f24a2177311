"""Subject access exports (docs/personal-data.md §2): one row per request for a person's data.

The ZIP is kept in the row (several web workers and the job worker all see it) until it is
downloaded, once, by the person who asked, or until 7 days after it was built.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.user import User


class ExportState(enum.StrEnum):
    BUILDING = "building"
    READY = "ready"
    DOWNLOADED = "downloaded"
    FAILED = "failed"
    EXPIRED = "expired"


class DataExport(Model):
    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[ExportState] = mapped_column(
        str_enum(ExportState, "data_export_state"), default=ExportState.BUILDING
    )
    # "<requester>:<subject>" while building, else NULL: unique, so one export per pair is in
    # progress however many requests arrive at once (docs/personal-data.md §2).
    in_progress: Mapped[str | None] = mapped_column(String(40), unique=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    subject: Mapped[User] = relationship(foreign_keys=[subject_id])


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="data_exports",
        columns=("requested_by_id", "subject_id", "content"),
        purpose="To give you a copy of your data when you ask for it (a subject access request).",
        retention="subject_access_exports",
        subject=("user:subject_id", "user:requested_by_id"),
        description="One row per request for a copy of your data (the copy itself is not repeated).",
    ),
)
NOT_PERSONAL = (
    NotPersonal("data_exports", "in_progress", "Two ids while the copy is being prepared; no values."),
)
