"""Signing in: attempts (kept in the database so every server worker sees the same count),
sessions, single sign-on identities and second factors (docs/sign-in.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cohort.extensions import Model
from cohort.models.base import UTCDateTime, utcnow
from cohort.models.user import User


class SignInAttempt(Model):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The address as typed (lower-cased), whether or not an account has it.
    email: Mapped[str] = mapped_column(String(254))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Model):
    """One signed-in browser (docs/sign-in.md, Sessions).

    The cookie carries a random token; the table keeps only its SHA-256 digest, so a copy of
    the database cannot be used to sign in. Ending a session deletes its row.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # How the person proved who they were: "password", "password and code",
    # "password and recovery code", or "single sign-on (<provider name>)".
    method: Mapped[str] = mapped_column(String(80))
    # Coarse, from the user agent: "Chrome on Windows". Never the full string.
    device: Mapped[str] = mapped_column(String(120))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class SignInIdentity(Model):
    """An account at an OpenID Connect provider, linked to a user (docs/sign-in.md, Single sign-on).

    Keyed by the provider's issuer and the subject it gives the person, never by e-mail: an
    address can be reassigned, the (issuer, subject) pair cannot.
    """

    __tablename__ = "sign_in_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The provider's key in OIDC_PROVIDERS, for display and for "link your account".
    provider: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # The address the provider asserted when the identity was linked.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SecondFactor(Model):
    """A person's authenticator app (time-based one-time codes, docs/sign-in.md, Second factor)."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Base32, as shown to the person at set-up. The app must read it back to check codes,
    # so it cannot be hashed.
    secret: Mapped[str] = mapped_column(String(64))
    # None while being set up: the factor counts once the person has typed a first code.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second step of the last code accepted: a code is refused in a step already used.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class RecoveryCode(Model):
    """One of the ten codes shown once at set-up; stored hashed, each usable once."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


from cohort.privacy.register import NotPersonal, PersonalData  # noqa: E402 - the register, after the models

# The register of personal data (docs/personal-data.md §1).
PERSONAL_DATA = (
    PersonalData(
        table="sign_in_attempts",
        columns=("email", "ip_address", "succeeded", "at"),
        purpose="Attempts to sign in, to lock out password guessing and investigate a misused account.",
        retention="sign_in_records",
        subject=("email:email",),
        description="One row per attempt to sign in with your address.",
    ),
    PersonalData(
        table="user_sessions",
        columns=("user_id", "token_digest", "method", "device", "ip_address", "created_at", "last_seen_at"),
        purpose="Where you are signed in, so you can see and end your sessions.",
        retention="sign_in_records",
        subject=("user:user_id",),
        description="One row per device you are signed in on.",
    ),
    PersonalData(
        table="sign_in_identities",
        columns=("user_id", "provider", "issuer", "subject", "email", "last_used_at"),
        purpose="Your single sign-on account, so you can sign in with your department's login.",
        retention="personal_details",
        subject=("user:user_id",),
        description="One row per single sign-on account linked to yours.",
    ),
    PersonalData(
        table="second_factors",
        columns=("user_id", "secret", "confirmed_at"),
        purpose="Your authenticator app's secret, to check your second sign-in step.",
        retention="personal_details",
        subject=("user:user_id",),
        description="Whether you set up an authenticator app (the secret itself is not exported).",
    ),
    PersonalData(
        table="recovery_codes",
        columns=("user_id", "code_digest", "used_at"),
        purpose="Recovery codes for when you lose your authenticator app.",
        retention="personal_details",
        subject=("user:user_id",),
        description="One row per recovery code (only whether it was used is exported).",
    ),
)
NOT_PERSONAL: tuple[NotPersonal, ...] = ()
