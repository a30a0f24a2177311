"""Report files (docs/rules.md §9.7): no cell can be read as a formula, numbers stay numbers, shares are
percentages, accents survive; read back with pandas and openpyxl."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from cohort.reports.files import safe_text, to_csv, to_xlsx

DANGEROUS = [
    "=1+1",
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r=cmd",
    '=HYPERLINK("http://x","y")',
]
HARMLESS = ["Siân O'Neill", "Zoë – team lead", "1+1=2", "O'Brien", "", "a=b", "–5 (en dash)"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_alone(text):
    assert safe_text(text) == text


def test_numbers_are_never_quoted():
    assert safe_text(-3) == -3
    assert safe_text(-0.25) == -0.25


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Participant": DANGEROUS + HARMLESS,
            "Attendance rate": [0.8, 0.795, None, 1.0, 0.0, 2 / 3, 0.5] + [0.9] * len(HARMLESS),
            "Mean skill uplift": [-1.5] + [1.0] * (len(DANGEROUS) + len(HARMLESS) - 1),
            "Enrolled on": [date(2026, 9, 14)] * (len(DANGEROUS) + len(HARMLESS)),
        }
    )


def test_csv_round_trip_keeps_text_as_text_and_numbers_as_numbers():
    body = to_csv(_frame())
    assert body.startswith("\ufeff".encode())
    back = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", keep_default_na=False)
    names = list(back["Participant"])
    for text in DANGEROUS:
        assert "'" + text in names or "'" + text.replace("\r", "\n") in names
    for text in HARMLESS:
        assert text in names
    assert back["Mean skill uplift"].iloc[0] == -1.5
    assert back["Attendance rate"].iloc[2] == ""  # no figure: an empty cell
    assert float(back["Attendance rate"].iloc[5]) == pytest.approx(0.6667)


def test_xlsx_round_trip_stores_formula_like_text_as_text():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx({"People": _frame()})))
    sheet = book["People"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == [
        "Participant",
        "Attendance rate",
        "Mean skill uplift",
        "Enrolled on",
    ]
    for row, text in enumerate(DANGEROUS + HARMLESS, start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.data_type in ("s", "inlineStr"), text  # text, never "f" (a formula)
        assert (cell.value or "") == text.replace("\r", "\n")  # XML keeps no lone carriage return
    rate = sheet.cell(row=2, column=2)
    assert rate.value == 0.8 and rate.number_format == "0%"
    assert sheet.cell(row=4, column=2).value is None
    uplift = sheet.cell(row=2, column=3)
    assert uplift.value == -1.5 and uplift.data_type == "n"
    enrolled = sheet.cell(row=2, column=4)
    assert enrolled.value.date() == date(2026, 9, 14)
    assert "yyyy" in enrolled.number_format


def test_xlsx_sheets_keep_their_order_and_notes_follow_the_table():
    frame = pd.DataFrame({"Department": ["Ministry of Justice"], "Nominated": [3]})
    book = openpyxl.load_workbook(
        io.BytesIO(
            to_xlsx({"Summary": frame, "Participants": frame}, notes={"Summary": {"Cohort": "=Pilot"}})
        )
    )
    assert book.sheetnames == ["Summary", "Participants"]
    summary = book["Summary"]
    assert summary["A4"].value == "Cohort"
    assert summary["B4"].value == "=Pilot" and summary["B4"].data_type == "s"
    assert summary.column_dimensions["A"].width >= len("Ministry of Justice")
