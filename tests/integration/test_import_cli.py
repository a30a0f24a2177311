"""`flask import-participants FILE --cohort SLUG [--dry-run]`: exit status, what it
prints, and that nothing is written unless every row can be imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cohort.extensions import db
from cohort.models import AuditEvent, Enrolment, Role, User
from tests import factories
from tests.integration.test_nominations_import import csv_bytes, totals, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["Email", "First name", "Last name", "Department", "Job title", "Grade"]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args: str):
        return runner.invoke(args=["import-participants", *args])

    return _run


@pytest.fixture
def good_file(tmp_path, world) -> Path:
    factories.make_user(Role.PARTICIPANT, world.dvla, email="known@dvla.gov.uk", full_name="Kim Known")
    db.session.commit()
    path = tmp_path / "moj nominations.csv"
    path.write_bytes(
        csv_bytes(
            [
                HEADER,
                ["Sean.OConnor@justice.gov.uk", "Seán", "O'Connor", "MoJ", "Data Scientist", "SEO"],
                ["known@dvla.gov.uk", "Kim", "Known", "DVLA", "", ""],
                [world.participant.email, "Siân", "O'Neill", "MOJ", "", ""],
            ],
            bom=True,
            newline="\r\n",
        )
    )
    return path


@pytest.fixture
def bad_file(tmp_path, world) -> Path:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                HEADER,
                ["ann@justice.gov.uk", "Ann", "Able", "MOJ"],
                ["not-an-email", "Bob", "Bad", "MOJ"],
                ["cat@justice.gov.uk", "Cat", "Cole", "Ministry of Magic"],
            ]
        )
    )
    return path


def test_import_enrols_everyone_and_exits_0(run, world, good_file):
    users, enrolments, _ = totals()
    result = run(str(good_file), "--cohort", world.cohort.slug)
    assert result.exit_code == 0, result.output
    assert f"Checking moj nominations.csv for {world.cohort.name}" in result.output
    assert "3 rows: 1 new, 1 already known, 1 already enrolled, 0 with errors" in result.output
    assert (
        f"2 people enrolled in {world.cohort.name}: 1 new account, 1 existing; 1 already enrolled, skipped."
        in result.output
    )
    assert "1 participant has no password yet and no invitation" in result.output
    assert "--send-invitations" in result.output
    assert totals()[:2] == (users + 1, enrolments + 2)
    new = db.session.scalar(select(User).where(User.email == "sean.oconnor@justice.gov.uk"))
    assert new.full_name == "Seán O'Connor" and new.department_id == world.moj.id
    # The system did it: the audit events name no user.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Enrolment")).all()
    assert len(events) == 2 and all(e.actor_id is None for e in events)


def test_dry_run_says_what_would_happen_and_writes_nothing(run, world, good_file):
    before = totals()
    result = run(str(good_file), "--cohort", world.cohort.slug, "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "Dry run, nothing written. Importing would enrol 2 people: 1 new account, 1 existing participant."
        in result.output
    )
    assert totals() == before


@pytest.mark.parametrize("dry_run", [False, True])
def test_rows_in_error_print_one_line_each_exit_1_and_write_nothing(run, world, bad_file, dry_run):
    before = totals()
    result = run(str(bad_file), "--cohort", world.cohort.slug, *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1
    assert "3 rows: 1 new, 0 already known, 0 already enrolled, 2 with errors" in result.stdout
    assert "Row 3: 'not-an-email' is not a valid email address" in result.stdout
    assert "Row 4: department 'Ministry of Magic' is not one we know" in result.stdout
    assert "Nothing was imported: fix the rows in error" in result.stderr
    assert totals() == before


def test_unknown_cohort_is_named_with_the_ones_there_are(run, world, good_file):
    result = run(str(good_file), "--cohort", "cohort-99")
    assert result.exit_code == 1
    assert "There is no cohort with the web address name 'cohort-99'" in result.stderr
    assert world.cohort.slug in result.stderr


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.csv", "'photo.csv' is not a spreadsheet"),
        (b"", "empty.csv", "The file 'empty.csv' is empty"),
        (b"Name,Phone\nAnn,0123\n", "contacts.csv", "The header row has no column for an email address"),
    ],
)
def test_refused_files_exit_1(run, world, tmp_path, content, name, message):
    before = totals()
    path = tmp_path / name
    path.write_bytes(content)
    result = run(str(path), "--cohort", world.cohort.slug)
    assert result.exit_code == 1
    assert message in result.stderr and "Nothing was imported." in result.stderr
    assert totals() == before


def test_a_missing_file_or_a_folder_exit_1(run, world, tmp_path):
    missing = run(str(tmp_path / "nope.csv"), "--cohort", world.cohort.slug)
    assert missing.exit_code == 1 and "There is no file" in missing.stderr
    folder = run(str(tmp_path), "--cohort", world.cohort.slug)
    assert folder.exit_code == 1 and "is a folder, not a file" in folder.stderr


def test_a_file_over_5_mb_is_refused_without_reading_it(run, world, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"Email,Full name,Department\n" + b"a@justice.gov.uk,Ann A,MOJ\n" * 210_000)
    result = run(str(path), "--cohort", world.cohort.slug)
    assert result.exit_code == 1
    assert "huge.csv is larger than 5 MB (it is 5.5 MB)" in result.stderr


def test_a_full_cohort_exits_1_and_writes_nothing(run, world, tmp_path):
    small = factories.make_cohort("Small cohort", capacity=2)
    factories.enrol(small, world.participant)
    db.session.commit()
    path = tmp_path / "two.csv"
    path.write_bytes(
        csv_bytes([HEADER, ["a@justice.gov.uk", "Ann", "A", "MOJ"], ["b@justice.gov.uk", "Ben", "B", "MOJ"]])
    )
    before = totals()
    result = run(str(path), "--cohort", small.slug)
    assert result.exit_code == 1
    assert "Small cohort has 1 free place (1 of 2 taken) but the file would enrol 2 people" in result.stdout
    assert totals() == before


def test_everyone_already_enrolled_is_nothing_to_do(run, world, tmp_path):
    path = tmp_path / "again.csv"
    path.write_bytes(csv_bytes([HEADER, [world.participant.email, "Siân", "O'Neill", "MOJ"]]))
    before = totals()
    result = run(str(path), "--cohort", world.cohort.slug)
    assert result.exit_code == 0
    assert "Nothing to do: everyone in the file is already enrolled" in result.output
    assert totals() == before


def test_the_sample_file_imports_into_a_cohort_with_room(run, world):
    """docs/sample-nominations.csv, the README's walk-through file, is valid as it stands."""
    factories.make_department("UKHSA", "UK Health Security Agency")
    factories.make_department("WG", "Welsh Government")
    factories.make_department("SG", "Scottish Government", aliases=["Scot Gov"])
    factories.make_department("HMRC", "HM Revenue and Customs")
    factories.make_department("DfT", "Department for Transport")
    factories.make_department("CO", "Cabinet Office")
    db.session.commit()
    result = run(str(ROOT / "docs" / "sample-nominations.csv"), "--cohort", world.other_cohort.slug)
    assert result.exit_code == 0, result.output
    assert "12 rows: 12 new, 0 already known, 0 already enrolled, 0 with errors" in result.output
    enrolled = db.session.scalars(
        select(User.full_name).join(Enrolment).where(Enrolment.cohort_id == world.other_cohort.id)
    ).all()
    assert {"Seán O'Connor", "Łukasz Wiśniewski", "Renée Lefèvre", "Aoife Ní Bhriain"} <= set(enrolled)
