"""E-mail settings from the environment, checked at start-up (docs/messages.md, Settings).

A setting that cannot work (an unknown transport, SMTP without a host, a GOV.UK Notify key that
is not one, a template id that is not an id) stops the service starting with a message that
names it, rather than failing later when the first message is sent.
"""

from __future__ import annotations

import os
import re
import uuid
from email.utils import parseaddr

from cohort.messages.kinds import KINDS

TRANSPORTS = ("outbox", "smtp", "notify")
SMTP_SECURITY = ("starttls", "ssl", "none")
NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
# A GOV.UK Notify API key is "name-<service id uuid>-<secret uuid>".
_NOTIFY_KEY = re.compile(r"^.+-[0-9a-f-]{36}-[0-9a-f-]{36}$")


def _error(message: str) -> Exception:
    from cohort.config import ConfigError

    return ConfigError(message)


def _text(name: str, default: str = "") -> str:
    return (os.environ.get(name) or default).strip()


def _port(name: str, default: int) -> int:
    raw = _text(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise _error(f"{name} must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


def notify_template_setting(kind: str) -> str:
    return f"NOTIFY_TEMPLATE_{kind.upper()}"


def _template_ids() -> dict[str, str]:
    """One GOV.UK Notify template per kind; NOTIFY_TEMPLATE_DEFAULT for any not named."""
    default = _text("NOTIFY_TEMPLATE_DEFAULT")
    ids: dict[str, str] = {}
    for kind in KINDS:
        setting = notify_template_setting(kind)
        value = _text(setting) or default
        if not value:
            raise _error(
                f"EMAIL_TRANSPORT=notify needs a template id for every message: set {setting} "
                "(or NOTIFY_TEMPLATE_DEFAULT for a template whose body is ((body)))"
            )
        try:
            uuid.UUID(value)
        except ValueError:
            name = setting if _text(setting) else "NOTIFY_TEMPLATE_DEFAULT"
            raise _error(f"{name} must be a GOV.UK Notify template id (a UUID), not {value!r}") from None
        ids[kind] = value
    return ids


def email_settings(production: bool, env: str) -> dict:
    # Unset: GOV.UK Notify when its key is given, SMTP when a mail server is, else the outbox.
    implied = "notify" if _text("NOTIFY_API_KEY") else ("smtp" if _text("SMTP_HOST") else "outbox")
    transport = _text("EMAIL_TRANSPORT", implied).lower()
    if transport not in TRANSPORTS:
        raise _error(f"EMAIL_TRANSPORT must be one of {', '.join(TRANSPORTS)}, not {transport!r}")
    sender = _text("EMAIL_FROM", "Cohort <cohort@localhost>")
    if "@" not in parseaddr(sender)[1]:
        raise _error(
            f"EMAIL_FROM must be an e-mail address, such as 'Cohort <cohort@example.gov.uk>', not {sender!r}"
        )
    service_url = _text("SERVICE_URL", "" if production else "http://127.0.0.1:5000").rstrip("/")
    if not service_url:
        raise _error(
            "COHORT_ENV=production needs SERVICE_URL, the address people use to reach the service "
            "(https://cohort.example.gov.uk): links in e-mails are built from it"
        )
    if not re.match(r"^https?://[^/\s]+", service_url):
        raise _error(f"SERVICE_URL must start with https:// (or http://), not {service_url!r}")

    settings: dict = {
        "EMAIL_TRANSPORT": transport,
        "EMAIL_FROM": sender,
        "EMAIL_REPLY_TO": _text("EMAIL_REPLY_TO") or None,
        "SERVICE_URL": service_url,
        # How often a message is tried before it is shown as failed, and the first wait (it doubles).
        "EMAIL_MAX_ATTEMPTS": int(_text("EMAIL_MAX_ATTEMPTS", "5") or 5),
        "EMAIL_RETRY_SECONDS": int(_text("EMAIL_RETRY_SECONDS", "60") or 60),
        "SMTP_HOST": None,
        "SMTP_PORT": None,
        "SMTP_SECURITY": None,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_TIMEOUT": 10,
        "NOTIFY_API_KEY": None,
        "NOTIFY_BASE_URL": NOTIFY_BASE_URL,
        "NOTIFY_TEMPLATE_IDS": {},
    }
    if transport == "smtp":
        host = _text("SMTP_HOST")
        if not host:
            raise _error("EMAIL_TRANSPORT=smtp needs SMTP_HOST, the mail server's name")
        security = _text("SMTP_SECURITY", "starttls").lower()
        if security not in SMTP_SECURITY:
            raise _error(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
        if security == "none" and production and host not in {"localhost", "127.0.0.1", "::1"}:
            raise _error("SMTP_SECURITY=none sends passwords and links in the clear: use starttls or ssl")
        username, password = _text("SMTP_USERNAME") or None, os.environ.get("SMTP_PASSWORD") or None
        if bool(username) != bool(password):
            raise _error("SMTP_USERNAME and SMTP_PASSWORD go together: set both, or neither")
        settings.update(
            SMTP_HOST=host,
            SMTP_PORT=_port("SMTP_PORT", 465 if security == "ssl" else 587),
            SMTP_SECURITY=security,
            SMTP_USERNAME=username,
            SMTP_PASSWORD=password,
            SMTP_TIMEOUT=_port("SMTP_TIMEOUT", 10),
        )
    if transport == "notify":
        key = _text("NOTIFY_API_KEY")
        if not key:
            raise _error("EMAIL_TRANSPORT=notify needs NOTIFY_API_KEY, the key from GOV.UK Notify's API page")
        if not _NOTIFY_KEY.match(key):
            raise _error("NOTIFY_API_KEY is not a GOV.UK Notify API key (name-service id-secret)")
        settings.update(
            NOTIFY_API_KEY=key,
            NOTIFY_BASE_URL=_text("NOTIFY_BASE_URL", NOTIFY_BASE_URL).rstrip("/"),
            NOTIFY_TEMPLATE_IDS=_template_ids(),
        )
    return settings
