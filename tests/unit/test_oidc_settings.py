"""Single sign-on settings (docs/sign-in.md, Single sign-on): read from the environment, refused at
start-up with a one-line reason when they cannot work, and documented where operators look."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cohort.auth.oidc_settings import DEFAULT_SCOPES, PROVIDER_SETTINGS, oidc_settings, provider_setting
from cohort.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]

MOJ = {
    "OIDC_MOJ_NAME": "Ministry of Justice account",
    "OIDC_MOJ_DISCOVERY_URL": "https://login.example.gov.uk/.well-known/openid-configuration",
    "OIDC_MOJ_CLIENT_ID": "cohort",
    "OIDC_MOJ_CLIENT_SECRET": "not-a-real-secret",
    "OIDC_MOJ_EMAIL_DOMAINS": "Justice.gov.uk, cps.gov.uk",
}


@pytest.fixture
def env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("OIDC_") or name == "PASSWORD_SIGN_IN_FOR_STAFF":
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def moj(env):
    env.setenv("OIDC_PROVIDERS", "moj")
    for name, value in MOJ.items():
        env.setenv(name, value)
    return env


def test_nothing_set_means_no_single_sign_on_and_passwords_for_everyone(env):
    assert oidc_settings(production=True) == {"OIDC_PROVIDERS": {}, "PASSWORD_SIGN_IN_FOR_STAFF": True}


def test_a_provider_is_read_with_its_defaults(moj):
    (provider,) = oidc_settings(production=True)["OIDC_PROVIDERS"].values()
    assert provider.key == "moj"
    assert provider.name == "Ministry of Justice account"
    assert provider.client_id == "cohort" and provider.client_secret == "not-a-real-secret"
    assert provider.scopes == DEFAULT_SCOPES
    assert provider.email_domains == {"justice.gov.uk", "cps.gov.uk"}
    assert provider.create_participants == {}


def test_several_providers_keep_their_order_and_their_own_settings(moj):
    moj.setenv("OIDC_PROVIDERS", " DVLA , moj ")
    moj.setenv("OIDC_DVLA_NAME", "DVLA account")
    moj.setenv("OIDC_DVLA_DISCOVERY_URL", "https://dvla.example/.well-known/openid-configuration")
    moj.setenv("OIDC_DVLA_CLIENT_ID", "cohort-dvla")
    moj.setenv("OIDC_DVLA_CLIENT_SECRET", "another")
    moj.setenv("OIDC_DVLA_EMAIL_DOMAINS", "dvla.gov.uk")
    moj.setenv("OIDC_DVLA_SCOPES", "openid, email")
    moj.setenv("OIDC_DVLA_CREATE_PARTICIPANTS", "dvla.gov.uk:DVLA")
    providers = oidc_settings(production=True)["OIDC_PROVIDERS"]
    assert list(providers) == ["dvla", "moj"]
    assert providers["dvla"].scopes == "openid email"
    assert providers["dvla"].create_participants == {"dvla.gov.uk": "DVLA"}
    assert providers["moj"].email_domains == {"justice.gov.uk", "cps.gov.uk"}


def test_accounts_are_made_only_for_listed_domains_with_or_without_a_department(moj):
    moj.setenv("OIDC_MOJ_CREATE_PARTICIPANTS", "justice.gov.uk:MOJ, cps.gov.uk")
    (provider,) = oidc_settings(production=False)["OIDC_PROVIDERS"].values()
    assert provider.create_participants == {"justice.gov.uk": "MOJ", "cps.gov.uk": None}


@pytest.mark.parametrize(
    "missing",
    [
        "OIDC_MOJ_NAME",
        "OIDC_MOJ_DISCOVERY_URL",
        "OIDC_MOJ_CLIENT_ID",
        "OIDC_MOJ_CLIENT_SECRET",
        "OIDC_MOJ_EMAIL_DOMAINS",
    ],
)
def test_each_required_setting_is_named_when_missing(moj, missing):
    moj.delenv(missing)
    with pytest.raises(ConfigError, match=f"OIDC_PROVIDERS names 'moj', so {missing} must be set"):
        oidc_settings(production=False)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OIDC_PROVIDERS", "moj,moj", "names moj more than once"),
        ("OIDC_PROVIDERS", "m-o-j", "short keys of lower-case letters and digits"),
        ("OIDC_PROVIDERS", "1moj", "short keys"),
        ("OIDC_MOJ_DISCOVERY_URL", "login.example.gov.uk", "must be an http\\(s\\) address"),
        ("OIDC_MOJ_DISCOVERY_URL", "ftp://login.example.gov.uk/x", "must be an http\\(s\\) address"),
        ("OIDC_MOJ_SCOPES", "openid profile", "must include openid and email"),
        ("OIDC_MOJ_EMAIL_DOMAINS", "justice", "e-mail domains such as justice.gov.uk, not 'justice'"),
        ("OIDC_MOJ_EMAIL_DOMAINS", " , ", "at least one e-mail domain"),
        (
            "OIDC_MOJ_CREATE_PARTICIPANTS",
            "dvla.gov.uk",
            "lists dvla.gov.uk, which is not in OIDC_MOJ_EMAIL_DOMAINS",
        ),
        ("OIDC_MOJ_CREATE_PARTICIPANTS", ":MOJ", "each with an optional department code"),
        ("OIDC_MOJ_CREATE_PARTICIPANTS", "justice.gov.uk:M;J", "department code after the colon"),
        ("OIDC_MOJ_NAME", "x" * 61, "60 characters or fewer"),
        ("PASSWORD_SIGN_IN_FOR_STAFF", "sometimes", "must be on or off, not 'sometimes'"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_a_reason(moj, name, value, message):
    moj.setenv(name, value)
    with pytest.raises(ConfigError, match=message) as refused:
        oidc_settings(production=False)
    assert "\n" not in str(refused.value)


def test_production_needs_an_https_discovery_address(moj):
    moj.setenv("OIDC_MOJ_DISCOVERY_URL", "http://login.example.gov.uk/.well-known/openid-configuration")
    assert oidc_settings(production=False)["OIDC_PROVIDERS"]["moj"]
    with pytest.raises(ConfigError, match="OIDC_MOJ_DISCOVERY_URL must be an https address in production"):
        oidc_settings(production=True)


@pytest.mark.parametrize(
    ("value", "expected"), [("off", False), ("0", False), ("No", False), ("on", True), ("1", True)]
)
def test_passwords_for_staff_can_be_turned_off_when_a_provider_is_configured(moj, value, expected):
    moj.setenv("PASSWORD_SIGN_IN_FOR_STAFF", value)
    assert oidc_settings(production=True)["PASSWORD_SIGN_IN_FOR_STAFF"] is expected


def test_passwords_off_with_no_provider_is_refused_at_start_up(env):
    env.setenv("PASSWORD_SIGN_IN_FOR_STAFF", "off")
    with pytest.raises(ConfigError, match="PASSWORD_SIGN_IN_FOR_STAFF=off needs a single sign-on provider"):
        load_config()


def test_the_service_reads_them_at_start_up(moj):
    config = load_config()
    assert list(config["OIDC_PROVIDERS"]) == ["moj"]
    assert config["PASSWORD_SIGN_IN_FOR_STAFF"] is True


# Documented: the per-provider names are built from the key, so the scan of
# tests/unit/test_settings_documented.py cannot see them; this checks them instead.


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def test_every_per_provider_setting_is_in_the_readme():
    section = _section(
        (ROOT / "README.md").read_text(), "single sign-on settings: start", "single sign-on settings: end"
    )
    documented = re.findall(r"^\| `OIDC_<KEY>_([A-Z_]+)` \|", section, re.MULTILINE)
    assert sorted(documented) == sorted(PROVIDER_SETTINGS)
    assert "| `OIDC_PROVIDERS` |" in section and "| `PASSWORD_SIGN_IN_FOR_STAFF` |" in section


def test_every_per_provider_setting_is_in_the_environment_file_template():
    section = _section(
        (ROOT / "deploy/cohort.env.example").read_text(), "single sign-on: start", "single sign-on: end"
    )
    explained = re.findall(r"^# OIDC_<KEY>_([A-Z_]+):", section, re.MULTILINE)
    examples = re.findall(r"^#OIDC_MOJ_([A-Z_]+)=", section, re.MULTILINE)
    assert sorted(explained) == sorted(PROVIDER_SETTINGS)
    assert sorted(examples) == sorted(PROVIDER_SETTINGS)
    assert re.search(r"^#OIDC_PROVIDERS=", section, re.MULTILINE)
    assert re.search(r"^#PASSWORD_SIGN_IN_FOR_STAFF=", section, re.MULTILINE)


def test_per_provider_names_are_built_from_the_key():
    assert provider_setting("moj", "CLIENT_ID") == "OIDC_MOJ_CLIENT_ID"
