"""The register of personal data is complete (docs/personal-data.md §1): every column whose
name looks personal is declared personal or not personal with a reason, every declared
column exists, every retention key names a rule, and every table that refers to a person is
declared. The checker is shown to fail on a model with an undeclared column."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

import cohort.models  # noqa: F401 - every table
from cohort.config import ConfigError, load_config
from cohort.extensions import db
from cohort.privacy.register import (
    NotPersonal,
    PersonalData,
    check_register,
    not_personal,
    personal_data_register,
    register_size,
)
from cohort.privacy.rules import RETENTION_RULES, rule

RULE_KEYS = {item.key for item in RETENTION_RULES}


def test_the_register_matches_the_models():
    assert check_register(db.metadata, personal_data_register(), not_personal(), RULE_KEYS) == []


def test_the_register_is_not_empty_and_covers_the_people_tables():
    tables, columns = register_size()
    assert tables >= 25 and columns >= 100
    declared = {entry.table for entry in personal_data_register()}
    for table in (
        "users",
        "enrolments",
        "learning_log_entries",
        "sign_in_attempts",
        "audit_events",
        "messages",
    ):
        assert table in declared


def test_each_table_is_declared_once():
    tables = [entry.table for entry in personal_data_register()]
    assert len(tables) == len(set(tables))


def test_the_via_links_are_the_fixed_ones():
    vias = {link for entry in personal_data_register() for link in entry.subject if link.startswith("via:")}
    assert vias <= {"via:team", "via:submission", "via:learning_log_entry"}


def test_every_rule_has_a_reason_and_a_period():
    assert len(RULE_KEYS) == len(RETENTION_RULES)
    for item in RETENTION_RULES:
        assert item.reason and item.label and item.period_text()
    assert rule("sign_in_records").period_text() == "90 days after the attempt or session"
    assert rule("personal_details").period_text({"RETAIN_PARTICIPANT_YEARS": 1}).startswith("1 year after")
    with pytest.raises(KeyError):
        rule("nothing")


def _fake_metadata() -> MetaData:
    metadata = MetaData()
    Table("users", metadata, Column("id", Integer, primary_key=True), Column("email", String))
    Table(
        "notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id")),
        Column("body", Text),
        Column("phone_number", String),
    )
    return metadata


def test_the_checker_reports_an_undeclared_personal_column():
    metadata = _fake_metadata()
    users = PersonalData("users", ("email",), "Sign-in.", "personal_details", ("user:id",))
    notes = PersonalData("notes", ("user_id", "body"), "Notes.", "personal_details", ("user:user_id",))
    problems = check_register(metadata, (users, notes), (), RULE_KEYS)
    assert problems == ["notes.phone_number: looks personal but is not in the register"]
    # Declared not personal, with a reason: accepted.
    excused = (NotPersonal("notes", "phone_number", "The switchboard's number."),)
    assert check_register(metadata, (users, notes), excused, RULE_KEYS) == []


def test_the_checker_reports_an_undeclared_table_that_refers_to_a_person():
    metadata = _fake_metadata()
    users = PersonalData("users", ("email",), "Sign-in.", "personal_details", ("user:id",))
    excused = (
        NotPersonal("notes", "body", "x"),
        NotPersonal("notes", "phone_number", "y"),
    )
    assert check_register(metadata, (users,), excused, RULE_KEYS) == [
        "notes: refers to a person (users or enrolments) but is not in the register"
    ]


def test_the_checker_reports_missing_columns_rules_and_subjects():
    metadata = _fake_metadata()
    bad = (
        PersonalData("users", ("email", "nickname"), "Sign-in.", "forever", ("user:id",)),
        PersonalData(
            "notes", ("user_id", "body", "phone_number"), "Notes.", "personal_details", ("user:author_id",)
        ),
        PersonalData("ghosts", ("name",), "Nothing.", "personal_details", ("user:id",)),
    )
    excused = (NotPersonal("notes", "colour", "A colour."), NotPersonal("users", "id", ""))
    assert check_register(metadata, bad, excused, RULE_KEYS) == [
        "users.nickname: declared but there is no such column",
        "users: retention rule 'forever' does not exist",
        "notes: subject column 'author_id' does not exist",
        "ghosts: declared but there is no such table",
        "notes.colour: declared not personal but there is no such column",
        "users.id: declared not personal without a reason",
    ]


@pytest.mark.parametrize("name", ["RETAIN_PARTICIPANT_YEARS", "RETAIN_SIGN_IN_DAYS"])
def test_a_retention_setting_out_of_range_stops_start_up(monkeypatch, name):
    monkeypatch.setenv(name, "0")
    with pytest.raises(ConfigError, match=name):
        load_config()


def test_retention_settings_are_read(monkeypatch):
    monkeypatch.setenv("RETAIN_LEARNING_LOG_MONTHS", "6")
    config = load_config()
    assert config["RETAIN_LEARNING_LOG_MONTHS"] == 6
    assert config["RETAIN_EMAIL_DAYS"] == 90
    assert rule("learning_log_text").period_text(config) == "6 months after the cohort ends"
