"""Single sign-on with OpenID Connect providers (docs/sign-in.md, Single sign-on).

Who a provider's answer signs in, as plain functions the pages call (cohort/auth/oidc_routes.py
does the HTTP and Authlib's checks of the ID token):

- an identity is keyed by the provider's issuer and the subject it gives the person, never by
  e-mail: a known identity signs in the person it is linked to, whatever address it now has;
- an unknown identity is linked to an existing account only when the provider says the e-mail
  address is verified, its domain is one the provider may vouch for, and the account is active
  and not a programme manager's (they link from their own signed-in account);
- with no account, a participant account is made only for the domains the settings list.

Every refusal is a `Refusal`: a reason for the security log and a page for the person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from cohort.auth import accounts
from cohort.auth.oidc_settings import Provider
from cohort.core import audit
from cohort.extensions import db
from cohort.models import Department, Role, SignInIdentity, User, normalise_email

security_log = logging.getLogger("cohort.security")

STAFF_ROLES = frozenset({Role.ADMIN, Role.FACILITATOR, Role.SPONSOR})
ASK_MANAGER = "Ask your programme manager"


# Settings ----------------------------------------------------------------------------------------


def providers() -> list[Provider]:
    """The configured providers, in the order OIDC_PROVIDERS gives them."""
    return list(current_app.config.get("OIDC_PROVIDERS", {}).values())


def provider_for(key: str) -> Provider | None:
    return current_app.config.get("OIDC_PROVIDERS", {}).get(key)


def provider_name(key: str) -> str:
    """A provider's name for display; the key for one no longer configured."""
    provider = provider_for(key)
    return provider.name if provider else key


def passwords_off_for_staff() -> bool:
    return bool(providers()) and not current_app.config.get("PASSWORD_SIGN_IN_FOR_STAFF", True)


def password_sign_in_allowed(user: User) -> bool:
    """Whether this person may sign in with a password. PASSWORD_SIGN_IN_FOR_STAFF=off turns
    passwords off for programme managers, facilitators and sponsors; a programme manager with no
    linked account still may, since their first single sign-on is refused until they link one
    from Your account (docs/sign-in.md, Who gets in)."""
    if not (passwords_off_for_staff() and user.role in STAFF_ROLES):
        return True
    return user.role == Role.ADMIN and not any(provider_for(i.provider) for i in identities_of(user))


def _names() -> str:
    names = [f"‘Sign in with {p.name}’" for p in providers()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def passwords_off_message() -> str:
    return (
        "Programme managers, facilitators and sponsors cannot sign in with a password: "
        f"choose {_names() or 'single sign-on'} instead"
    )


# Refusals ----------------------------------------------------------------------------------------


@dataclass
class Refusal(Exception):
    """Single sign-on refused: `reason` for the log, the rest for the page."""

    reason: str
    title: str
    explanation: str
    next_step: str
    status: int = 403
    detail: str = ""  # for the log only: never a token, a code or a secret

    def log(self, provider: Provider | None) -> None:
        key = provider.key if provider else "unknown"
        detail = f": {self.detail}" if self.detail else ""
        security_log.warning("single sign-on refused (%s) for provider %s%s", self.reason, key, detail)


def _try_again(provider: Provider) -> str:
    return f"Go back to the sign-in page and choose ‘Sign in with {provider.name}’ again."


def refusal(reason: str, provider: Provider, detail: str = "", **names: str) -> Refusal:
    """The refusal for `reason`, worded for `provider` (and the e-mail address, where it matters)."""
    name = provider.name
    email = names.get("email", "")
    retry = _try_again(provider)
    wording: dict[str, tuple[str, str, str, int]] = {
        "state": (
            "Your sign-in could not be finished",
            "Cohort could not match the answer from the sign-in page to a sign-in started in this "
            "browser. This happens when the sign-in was started in another browser or tab, took "
            "more than an hour, or the page was reloaded after signing in.",
            retry,
            403,
        ),
        "code": (
            "Your sign-in could not be finished",
            f"{name} would not confirm your sign-in: the answer it gave had already been used or had expired.",
            retry,
            403,
        ),
        "denied": (
            "You did not sign in",
            f"{name} said you did not agree to sign in to Cohort, or it could not sign you in.",
            f"{retry} If {name} does not let you, ask your department’s IT service desk.",
            403,
        ),
        "nonce": (
            "Your sign-in could not be trusted",
            f"The answer from {name} was not for the sign-in started in this browser, so Cohort did not use it.",
            retry,
            403,
        ),
        "audience": (
            "Your sign-in could not be trusted",
            f"The answer from {name} was meant for a different service, so Cohort did not use it.",
            f"{retry} If this happens again, {ASK_MANAGER.lower()} to check Cohort’s single sign-on settings.",
            403,
        ),
        "expired": (
            "Your sign-in had expired",
            f"The answer from {name} had expired before it reached Cohort.",
            f"{retry} If this happens again, {ASK_MANAGER.lower()} to check the server’s clock.",
            403,
        ),
        "issuer": (
            "Your sign-in could not be trusted",
            f"The answer did not come from {name}, so Cohort did not use it.",
            f"{ASK_MANAGER} to check Cohort’s single sign-on settings.",
            403,
        ),
        "signature": (
            "Your sign-in could not be trusted",
            f"Cohort could not check that the answer really came from {name}, so it did not use it.",
            f"{retry} If this happens again, {ASK_MANAGER.lower()} to check Cohort’s single sign-on settings.",
            403,
        ),
        "no-email": (
            "Your sign-in could not be finished",
            f"{name} did not tell Cohort your email address.",
            f"{ASK_MANAGER} to check Cohort’s single sign-on settings with your department’s IT service desk.",
            403,
        ),
        "unverified-email": (
            "Your email address is not confirmed",
            f"{name} says your email address {email} has not been confirmed, so Cohort cannot use it to find your account.",
            "Ask your department’s IT service desk to confirm your email address, or sign in with your "
            "email address and password.",
            403,
        ),
        "domain": (
            f"You cannot sign in to Cohort with {name}",
            f"{name} may only sign people in to Cohort with certain email addresses, and {email} is not one of them.",
            f"Sign in with your email address and password, or {ASK_MANAGER.lower()} to check which "
            "email addresses single sign-on accepts.",
            403,
        ),
        "admin-first-sign-in": (
            "Link your account before using single sign-on",
            f"Programme managers must link their {name} from their own account before they can sign in with it.",
            "Sign in with your email address and password, go to Your account, choose Single sign-on, then "
            f"‘Link your {name}’.",
            403,
        ),
        "deactivated": (
            "Your account has been deactivated",
            "You cannot sign in to Cohort because your account has been deactivated.",
            f"{ASK_MANAGER} to reactivate your account if you still need it.",
            403,
        ),
        "no-account": (
            "You do not have a Cohort account",
            f"There is no Cohort account for {email}.",
            f"{ASK_MANAGER} to add you to Cohort. They will email you an invitation.",
            403,
        ),
        "other-identity": (
            f"Your account is linked to a different {name}",
            f"The Cohort account for {email} is already linked to another {name}, so this one was not linked.",
            f"Sign in with the {name} you linked, or {ASK_MANAGER.lower()} to unlink it.",
            403,
        ),
        "linked-to-someone-else": (
            f"This {name} is linked to someone else",
            f"The {name} you signed in with is already linked to a different Cohort account.",
            f"{ASK_MANAGER} to unlink it from the other account first.",
            403,
        ),
        "wrong-email": (
            f"This {name} is not yours",
            f"The {name} you signed in with is for {email}, which is not the email address of your Cohort account.",
            f"Sign out of {name}, then sign in to it with your own account and try again.",
            403,
        ),
        "link-signed-out": (
            "Your account could not be linked",
            "You were signed out of Cohort before the link was finished.",
            "Sign in to Cohort again, then go to Your account and choose Single sign-on.",
            403,
        ),
        "conflict": (
            "Your sign-in could not be finished",
            "Someone else was signing in with the same account at the same moment.",
            retry,
            409,
        ),
        "unavailable": (
            f"{name} cannot be reached",
            f"Cohort could not reach {name} to sign you in.",
            f"Try again in a few minutes, or sign in with your email address and password. If it keeps "
            f"happening, {ASK_MANAGER.lower()} to check Cohort’s single sign-on settings.",
            503,
        ),
        "nonsense": (
            f"{name} is not working properly",
            f"{name} gave Cohort an answer it could not understand, so you have not been signed in.",
            "Try again later, or sign in with your email address and password. If it keeps happening, "
            f"{ASK_MANAGER.lower()} to check Cohort’s single sign-on settings.",
            502,
        ),
    }
    title, explanation, next_step, status = wording[reason]
    return Refusal(reason, title, explanation, next_step, status, detail)


# What the provider said --------------------------------------------------------------------------


@dataclass(frozen=True)
class Asserted:
    """The claims Cohort uses from a verified ID token (and the provider's userinfo)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def asserted(claims: dict, provider: Provider) -> Asserted:
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        raise refusal("nonsense", provider, "no issuer or subject")
    if len(issuer) > 255 or len(subject) > 255:
        raise refusal("nonsense", provider, "issuer or subject too long")
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) and "@" in email else None
    if email is not None and len(email) > 254:
        email = None
    verified = claims.get("email_verified")
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        given, family = claims.get("given_name"), claims.get("family_name")
        parts = [p.strip() for p in (given, family) if isinstance(p, str) and p.strip()]
        name = " ".join(parts) or None
    return Asserted(
        issuer=issuer,
        subject=subject,
        email=email,
        email_verified=verified is True or (isinstance(verified, str) and verified.lower() == "true"),
        name=" ".join(name.split())[:120] if name else None,
    )


def _domain(email: str) -> str:
    return email.rpartition("@")[2]


def _check_email(provider: Provider, said: Asserted) -> str:
    """The asserted address, if the provider may vouch for it; otherwise a refusal."""
    if said.email is None:
        raise refusal("no-email", provider, f"no email for subject of {said.issuer}")
    if not said.email_verified:
        raise refusal("unverified-email", provider, "email_verified is not true", email=said.email)
    if _domain(said.email) not in provider.email_domains:
        raise refusal("domain", provider, f"domain {_domain(said.email)} not allowed", email=said.email)
    return said.email


# Identities --------------------------------------------------------------------------------------


def find_identity(issuer: str, subject: str) -> SignInIdentity | None:
    return db.session.scalar(
        select(SignInIdentity).where(SignInIdentity.issuer == issuer, SignInIdentity.subject == subject)
    )


def identities_of(user: User) -> list[SignInIdentity]:
    return list(
        db.session.scalars(
            select(SignInIdentity)
            .where(SignInIdentity.user_id == user.id)
            .order_by(SignInIdentity.provider, SignInIdentity.created_at)
        )
    )


def _identity_at(user: User, issuer: str) -> SignInIdentity | None:
    return db.session.scalar(
        select(SignInIdentity).where(SignInIdentity.user_id == user.id, SignInIdentity.issuer == issuer)
    )


def _link(
    actor: User, user: User, provider: Provider, said: Asserted, now: datetime, how: str
) -> SignInIdentity:
    identity = SignInIdentity(
        user=user,
        provider=provider.key,
        issuer=said.issuer,
        subject=said.subject,
        email=said.email,
        created_at=now,
    )
    db.session.add(identity)
    db.session.flush()
    audit.record(
        actor,
        "link single sign-on",
        identity,
        f"Linked {provider.name} ({said.email}) to {user.full_name} {how}",
        after={"user_id": user.id, "provider": provider.key, "email": said.email},
    )
    security_log.info(
        "single sign-on identity %s of %s linked to user %s %s", identity.id, provider.key, user.id, how
    )
    return identity


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    return db.session.scalar(select(Department).where(Department.code == code.upper()))


def person_for_sign_in(provider: Provider, said: Asserted, now: datetime | None = None) -> User:
    """The person this verified answer signs in, linking or creating as the rules allow.

    Adds to the transaction without committing: the caller begins the session, which commits
    the link (or the new account) with it, or rolls back on a refusal."""
    now = now or datetime.now(UTC)
    identity = find_identity(said.issuer, said.subject)
    if identity is not None:
        if not identity.user.is_active_account:
            raise refusal("deactivated", provider, f"user {identity.user_id} is deactivated")
        identity.last_used_at = now
        return identity.user
    email = _check_email(provider, said)
    found = db.session.scalar(select(User).where(User.email == email))
    if found is not None:
        user = found
        if not user.is_active_account:
            raise refusal("deactivated", provider, f"user {user.id} is deactivated")
        if user.role == Role.ADMIN:
            raise refusal("admin-first-sign-in", provider, f"user {user.id} is a programme manager")
        if _identity_at(user, said.issuer) is not None:
            raise refusal("other-identity", provider, f"user {user.id} has another subject", email=email)
        _link(user, user, provider, said, now, "at their first sign-in").last_used_at = now
        return user
    if _domain(email) not in provider.create_participants:
        raise refusal("no-account", provider, f"no account, domain {_domain(email)}", email=email)
    user = accounts.invite_user(
        None,
        email=email,
        full_name=said.name or email.partition("@")[0],
        role=Role.PARTICIPANT,
        department=_department(provider.create_participants[_domain(email)]),
        commit=False,
    )
    _link(user, user, provider, said, now, "when their account was made at first sign-in").last_used_at = now
    return user


def link_to(user: User, provider: Provider, said: Asserted, now: datetime | None = None) -> SignInIdentity:
    """Link a verified answer to the signed-in person (Your account → Single sign-on). Commits."""
    now = now or datetime.now(UTC)
    email = _check_email(provider, said)
    existing = find_identity(said.issuer, said.subject)
    if existing is not None and existing.user_id != user.id:
        raise refusal("linked-to-someone-else", provider, f"identity {existing.id} belongs to another user")
    if existing is not None:
        return existing  # already linked to this person: nothing to do
    if email != user.email:
        raise refusal("wrong-email", provider, f"asserted address is not user {user.id}'s", email=email)
    if _identity_at(user, said.issuer) is not None:
        raise refusal("other-identity", provider, f"user {user.id} has another subject", email=email)
    identity = _link(user, user, provider, said, now, "from their account")
    db.session.commit()
    return identity


def unlink_problem(user: User, identity: SignInIdentity) -> str | None:
    """Why this identity may not be unlinked, or None: a staff member with passwords turned off
    must keep at least one way in."""
    if not (passwords_off_for_staff() and user.role in STAFF_ROLES):
        return None
    others = [i for i in identities_of(user) if i.id != identity.id and provider_for(i.provider)]
    if others:
        return None
    return (
        f"This is the only way {user.full_name} can sign in: staff cannot use a password, so it "
        "cannot be unlinked until another single sign-on account is linked"
    )


def unlink(actor: User, identity: SignInIdentity) -> None:
    """Unlink an identity (the person, or a programme manager). Audited. Commits."""
    user = identity.user
    summary = f"Unlinked {provider_name(identity.provider)} ({identity.email}) from {user.full_name}"
    audit.record(
        actor,
        "unlink single sign-on",
        identity,
        summary,
        before={"user_id": user.id, "provider": identity.provider, "email": identity.email},
    )
    security_log.info(
        "single sign-on identity %s unlinked from user %s by user %s", identity.id, user.id, actor.id
    )
    db.session.delete(identity)
    db.session.commit()
