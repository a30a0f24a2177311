"""Configuration from the environment: safe in development, strict in production."""

import logging

import pytest

from cohort.config import ConfigError, load_config


@pytest.fixture
def env(monkeypatch):
    for name in ("COHORT_ENV", "SECRET_KEY", "DATABASE_URL", "COHORT_ALLOW_SQLITE", "SESSION_IDLE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SERVICE_URL", "https://cohort.example.gov.uk")  # production needs it for e-mail links
    return monkeypatch


def test_development_works_with_nothing_set(env):
    config = load_config()
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("instance/cohort.db")
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_to_start_without_a_real_secret_key(env):
    env.setenv("COHORT_ENV", "production")
    env.setenv("DATABASE_URL", "postgresql://u@db/cohort")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    env.setenv("SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_config()


def test_production_refuses_the_sqlite_default_unless_asked(env):
    env.setenv("COHORT_ENV", "production")
    env.setenv("SECRET_KEY", "k" * 40)
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_config()
    env.setenv("COHORT_ALLOW_SQLITE", "1")
    assert load_config()["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_production_cookies_are_secure(env):
    env.setenv("COHORT_ENV", "production")
    env.setenv("SECRET_KEY", "k" * 40)
    env.setenv("DATABASE_URL", "postgres://u:p@db:5432/cohort")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/cohort"


def test_bad_values_get_a_clear_message(env):
    env.setenv("COHORT_ENV", "staging")
    with pytest.raises(ConfigError, match="development, production or testing"):
        load_config()
    env.setenv("COHORT_ENV", "development")
    env.setenv("SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(ConfigError, match="SESSION_IDLE_MINUTES must be a whole number"):
        load_config()


def test_production_refuses_rate_limits_counted_per_worker_unless_asked(env):
    env.setenv("COHORT_ENV", "production")
    env.setenv("SECRET_KEY", "k" * 40)
    env.setenv("DATABASE_URL", "postgresql://u@db/cohort")
    env.delenv("RATELIMIT_STORAGE_URI")
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI pointing at Redis"):
        load_config()
    env.setenv("RATELIMIT_STORAGE_URI", "memory://")  # one worker, on purpose
    assert load_config()["RATELIMIT_STORAGE_URI"] == "memory://"
    env.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_development_counts_rate_limits_in_memory_by_default(env):
    env.delenv("RATELIMIT_STORAGE_URI")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "memory://"


def test_logs_are_json_in_production_and_text_in_development_unless_chosen(env):
    for name in ("LOG_FORMAT", "LOG_LEVEL", "TRUSTED_PROXY_COUNT", "DATABASE_CONNECT_TIMEOUT"):
        env.delenv(name, raising=False)
    config = load_config()
    assert (config["LOG_FORMAT"], config["LOG_LEVEL"], config["TRUSTED_PROXY_COUNT"]) == ("text", None, 0)
    env.setenv("LOG_FORMAT", "JSON")
    env.setenv("LOG_LEVEL", "debug")
    config = load_config()
    assert (config["LOG_FORMAT"], config["LOG_LEVEL"]) == ("json", logging.DEBUG)

    env.delenv("LOG_FORMAT")
    env.setenv("COHORT_ENV", "production")
    env.setenv("SECRET_KEY", "k" * 40)
    env.setenv("DATABASE_URL", "postgresql://u:p@db/cohort")
    config = load_config()
    assert config["LOG_FORMAT"] == "json"
    # SQL parameters never reach a log line; an unreachable database fails within seconds.
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "hide_parameters": True,
        "connect_args": {"connect_timeout": 5},
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of json, text"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be 0 or more"),
        ("TRUSTED_PROXY_COUNT", "one", "TRUSTED_PROXY_COUNT must be a whole number"),
    ],
)
def test_bad_log_and_proxy_settings_get_a_clear_message(env, name, value, message):
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config()
