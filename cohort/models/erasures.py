"""The record that a person's personal data was erased (docs/personal-data.md §4).

One row per erased person: it is what `is_erased` reads, what the person's page shows
("Personal data erased on …") and, through its unique user id, what makes two erasures of the
same person sent at once end as one. It holds no personal value: the user id, who asked, when,
the reason the programme manager gave and how many rows of each table were changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, utcnow
from cohort.models.user import User


class Erasure(Model):
    __tablename__ = "erasures"
    __table_args__ = (CheckConstraint("reason <> ''", name="reason_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    # The reason the programme manager typed (an erasure request's reference, not the person's words).
    reason: Mapped[str] = mapped_column(Text)
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Rows changed or removed per table: {"learning_log_entries": 4, ...}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    erased_by: Mapped[User | None] = relationship(foreign_keys=[erased_by_id])

    def __repr__(self) -> str:
        return f"<Erasure user={self.user_id}>"


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1): the record that an erasure happened
# stays, so the erasure can be shown and is never undone by restoring an older copy.
PERSONAL_DATA = (
    PersonalData(
        table="erasures",
        columns=("user_id", "reason", "erased_by_id", "erased_at"),
        purpose="A record that a person's data was erased, when, by whom and under which request.",
        retention="audit_trail",
        subject=("user:user_id", "user:erased_by_id"),
        description="The record of your data's erasure.",
    ),
)
NOT_PERSONAL = (NotPersonal("erasures", "counts", "How many rows of each table were changed; numbers only."),)
