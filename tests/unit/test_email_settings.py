"""E-mail settings that cannot work stop the service starting, naming the setting
(docs/messages.md, Settings), instead of failing at the first message."""

from __future__ import annotations

import pytest

from cohort.config import ConfigError, load_config
from cohort.messages.kinds import KINDS

KEY = "cohort_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("EMAIL_TRANSPORT", "SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USERNAME", "SMTP_PASSWORD",
                 "NOTIFY_API_KEY", "NOTIFY_TEMPLATE_DEFAULT", "EMAIL_FROM", "SERVICE_URL", "COHORT_ENV"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for kind in KINDS:
        monkeypatch.delenv(f"NOTIFY_TEMPLATE_{kind.upper()}", raising=False)


def test_outbox_by_default(monkeypatch):
    config = load_config()
    assert config["EMAIL_TRANSPORT"] == "outbox"
    assert config["SERVICE_URL"] == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"EMAIL_TRANSPORT": "pigeon"}, "EMAIL_TRANSPORT must be one of outbox, smtp, notify"),
        ({"EMAIL_TRANSPORT": "smtp"}, "needs SMTP_HOST"),
        ({"SMTP_HOST": "mail.example.gov.uk", "SMTP_PORT": "seventy"}, "SMTP_PORT must be a port number"),
        ({"SMTP_HOST": "mail.example.gov.uk", "SMTP_PORT": "70000"}, "SMTP_PORT must be a port number"),
        ({"SMTP_HOST": "mail.example.gov.uk", "SMTP_SECURITY": "tls1"}, "SMTP_SECURITY must be one of"),
        ({"SMTP_HOST": "mail.example.gov.uk", "SMTP_USERNAME": "cohort"}, "SMTP_USERNAME and SMTP_PASSWORD go together"),
        ({"EMAIL_TRANSPORT": "notify"}, "needs NOTIFY_API_KEY"),
        ({"NOTIFY_API_KEY": "not-a-key"}, "is not a GOV.UK Notify API key"),
        ({"NOTIFY_API_KEY": KEY}, "needs a template id for every message: set NOTIFY_TEMPLATE_INVITATION"),
        ({"NOTIFY_API_KEY": KEY, "NOTIFY_TEMPLATE_DEFAULT": "welcome"}, "NOTIFY_TEMPLATE_DEFAULT must be a GOV.UK Notify template id"),
        ({"NOTIFY_API_KEY": KEY, "NOTIFY_TEMPLATE_DEFAULT": TEMPLATE, "NOTIFY_TEMPLATE_AT_RISK": "x"}, "NOTIFY_TEMPLATE_AT_RISK must be"),
        ({"EMAIL_FROM": "Cohort"}, "EMAIL_FROM must be an e-mail address"),
        ({"SERVICE_URL": "cohort.example.gov.uk"}, "SERVICE_URL must start with https://"),
    ],
)  # fmt: skip
def test_settings_that_cannot_work_stop_start_up(monkeypatch, environment, message):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config()


def test_production_needs_the_service_address(monkeypatch):
    monkeypatch.setenv("COHORT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://cohort@db/cohort")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigError, match="needs SERVICE_URL"):
        load_config()


def test_the_transport_follows_the_settings_given(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example.gov.uk")
    config = load_config()
    assert (config["EMAIL_TRANSPORT"], config["SMTP_PORT"], config["SMTP_SECURITY"]) == (
        "smtp",
        587,
        "starttls",
    )
    monkeypatch.delenv("SMTP_HOST")
    monkeypatch.setenv("NOTIFY_API_KEY", KEY)
    monkeypatch.setenv("NOTIFY_TEMPLATE_DEFAULT", TEMPLATE)
    monkeypatch.setenv("NOTIFY_TEMPLATE_INVITATION", "26785a09-ab16-4eb0-8407-a37497a57506")
    config = load_config()
    assert config["EMAIL_TRANSPORT"] == "notify"
    assert config["NOTIFY_TEMPLATE_IDS"]["invitation"] == "26785a09-ab16-4eb0-8407-a37497a57506"
    assert config["NOTIFY_TEMPLATE_IDS"]["at_risk"] == TEMPLATE


def test_a_bad_setting_stops_flask_commands_with_the_message(monkeypatch, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "FLASK_APP": "cohort", "EMAIL_TRANSPORT": "smtp",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "HOME": str(tmp_path)}  # fmt: skip
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "worker", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert result.returncode == 1
    assert "Error: EMAIL_TRANSPORT=smtp needs SMTP_HOST" in result.stderr
    assert "Traceback" not in result.stderr
