"""Configuration from environment variables.

Development (the default) gets safe defaults so `make run` works on a fresh
clone; production (COHORT_ENV=production) refuses to start without a real
SECRET_KEY, and on the embedded SQLite default unless COHORT_ALLOW_SQLITE=1.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production below
INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_SQLITE_URL = f"sqlite:///{INSTANCE_DIR / 'cohort.db'}"


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the service may run with."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")


def _choice(name: str, choices: tuple[str, ...], *, upper: bool = False) -> str | None:
    value = (os.environ.get(name) or "").strip()
    if not value:
        return None
    value = value.upper() if upper else value.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _engine_options(database_url: str) -> dict:
    options: dict = {
        "pool_pre_ping": True,
        # SQL parameters (password hashes, session tokens, e-mail addresses) never reach a log
        # line or an error message (docs/operations.md, Secrets).
        "hide_parameters": True,
    }
    if database_url.startswith("postgresql"):
        # An unreachable database fails in seconds, not after the operating system's TCP
        # time-out, so /readyz answers and start-up says so quickly (docs/operations.md).
        options["connect_args"] = {"connect_timeout": _int("DATABASE_CONNECT_TIMEOUT", 5)}
    return options


def _database_url(raw: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    return raw


def load_config() -> dict:
    """Read the environment into a Flask config mapping, or raise ConfigError."""
    env = os.environ.get("COHORT_ENV", "development").strip().lower()
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"COHORT_ENV must be development, production or testing, not {env!r}")
    production = env == "production"

    secret_key = os.environ.get("SECRET_KEY", "")
    if production and (len(secret_key) < 32 or secret_key == DEV_SECRET_KEY):
        raise ConfigError(
            "COHORT_ENV=production needs SECRET_KEY set to a random value of at least "
            "32 characters, for example: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if not secret_key:
        secret_key = DEV_SECRET_KEY

    database_url = _database_url(os.environ.get("DATABASE_URL", "") or DEFAULT_SQLITE_URL)
    if production and database_url.startswith("sqlite") and not _flag("COHORT_ALLOW_SQLITE"):
        raise ConfigError(
            "COHORT_ENV=production needs DATABASE_URL pointing at PostgreSQL "
            "(postgresql://user:password@host/dbname); set COHORT_ALLOW_SQLITE=1 to run "
            "on SQLite on purpose"
        )

    # Rate limits counted in one worker's memory are not limits once there are several workers
    # or hosts: production names a shared store (Redis), or memory:// on purpose for one worker.
    ratelimit_storage = (os.environ.get("RATELIMIT_STORAGE_URI") or "").strip()
    if production and not ratelimit_storage:
        raise ConfigError(
            "COHORT_ENV=production needs RATELIMIT_STORAGE_URI pointing at Redis "
            "(redis://127.0.0.1:6379/0), so every worker shares the rate-limit counts; "
            "set it to memory:// on purpose to run a single worker"
        )

    log_format = _choice("LOG_FORMAT", LOG_FORMATS)
    log_level = _choice("LOG_LEVEL", LOG_LEVELS, upper=True)

    trusted_proxies = _int("TRUSTED_PROXY_COUNT", 0)
    if trusted_proxies < 0:
        raise ConfigError(f"TRUSTED_PROXY_COUNT must be 0 or more, not {trusted_proxies}")

    idle_minutes = _int("SESSION_IDLE_MINUTES", 30)
    absolute_hours = _int("SESSION_ABSOLUTE_HOURS", 12)
    max_upload_mb = _int("MAX_UPLOAD_MB", 6)

    # docs/rules.md §3.2: an ended session with no mark waits this many working days for its
    # register before it counts as absent (0: at once).
    register_deadline = _int("REGISTER_DEADLINE_WORKING_DAYS", 2)
    if not 0 <= register_deadline <= 20:
        raise ConfigError(f"REGISTER_DEADLINE_WORKING_DAYS must be from 0 to 20, not {register_deadline}")

    # Retention of personal data (docs/personal-data.md §3): how long each kind is kept.
    retention = {
        "RETAIN_PARTICIPANT_YEARS": (_int("RETAIN_PARTICIPANT_YEARS", 2), 1, 10),
        "RETAIN_LEARNING_LOG_MONTHS": (_int("RETAIN_LEARNING_LOG_MONTHS", 12), 1, 120),
        "RETAIN_SIGN_IN_DAYS": (_int("RETAIN_SIGN_IN_DAYS", 90), 7, 3650),
        "RETAIN_EMAIL_DAYS": (_int("RETAIN_EMAIL_DAYS", 90), 7, 3650),
    }
    for name, (value, low, high) in retention.items():
        if not low <= value <= high:
            raise ConfigError(f"{name} must be from {low} to {high}, not {value}")

    from cohort.auth.settings import sign_in_settings
    from cohort.messages.settings import email_settings

    return {
        **email_settings(production, env),
        **sign_in_settings(production),
        # Background jobs (docs/messages.md, Jobs): huey keeps its queue in a SQLite file of its
        # own beside the database on SQLite, in the service's own PostgreSQL database otherwise.
        # JOBS_IMMEDIATE runs each job at once in the process that queues it (the test suite).
        "JOBS_IMMEDIATE": _flag("JOBS_IMMEDIATE", env == "testing"),
        "JOBS_SQLITE_PATH": os.environ.get("JOBS_SQLITE_PATH") or str(INSTANCE_DIR / "jobs.sqlite3"),
        "COHORT_ENV": env,
        "ENV_IS_PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "SESSION_COOKIE_NAME": "cohort_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute_hours),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=absolute_hours),
        # Uploads (nomination spreadsheets) are limited to 5 MB; leave room for the form.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "RATELIMIT_STORAGE_URI": ratelimit_storage or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "SIGN_IN_MAX_FAILURES": _int("SIGN_IN_MAX_FAILURES", 10),
        "SIGN_IN_WINDOW_MINUTES": _int("SIGN_IN_WINDOW_MINUTES", 5),
        "PASSWORD_LINK_HOURS": _int("PASSWORD_LINK_HOURS", 72),
        # "Forgotten your password?" (docs/messages.md, Invitations and forgotten passwords): the
        # reset link works this long; each account gets at most PASSWORD_RESETS_PER_HOUR links an
        # hour; and the answer takes at least FORGOTTEN_PASSWORD_MIN_SECONDS whether or not the
        # address has an account, so its timing does not tell.
        "PASSWORD_RESET_MINUTES": _int("PASSWORD_RESET_MINUTES", 60),
        "PASSWORD_RESETS_PER_HOUR": 3,
        "FORGOTTEN_PASSWORD_MIN_SECONDS": 0.4,
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        "USERS_PER_PAGE": 25,
        "SERVICE_NAME": "Cohort",
        # The programme team's address on the Help pages (README, Configuration); unset: EMAIL_REPLY_TO.
        "HELP_EMAIL": (os.environ.get("HELP_EMAIL") or "").strip() or None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "AUDIT_EVENTS_PER_PAGE": 50,
        # Uploaded nomination files wait here between preview and confirm; every
        # worker must see the same folder (default: instance/imports).
        "IMPORT_UPLOAD_FOLDER": os.environ.get("IMPORT_UPLOAD_FOLDER") or None,
        # `flask build-reports` writes one folder per cohort here (default: reports/ under the
        # folder it is run from); --out overrides it.
        "REPORTS_FOLDER": os.environ.get("REPORTS_FOLDER") or "reports",
        # Logs (docs/operations.md, Logs): JSON lines in production, one readable line each in
        # development (LOG_FORMAT=json or text to choose). LOG_LEVEL set: that level everywhere;
        # unset: INFO for the web service, WARNING for `flask` commands so their output is theirs.
        "LOG_FORMAT": log_format or ("json" if production else "text"),
        "LOG_LEVEL": logging.getLevelName(log_level) if log_level else None,
        # How many proxies in front of the service set X-Forwarded-For / -Proto (0: none, the
        # service is reached directly). Above 0, the client address and scheme are taken from
        # those headers and a valid X-Request-Id from the proxy is used as the request id
        # (docs/operations.md, Request ids).
        "TRUSTED_PROXY_COUNT": trusted_proxies,
        "REGISTER_DEADLINE_WORKING_DAYS": register_deadline,
        **{name: value for name, (value, _low, _high) in retention.items()},
    }
