"""People who sign in, and their roles (docs/rules.md §1.1)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, str_enum, utcnow
from cohort.models.department import Department

if TYPE_CHECKING:
    from cohort.models.security import UserSession


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    SPONSOR = "sponsor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Programme manager",
    Role.FACILITATOR: "Facilitator",
    Role.PARTICIPANT: "Participant",
    Role.SPONSOR: "Department sponsor",
}


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased, so the plain unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("email <> ''", name="email_not_empty"),
        CheckConstraint("full_name <> ''", name="full_name_not_empty"),
        # A sponsor reads one department's people, so must belong to one.
        CheckConstraint("role <> 'sponsor' OR department_id IS NOT NULL", name="sponsor_department"),
        Index("ix_users_role_full_name", "role", "full_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    job_title: Mapped[str | None] = mapped_column(String(120))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    # None until the person sets a password through their link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    # The session this request is signed in with (docs/sign-in.md, Sessions): set by
    # cohort.auth.sessions when a session is begun or found, never stored on the user.
    if TYPE_CHECKING:
        session_token: str | None
        current_session: UserSession | None
    else:
        session_token = None
        current_session = None

    # Flask-Login -----------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    # Flask-Login's mixin compares users by get_id(), which is now a session's token (None on a
    # user loaded outside a request): two people would compare equal. One person is one row,
    # and a database session holds one object per row, so the object itself is the identity.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str | None:
        # The cookie holds the session's token, not the user's id (docs/decisions/0008-a-session-per-browser.md).
        return self.session_token

    # Roles -------------------------------------------------------------------
    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def normalise_email(email: str) -> str:
    return email.strip().lower()


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="users",
        columns=(
            "email",
            "full_name",
            "job_title",
            "department_id",
            "role",
            "password_hash",
            "last_sign_in_at",
            "created_at",
        ),
        purpose="Your account: to sign you in, address you by name, and count you in your department's figures.",
        retention="personal_details",
        subject=("user:id",),
        description="Your account: one row.",
    ),
)
NOT_PERSONAL: tuple[NotPersonal, ...] = ()
