"""Personal access tokens for the JSON API (docs/api.md, Tokens).

A token is shown once when it is made; the table keeps only its SHA-256 digest, so a copy of
the database cannot call the API, and a short prefix so people can tell their tokens apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.user import Role, User


class ApiToken(Model):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # "cohort_pat_" and the first characters of the secret: shown in lists, the rate limit's key.
    prefix: Mapped[str] = mapped_column(String(24))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The scopes granted, a sorted list of names (cohort.api.tokens.SCOPES).
    scopes: Mapped[list[str]] = mapped_column(JSON)
    # The owner's role when the token was made: a token of a role the owner no longer has is void.
    role: Mapped[Role] = mapped_column(str_enum(Role, "api_token_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "revoked by the owner", "revoked by programme manager 3", "role changed", "account deactivated".
    revoked_why: Mapped[str | None] = mapped_column(String(120))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="api_tokens",
        columns=(
            "user_id",
            "name",
            "prefix",
            "token_digest",
            "scopes",
            "created_at",
            "last_used_at",
            "revoked_why",
        ),
        purpose="Keys you made to read Cohort's data from another system, and when they were last used.",
        retention="personal_details",
        subject=("user:user_id",),
        description="One row per API token you made (its secret is never stored).",
    ),
)
NOT_PERSONAL: tuple[NotPersonal, ...] = ()
