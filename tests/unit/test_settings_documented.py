"""Every setting the service reads is documented where an operator looks for it: the
environment file template (deploy/cohort.env.example) and the README's Configuration table.
A setting added to cohort/config.py or cohort/messages/settings.py without both fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Environment variables read by cohort/config.py: os.environ.get("X"), _int("X", …), _flag("X"), _choice("X", …).
READ = re.compile(r"""(?:environ\.get|_int|_flag|_choice|_text|_port|_roles)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
# Every file that reads settings: the service's, and e-mail's (checked at start-up as well).
SETTINGS_FILES = (
    "cohort/config.py",
    "cohort/messages/settings.py",
    "cohort/auth/settings.py",
    "cohort/auth/oidc_settings.py",
)
# Read by deploy/gunicorn.conf.py from the same environment file.
GUNICORN_READ = re.compile(r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def _settings() -> set[str]:
    names = {name for path in SETTINGS_FILES for name in READ.findall((ROOT / path).read_text())}
    assert {"SECRET_KEY", "DATABASE_URL", "COHORT_ENV"} <= names, "the pattern no longer finds settings"
    return names


def test_every_setting_is_in_the_environment_file_template():
    template = (ROOT / "deploy/cohort.env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", template, re.MULTILINE))
    gunicorn = set(GUNICORN_READ.findall((ROOT / "deploy/gunicorn.conf.py").read_text()))
    assert sorted(_settings() - listed) == []
    assert sorted(gunicorn - listed) == []


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.MULTILINE))
    assert sorted(_settings() - rows) == []
