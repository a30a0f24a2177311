"""Settings for single sign-on (docs/sign-in.md, Single sign-on), read at start-up.

OIDC_PROVIDERS names the providers by key (`moj,dvla`); each key's own settings are
OIDC_<KEY>_NAME, _DISCOVERY_URL, _CLIENT_ID, _CLIENT_SECRET, _SCOPES, _EMAIL_DOMAINS and
_CREATE_PARTICIPANTS (PROVIDER_SETTINGS). A setting that cannot work stops the service
starting with a one-line reason, rather than failing when someone first signs in.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_SCOPES = "openid email profile"
# The part of each per-provider setting's name after OIDC_<KEY>_ (documented in README.md and
# deploy/cohort.env.example; tests/unit/test_oidc_settings.py checks both list these).
PROVIDER_SETTINGS = (
    "NAME",
    "DISCOVERY_URL",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "SCOPES",
    "EMAIL_DOMAINS",
    "CREATE_PARTICIPANTS",
)
# A key becomes part of setting names and of addresses (/sign-in/<key>), and is kept in
# sign_in_identities.provider (40 characters).
_KEY = re.compile(r"^[a-z][a-z0-9]{0,39}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_DEPARTMENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,19}$")
_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Provider:
    """One configured OpenID Connect provider."""

    key: str
    name: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    # E-mail domains this provider may vouch for (lower case, matched exactly).
    email_domains: frozenset[str]
    # Domains whose people may get a participant account at their first sign-in, each with
    # the code of the department to put them in, or None.
    create_participants: dict[str, str | None]


def _error(message: str) -> Exception:
    from cohort.config import ConfigError

    return ConfigError(message)


def provider_setting(key: str, part: str) -> str:
    """The environment variable of one of a provider's settings: OIDC_MOJ_CLIENT_ID."""
    return f"OIDC_{key.upper()}_{part}"


def _read(key: str, part: str) -> str:
    return (os.environ.get(provider_setting(key, part)) or "").strip()


def _required(key: str, part: str, what: str) -> str:
    value = _read(key, part)
    if not value:
        raise _error(f"OIDC_PROVIDERS names {key!r}, so {provider_setting(key, part)} must be set: {what}")
    return value


def _domains(key: str, part: str, raw: str) -> list[str]:
    domains = [d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip()]
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise _error(
                f"{provider_setting(key, part)} must list e-mail domains such as justice.gov.uk, not {domain!r}"
            )
    return domains


def _creatable(key: str, raw: str, allowed: frozenset[str]) -> dict[str, str | None]:
    """`justice.gov.uk:MOJ, cps.gov.uk`: domains, each with an optional department code."""
    setting = provider_setting(key, "CREATE_PARTICIPANTS")
    found: dict[str, str | None] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        raw_domain, _, code = (piece.strip() for piece in item.partition(":"))
        if not raw_domain:
            raise _error(
                f"{setting} must list e-mail domains, each with an optional department code: justice.gov.uk:MOJ"
            )
        domain = (_domains(key, "CREATE_PARTICIPANTS", raw_domain) or [""])[0]
        if domain not in allowed:
            raise _error(
                f"{setting} lists {domain}, which is not in {provider_setting(key, 'EMAIL_DOMAINS')}: "
                "the provider may only create accounts for domains it may vouch for"
            )
        if code and not _DEPARTMENT_CODE.match(code):
            raise _error(f"{setting} must give a department code after the colon, such as justice.gov.uk:MOJ")
        found[domain] = code or None
    return found


def _provider(key: str, production: bool) -> Provider:
    name = _required(key, "NAME", "the name on its button, such as 'Ministry of Justice account'")
    if len(name) > 60:
        raise _error(f"{provider_setting(key, 'NAME')} must be 60 characters or fewer")
    url = _required(key, "DISCOVERY_URL", "the provider's /.well-known/openid-configuration address")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _error(f"{provider_setting(key, 'DISCOVERY_URL')} must be an http(s) address, not {url!r}")
    if production and parts.scheme != "https":
        raise _error(f"{provider_setting(key, 'DISCOVERY_URL')} must be an https address in production")
    client_id = _required(key, "CLIENT_ID", "the client (application) id the provider gave Cohort")
    client_secret = _required(key, "CLIENT_SECRET", "the client secret the provider gave Cohort")
    scopes = " ".join((_read(key, "SCOPES") or DEFAULT_SCOPES).replace(",", " ").split())
    if not {"openid", "email"} <= set(scopes.split()):
        raise _error(f"{provider_setting(key, 'SCOPES')} must include openid and email, not {scopes!r}")
    domains = frozenset(
        _domains(key, "EMAIL_DOMAINS", _required(key, "EMAIL_DOMAINS", "the e-mail domains it may vouch for"))
    )
    if not domains:
        raise _error(f"{provider_setting(key, 'EMAIL_DOMAINS')} must list at least one e-mail domain")
    return Provider(
        key=key,
        name=name,
        discovery_url=url,
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        email_domains=domains,
        create_participants=_creatable(key, _read(key, "CREATE_PARTICIPANTS"), domains),
    )


def _keys(raw: str) -> list[str]:
    keys = [part.strip().lower() for part in raw.split(",") if part.strip()]
    for key in keys:
        if not _KEY.match(key):
            raise _error(
                f"OIDC_PROVIDERS must list short keys of lower-case letters and digits, such as moj,dvla, not {key!r}"
            )
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise _error(f"OIDC_PROVIDERS names {', '.join(repeated)} more than once")
    return keys


def _on_off(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _ON:
        return True
    if raw in _OFF:
        return False
    raise _error(f"{name} must be on or off, not {raw!r}")


def oidc_settings(production: bool) -> dict:
    keys = _keys(os.environ.get("OIDC_PROVIDERS") or "")
    providers = {key: _provider(key, production) for key in keys}
    passwords_for_staff = _on_off("PASSWORD_SIGN_IN_FOR_STAFF", True)
    if not passwords_for_staff and not providers:
        raise _error(
            "PASSWORD_SIGN_IN_FOR_STAFF=off needs a single sign-on provider in OIDC_PROVIDERS, "
            "or staff could not sign in at all"
        )
    return {
        # Key → Provider, in the order given (the order of the buttons).
        "OIDC_PROVIDERS": providers,
        "PASSWORD_SIGN_IN_FOR_STAFF": passwords_for_staff,
    }
