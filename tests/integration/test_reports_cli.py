"""`flask build-reports` (docs/rules.md §9.8): the cohort's report files under reports/<slug>/ (or --out) with
the stable names of README.md, each readable; a clear refusal for an unknown cohort or
department."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pypdf
import pytest

from cohort.models import Role
from tests import factories

COHORT_FILES = {"completion-report.csv", "completion-report.xlsx", "completion-report.pdf"}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_writes_the_cohort_and_department_reports_with_stable_names(runner, world, tmp_path):
    factories.enrol(
        world.cohort, factories.make_user(Role.PARTICIPANT, world.moj, full_name="Rhiannon Ap-Gwilym")
    )
    result = runner.invoke(args=["build-reports", "--cohort", world.cohort.slug, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / world.cohort.slug
    names = {p.name for p in folder.iterdir()}
    assert names == COHORT_FILES | {"department-MOJ.xlsx", "department-MOJ.pdf",
                                    "department-DVLA.xlsx", "department-DVLA.pdf"}  # fmt: skip
    assert f"7 report file(s) for {world.cohort.name}" in result.output
    people = pd.read_csv(folder / "completion-report.csv", encoding="utf-8-sig")
    assert set(people["Participant"]) == {"Siân O'Neill", "Zoë Ng", "Rhiannon Ap-Gwilym"}
    book = openpyxl.load_workbook(folder / "completion-report.xlsx")
    assert book.sheetnames == ["Summary", "Participants", "Attendance", "Skills", "Hackathons"]
    moj = openpyxl.load_workbook(folder / "department-MOJ.xlsx")
    participants = [row[0].value for row in moj["Participants"].iter_rows(min_row=2)]
    assert sorted(participants) == ["Rhiannon Ap-Gwilym", "Siân O'Neill"]  # MOJ's people only
    text = " ".join(
        p.extract_text()
        for p in pypdf.PdfReader(io.BytesIO((folder / "department-DVLA.pdf").read_bytes())).pages
    )
    assert "Driver and Vehicle Licensing Agency" in text and "Zoë Ng" in text and "Siân" not in text
    # Running again replaces the files and leaves no partial ones behind.
    again = runner.invoke(args=["build-reports", "--cohort", world.cohort.slug, "--out", str(tmp_path)])
    assert again.exit_code == 0
    assert {p.name for p in folder.iterdir()} == names


def test_one_department_only(runner, world, tmp_path):
    result = runner.invoke(
        args=["build-reports", "--cohort", world.cohort.slug, "--department", "dvla", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / world.cohort.slug).iterdir()} == {
        "department-DVLA.xlsx",
        "department-DVLA.pdf",
    }


def test_default_folder_is_reports_folder(runner, world, app, tmp_path):
    app.config["REPORTS_FOLDER"] = str(tmp_path / "reports")
    result = runner.invoke(args=["build-reports", "--cohort", world.cohort.slug, "--department", "MOJ"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / world.cohort.slug / "department-MOJ.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cohort", "no-such-cohort"],
            "There is no cohort with the web address name 'no-such-cohort'. Cohorts: ",
        ),
        (
            ["--cohort", "{slug}", "--department", "XYZ"],
            "There is no department with the code 'XYZ'. Departments: DVLA, MOJ.",
        ),
        (["--cohort", "'; DROP TABLE cohorts; --"], "There is no cohort with the web address name"),
        (["--cohort", "x" * 5000], "There is no cohort with the web address name"),
    ],
)
def test_unknown_cohort_or_department_exits_non_zero_with_a_clear_message(
    runner, world, tmp_path, args, message
):
    args = [a.replace("{slug}", world.cohort.slug) for a in args]
    result = runner.invoke(args=["build-reports", *args, "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output
    assert world.cohort.slug in result.output or "department" in message.lower()
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_cohort_is_required(runner, world):
    result = runner.invoke(args=["build-reports"])
    assert result.exit_code == 2
    assert "Missing option '--cohort'" in result.output
