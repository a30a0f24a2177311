"""How long each kind of personal data is kept (docs/personal-data.md §3).

Each rule has a setting (an environment variable read by cohort/config.py) and a default
with its reason. The register (register.py) names a rule for every table it declares, and
the retention job (retention.py) applies them. Only this module says how long.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetentionRule:
    key: str  # used by the register's declarations and the job's audit events
    label: str  # what is removed, in plain English: "Learning log text"
    setting: str  # the environment variable, e.g. "RETAIN_LEARNING_LOG_MONTHS"
    unit: str  # "days", "months" or "years"
    default: int
    reason: str  # why this long, shown on the privacy notice and the admin page
    counted_from: str  # "after the person's last cohort ends", "after it was written"...


# Filled in by the retention work; keys are stable (the register refers to them).
RETENTION_RULES: tuple[RetentionRule, ...] = ()


def rule(key: str) -> RetentionRule:
    for candidate in RETENTION_RULES:
        if candidate.key == key:
            return candidate
    raise KeyError(key)
