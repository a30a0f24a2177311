"""A completion certificate and its public verification code (docs/rules.md §10).

One per enrolment at most. It is issued when an enrolment is recorded as completed and revoked
(kept, with its reason) when a correction turns the outcome to not completed; a later
correction back to completed re-issues it with a new code, so a revoked code never works again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, utcnow
from cohort.models.enrolment import Enrolment

# No 0/O, 1/I: a code is read off paper and typed in by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 32^12 = 2^60 codes: not guessable at any rate the check page allows


class Certificate(Model):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("revoked_at IS NULL OR revoked_reason IS NOT NULL", name="revocation_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    # Stored without grouping, upper case: "ABCDEFGHJKLM"; shown as "ABCD-EFGH-JKLM".
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    enrolment: Mapped[Enrolment] = relationship()

    @property
    def valid(self) -> bool:
        return self.revoked_at is None

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def __repr__(self) -> str:
        return f"<Certificate enrolment={self.enrolment_id} {'valid' if self.valid else 'revoked'}>"


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="certificates",
        columns=("enrolment_id", "code", "issued_at", "revoked_at", "revoked_reason"),
        purpose="Your certificate of completion, which anyone you show it to can check by its code.",
        retention="personal_details",
        subject=("enrolment:enrolment_id",),
        description="One row per certificate issued to you.",
    ),
)
NOT_PERSONAL: tuple[NotPersonal, ...] = ()
