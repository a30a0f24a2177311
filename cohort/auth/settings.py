"""Settings for signing in (docs/sign-in.md), read with the service's own at start-up."""

from __future__ import annotations

import os

from cohort.config import ConfigError
from cohort.models import Role


def _roles(name: str, default: str) -> frozenset[Role]:
    raw = os.environ.get(name)
    value = default if raw is None else raw
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    known = {role.value for role in Role}
    unknown = [part for part in names if part not in known]
    if unknown:
        raise ConfigError(
            f"{name} names roles that do not exist: {', '.join(unknown)} (roles: {', '.join(sorted(known))})"
        )
    return frozenset(Role(part) for part in names)


def sign_in_settings(production: bool) -> dict:
    from cohort.auth.oidc_settings import oidc_settings

    return {
        # Roles that must have a second factor to use a password (docs/sign-in.md, Second factor).
        "SECOND_FACTOR_ROLES": _roles("SECOND_FACTOR_ROLES", "admin,facilitator"),
        **oidc_settings(production),
    }
