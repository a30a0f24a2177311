"""The privacy notice's "What we hold" section, built from the register and the retention
rules (docs/personal-data.md §1, §3), so the notice cannot drift from the models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cohort.privacy.register import PersonalData, personal_data_register
from cohort.privacy.rules import RETENTION_RULES, rule

# Plain-English groups, in the order the notice shows them; a table not named here is
# shown under OTHER, so a new declaration always appears.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Your account", ("users", "email_preferences", "calendar_feeds", "api_tokens")),
    (
        "Your place on the programme",
        ("enrolments", "outcome_overrides", "certificates", "cohort_facilitators", "sessions", "check_ins"),
    ),
    ("Your attendance", ("attendance_marks", "catch_ups", "check_in_attempts")),
    ("Your skills and learning log", ("assessments", "learning_log_entries", "learning_log_comments")),
    (
        "Hackathons",
        (
            "challenges",
            "hackathon_settings",
            "teams",
            "team_members",
            "submissions",
            "hackathon_judges",
            "scores",
        ),
    ),
    (
        "Signing in and security",
        ("sign_in_attempts", "user_sessions", "sign_in_identities", "second_factors", "recovery_codes"),
    ),
    ("E-mails we send you", ("messages",)),
    ("Copies of your data you asked for", ("data_exports",)),
    ("Records of changes", ("audit_events", "erasures")),
)
OTHER = "Other records"


@dataclass(frozen=True)
class NoticeRow:
    table: str
    what: str  # the columns, in words
    why: str
    how_long: str


@dataclass(frozen=True)
class NoticeGroup:
    title: str
    rows: tuple[NoticeRow, ...]


WORDS = {
    "full name": "name",
    "by": "who did it",
    "ip address": "IP address",
    "user": "who it is",
    "enrolment": "your place on a cohort",
    "at": "when",
    "body html": "body (as a web page)",
    "responsible ai": "responsible AI",
    "email": "e-mail address",
    "to address": "e-mail address",
}


def _words(column: str) -> str:
    words = column.removesuffix("_id").replace("_", " ")
    return WORDS.get(words, words)


def _row(entry: PersonalData, config: Mapping[str, Any] | None) -> NoticeRow:
    what = ", ".join(dict.fromkeys(_words(column) for column in entry.columns))
    what = what[:1].upper() + what[1:]
    if entry.description:
        what = f"{entry.description} {what}."
    return NoticeRow(entry.table, what, entry.purpose, rule(entry.retention).period_text(config))


def notice_groups(config: Mapping[str, Any] | None = None) -> tuple[NoticeGroup, ...]:
    """The register grouped for the notice, each row with its period in force."""
    entries = personal_data_register()
    placed: set[str] = set()
    groups: list[NoticeGroup] = []
    for title, tables in GROUPS:
        rows = tuple(_row(entry, config) for entry in entries if entry.table in tables)
        placed.update(tables)
        if rows:
            groups.append(NoticeGroup(title, rows))
    others = tuple(_row(entry, config) for entry in entries if entry.table not in placed)
    if others:
        groups.append(NoticeGroup(OTHER, others))
    return tuple(groups)


def notice_rules(config: Mapping[str, Any] | None = None) -> tuple[tuple[str, str, str], ...]:
    """(what, how long, why) for every retention rule, for the notice's "How long" section."""
    return tuple((item.label, item.period_text(config), item.reason) for item in RETENTION_RULES)
