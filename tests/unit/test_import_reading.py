"""Reading nominations files (docs/rules.md §8.1): real files written by the tests, every
encoding and refusal a programme manager could meet. No app, no database."""

from __future__ import annotations

import csv
import gc
import io
import re
import warnings
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from cohort.imports import ImportRefused, read_table, reading
from cohort.imports.reading import MAX_FILE_BYTES
from cohort.imports.xlsx import cell_text

HEADER = ["Email", "First name", "Last name", "Department"]


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", newline: str = "\r\n", delimiter: str = ","
) -> Path:
    """Write rows the way Excel does: minimal quoting, CRLF line endings."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "Nominations") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def read(path: Path):
    return read_table(path.name, path.read_bytes())


def refusal(filename: str, data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_table(filename, data)
    return caught.value.message


def xlsx_bytes(tmp_path: Path, rows: list[list[object]]) -> bytes:
    return write_xlsx(tmp_path / "source.xlsx", rows).read_bytes()


def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """A copy of a workbook with some entries replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


# CSV: encodings and the shapes Excel writes ------------------------------------------------------


def test_utf8_csv_is_read_as_text_with_row_numbers(tmp_path):
    path = write_csv(
        tmp_path / "nominations.csv",
        [HEADER, ["zoe.ng@ukhsa.gov.uk", "Zoë", "Ng", "UKHSA"], ["sian@gov.wales", "Siân", "O'Neill", "WG"]],
    )
    table = read(path)
    assert table.kind == "csv"
    assert table.encoding == "utf-8"
    assert table.header == tuple(HEADER)
    assert table.header_row == 1
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("zoe.ng@ukhsa.gov.uk", "Zoë", "Ng", "UKHSA")),
        (3, ("sian@gov.wales", "Siân", "O'Neill", "WG")),
    ]


def test_utf8_with_bom_csv_has_no_bom_in_the_first_heading(tmp_path):
    path = write_csv(tmp_path / "n.csv", [HEADER, ["a@b.gov.uk", "Zoë", "Ng", "UKHSA"]], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read(path)
    assert table.encoding == "utf-8-sig"
    assert table.header[0] == "Email"
    assert table.rows[0].cells[1] == "Zoë"


def test_windows_1252_csv_keeps_accents_and_apostrophes(tmp_path):
    path = write_csv(
        tmp_path / "n.csv",
        [HEADER, ["sian@gov.wales", "Siân", "O'Neill", "WG"], ["zoe@ukhsa.gov.uk", "Zoë", "Ng", "UKHSA"]],
        encoding="cp1252",
    )
    assert "Siân".encode("cp1252") in path.read_bytes()
    table = read(path)
    assert table.encoding == "cp1252"
    assert table.rows[0].cells[1:3] == ("Siân", "O'Neill")
    assert table.rows[1].cells[1] == "Zoë"


def test_windows_1252_curly_quotes_and_euro_sign(tmp_path):
    path = write_csv(
        tmp_path / "n.csv", [HEADER, ["a@b.gov.uk", "Siân", "O’Neill – €", "WG"]], encoding="cp1252"
    )
    assert read(path).rows[0].cells[2] == "O’Neill – €"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_csv_saved_the_way_excel_saves_it(tmp_path, encoding):
    # Excel: CRLF line endings, fields with commas or quotes wrapped in quotes, quotes doubled,
    # a line break typed inside a cell (Alt+Enter) kept inside quotes, trailing empty cells.
    data = (
        "Email,Full name,Department,Job title,,\r\n"
        'sian@gov.wales,"O\'Neill, Siân",Welsh Government,"Lead, data science",,\r\n'
        'zoe@ukhsa.gov.uk,Zoë Ng,UKHSA,"The ""AI"" lead",,\r\n'
        'jo@justice.gov.uk,"Jo\r\nSmith",MOJ,,,\r\n'
        "amara@justice.gov.uk,Amara Okafor,MOJ,,,\r\n"
        ",,,,,\r\n"
    ).encode(encoding)
    path = tmp_path / "Nominations (Excel).csv"
    path.write_bytes(data)
    table = read(path)
    assert table.header == ("Email", "Full name", "Department", "Job title")
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("sian@gov.wales", "O'Neill, Siân", "Welsh Government", "Lead, data science")),
        (3, ("zoe@ukhsa.gov.uk", "Zoë Ng", "UKHSA", 'The "AI" lead')),
        (4, ("jo@justice.gov.uk", "Jo\r\nSmith", "MOJ")),
        # The line break inside row 4's quoted cell does not shift the row numbers after it.
        (5, ("amara@justice.gov.uk", "Amara Okafor", "MOJ")),
    ]


@pytest.mark.parametrize(("delimiter", "newline"), [(";", "\r\n"), ("\t", "\n"), (",", "\r")])
def test_semicolon_tab_and_old_mac_line_endings(tmp_path, delimiter, newline):
    path = write_csv(
        tmp_path / "n.csv",
        [HEADER, ["a@b.gov.uk", "Jo", "Smith, Jr", "MOJ"]],
        delimiter=delimiter,
        newline=newline,
    )
    table = read(path)
    assert table.delimiter == delimiter
    assert table.header == tuple(HEADER)
    assert table.rows[0].cells == ("a@b.gov.uk", "Jo", "Smith, Jr", "MOJ")


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(b"sep=;\r\nEmail;Full name;Department\r\na@b.gov.uk;Jo, Smith;MOJ\r\n")
    table = read(path)
    assert table.delimiter == ";"
    assert table.header == ("Email", "Full name", "Department")
    assert [(r.number, r.cells) for r in table.rows] == [(2, ("a@b.gov.uk", "Jo, Smith", "MOJ"))]


def test_csv_cells_stay_exactly_as_typed(tmp_path):
    typed = [
        "007",
        "NA",
        "None",
        "null",
        "=1+1",
        "+44 20 7946 0000",
        "-5",
        "@home",
        "  spaced  ",
        "1e5",
        "TRUE",
    ]
    path = write_csv(tmp_path / "n.csv", [["Value"], *[[v] for v in typed]])
    assert [r.cells[0] for r in read(path).rows] == typed


def test_blank_rows_are_skipped_but_row_numbers_stay_those_the_spreadsheet_shows(tmp_path):
    path = write_csv(
        tmp_path / "n.csv",
        [
            [],
            [" ", ""],
            [*HEADER, "", ""],
            ["a@b.gov.uk", "Jo", "Smith", "MOJ", "", ""],
            ["", "", "", ""],
            ["c@d.gov.uk", "Al", "Jones", "DVLA"],
            [],
            [" ", "  "],
        ],
    )
    table = read(path)
    assert table.header_row == 3
    assert table.header == tuple(HEADER)  # trailing blank columns dropped
    assert [(r.number, r.cells) for r in table.rows] == [
        (4, ("a@b.gov.uk", "Jo", "Smith", "MOJ")),
        (6, ("c@d.gov.uk", "Al", "Jones", "DVLA")),
    ]


def test_short_rows_read_as_blank_cells(tmp_path):
    path = write_csv(tmp_path / "n.csv", [HEADER, ["a@b.gov.uk"]])
    row = read(path).rows[0]
    assert row.cells == ("a@b.gov.uk",)
    assert row.cell(3) == ""


def test_a_stray_nul_inside_a_text_csv_is_kept_for_the_row_check(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(b"Email,Full name,Department\r\na@b.gov.uk,Jo\x00 Smith,MOJ\r\n")
    assert read(path).rows[0].cells[1] == "Jo\x00 Smith"


def test_a_zero_width_space_or_bom_inside_text_is_kept_for_the_row_check(tmp_path):
    path = write_csv(tmp_path / "n.csv", [HEADER, ["a@b.gov.uk", "Jo\u200b", "Sm\ufeffith", "MOJ"]])
    assert read(path).rows[0].cells[1:3] == ("Jo\u200b", "Sm\ufeffith")


def test_file_name_case_and_folders_do_not_matter(tmp_path):
    data = write_csv(tmp_path / "n.csv", [HEADER, ["a@b.gov.uk", "Jo", "Smith", "MOJ"]]).read_bytes()
    assert read_table(r"C:\Users\jo\Desktop\NOMINATIONS.CSV", data).rows[0].number == 2


# CSV: refusals -------------------------------------------------------------------------------------


def test_undecodable_bytes_are_refused_with_the_line(tmp_path):
    # 0x81 is not a character in Windows-1252 and not valid UTF-8.
    message = refusal(
        "n.csv", b"Email,Full name,Department\r\na@b.gov.uk,Jo,MOJ\r\nc@d.gov.uk,J\x81o,MOJ\r\n"
    )
    assert "cannot be read (line 3)" in message
    assert "UTF-8 or Windows-1252" in message
    assert "CSV UTF-8" in message


def test_a_file_mixing_utf8_and_windows_1252_is_refused(tmp_path):
    data = "Email,Full name\r\na@b.gov.uk,Zoë\r\n".encode() + "c@d.gov.uk,Siân\r\n".encode("cp1252")
    message = refusal("n.csv", data)
    assert "mixes two kinds of text encoding" in message
    assert "line 3" in message


def test_a_utf8_bom_file_with_bad_bytes_is_refused():
    message = refusal("n.csv", b"\xef\xbb\xbfEmail,Full name\r\na@b.gov.uk,Sian\xe2\r\n")
    assert "cannot be read (line 2)" in message


def test_utf16_unicode_text_is_refused_with_what_to_do():
    message = refusal("n.csv", "Email\tFull name\r\na@b.gov.uk\tJo\r\n".encode("utf-16"))
    assert "Unicode Text" in message
    assert "CSV UTF-8" in message


def test_a_field_too_big_for_csv_is_refused():
    data = b'Email,Full name\r\na@b.gov.uk,ok\r\nc@d.gov.uk,"' + b"x" * 200_000 + b'"\r\n'
    message = refusal("n.csv", data)
    assert message == (
        "'n.csv' cannot be read as CSV near row 3: a cell is longer than 131,072 characters. "
        "Open it in Excel, save it as CSV again, and upload that."
    )


def test_binary_bytes_named_csv_are_not_a_spreadsheet():
    data = bytes(range(256)) * 40
    assert refusal("nominations.csv", data) == (
        "'nominations.csv' is not a spreadsheet. Upload a CSV file (.csv) or an Excel workbook (.xlsx)."
    )


def test_a_csv_full_of_nul_bytes_is_not_a_spreadsheet():
    data = "Email,Full name\r\na@b.gov.uk,Jo\r\n".encode("utf-16-le")  # no BOM: NUL after every letter
    assert "is not a spreadsheet" in refusal("n.csv", data)


# XLSX -----------------------------------------------------------------------------------------------


def test_xlsx_cells_are_read_as_the_text_typed(tmp_path):
    path = tmp_path / "nominations.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Nominations"
    sheet.append(["Email", "Full name", "Department", "Grade", "Start", "Score", "Flag"])
    sheet.append(["a@b.gov.uk", "=1+1", "MOJ", 7, date(2026, 10, 5), 7.5, True])
    sheet.append(["c@d.gov.uk", "007", "UKHSA", 7.0, datetime(2026, 10, 5, 9, 30), 0.00001, None])
    sheet.append(["e@f.gov.uk", "NA", "DVLA", None, None, 1234567890123, None])
    sheet.append(["g@h.gov.uk", "None", "WG", "-5", "+44", "@home", "null"])
    sheet["B3"].data_type = "s"  # "007" stored as text, as Excel does for a cell formatted as Text
    workbook.save(path)

    table = read(path)
    assert table.kind == "xlsx"
    assert table.sheet == "Nominations"
    assert table.header == ("Email", "Full name", "Department", "Grade", "Start", "Score", "Flag")
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("a@b.gov.uk", "=1+1", "MOJ", "7", "2026-10-05", "7.5", "TRUE")),
        (3, ("c@d.gov.uk", "007", "UKHSA", "7", "2026-10-05 09:30:00", "0.00001")),
        (4, ("e@f.gov.uk", "NA", "DVLA", "", "", "1234567890123")),
        (5, ("g@h.gov.uk", "None", "WG", "-5", "+44", "@home", "null")),
    ]


def test_xlsx_formula_is_kept_as_its_text_never_evaluated(tmp_path):
    path = write_xlsx(
        tmp_path / "n.xlsx", [["Full name"], ["=1+1"], ['=HYPERLINK("http://x","y")'], ["=A2*2"]]
    )
    assert [r.cells[0] for r in read(path).rows] == ["=1+1", '=HYPERLINK("http://x","y")', "=A2*2"]


def test_xlsx_blank_and_missing_rows_keep_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "n.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"] = "Email"  # header on row 3, starting in column B
    sheet["C3"] = "Full name"
    sheet["B4"] = "a@b.gov.uk"
    sheet["C4"] = "Jo"
    sheet["B9"] = "c@d.gov.uk"
    sheet["E12"] = " "  # whitespace only: blank
    sheet["Z20"] = ""
    workbook.save(path)
    table = read(path)
    assert table.header_row == 3
    assert table.header == ("", "Email", "Full name")
    assert [(r.number, r.cells) for r in table.rows] == [
        (4, ("", "a@b.gov.uk", "Jo")),
        (9, ("", "c@d.gov.uk")),
    ]


def test_xlsx_reads_the_first_visible_sheet(tmp_path):
    path = tmp_path / "n.xlsx"
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.title = "Lookups"
    hidden.append(["Not", "this"])
    hidden.append(["x", "y"])
    hidden.sheet_state = "hidden"
    first = workbook.create_sheet("Nominations")
    first.append(["Email"])
    first.append(["a@b.gov.uk"])
    later = workbook.create_sheet("Other")
    later.append(["Nor", "this"])
    later.append(["x", "y"])
    workbook.save(path)
    table = read(path)
    assert table.sheet == "Nominations"
    assert table.header == ("Email",)


def test_xlsx_workbook_is_closed_after_reading(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [HEADER, ["a@b.gov.uk", "Jo", "Smith", "MOJ"]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read(path)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("=1+1", "=1+1"),
        (42, "42"),
        (42.0, "42"),
        (-3.0, "-3"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (False, "FALSE"),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2), "2026-01-02"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


# Limits ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["n.csv", "n.xlsx"])
def test_empty_file_is_refused(name):
    assert refusal(name, b"") == f"The file '{name}' is empty. Check you chose the right file."


def test_csv_with_only_blank_rows_is_refused(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b",,,\r\n\r\n  ,\t\r\n")
    assert (
        refusal(path.name, path.read_bytes())
        == "'blank.csv' has only blank rows: there is nothing to import."
    )


def test_xlsx_with_an_empty_sheet_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "blank.xlsx", [], title="Sheet1")
    assert refusal(path.name, path.read_bytes()) == (
        "The first sheet of 'blank.xlsx' ('Sheet1') has only blank rows: there is nothing to import."
    )


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_header_only_file_is_refused(tmp_path, suffix):
    path = tmp_path / f"header.{suffix}"
    if suffix == "csv":
        write_csv(path, [HEADER, [], ["", ""]])
    else:
        write_xlsx(path, [HEADER, [None, None]])
    message = refusal(path.name, path.read_bytes())
    assert "has a header row but no nominations under it" in message


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_5000_rows_are_accepted_and_5001_refused(tmp_path, suffix):
    rows = [HEADER, *([f"p{i}@justice.gov.uk", "Jo", "Smith", "MOJ"] for i in range(5_001))]
    write = write_csv if suffix == "csv" else write_xlsx
    at_limit = write(tmp_path / f"ok.{suffix}", rows[:-1])
    table = read(at_limit)
    assert len(table.rows) == 5_000
    assert table.rows[-1].number == 5_001
    over = write(tmp_path / f"over.{suffix}", [*rows, [], [""]])
    message = refusal(over.name, over.read_bytes())
    assert "has 5,001 rows; the most that can be imported at once is 5,000" in message
    assert "Split it into smaller files" in message


def test_row_count_in_the_message_is_exact(tmp_path):
    rows = [HEADER, *([f"p{i}@justice.gov.uk", "Jo", "Smith", "MOJ"] for i in range(5_012))]
    path = write_csv(tmp_path / "n.csv", rows)
    assert "'n.csv' has 5,012 rows; the most that can be imported at once is 5,000." in refusal(
        path.name, path.read_bytes()
    )


def test_file_larger_than_5_mb_is_refused(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"Email,Full name,Department\r\n" + b"a@b.gov.uk,Jo,MOJ\r\n" * 300_000)
    assert path.stat().st_size > MAX_FILE_BYTES
    message = refusal(path.name, path.read_bytes())
    assert message == (
        "The file is larger than 5 MB (it is 5.5 MB). "
        "Split it into smaller files of at most 5,000 rows and import each one."
    )


def test_a_file_of_exactly_5_mb_is_not_refused_for_its_size(tmp_path):
    head = b"Email,Full name,Department\r\na@b.gov.uk,Jo,MOJ\r\n"
    data = head + b"\n" * (MAX_FILE_BYTES - len(head))
    assert len(data) == MAX_FILE_BYTES
    assert len(read_table("n.csv", data).rows) == 1


def test_too_many_columns_is_refused():
    data = ("Email," + ",".join(f"c{i}" for i in range(300)) + "\r\na@b.gov.uk\r\n").encode()
    message = refusal("wide.csv", data)
    assert message.startswith("Row 1 has something in column KO; the most columns that can be read is 200")


# Refused by name or by content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("photo.png", "a .png file"),
        ("nominations.txt", "a .txt file"),
        ("nominations.numbers", "a .numbers file"),
        ("nominations", "a file with no type in its name"),
        (".csv", "a file with no type in its name"),
    ],
)
def test_other_file_types_are_refused_by_name(name, what):
    assert refusal(name, b"Email\r\na@b.gov.uk\r\n") == (
        f"'{name}' is {what}. Upload a CSV file (.csv) or an Excel workbook (.xlsx)."
    )


def test_old_xls_name_is_refused_with_what_to_do():
    message = refusal("nominations.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert "old Excel 97–2003 format" in message
    assert "save it as an Excel workbook (.xlsx) or CSV" in message


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016


@pytest.mark.parametrize("name", ["n.xlsx", "n.csv"])
def test_ole2_file_is_password_protected_or_old_excel(name):
    message = refusal(name, OLE2)
    assert f"'{name}' is password-protected or in the old Excel 97–2003 format" in message
    assert "Remove the password, or save it as an Excel workbook (.xlsx) or CSV" in message


def test_encrypted_workbook_says_remove_the_password():
    data = OLE2 + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    message = refusal("n.xlsx", data)
    assert message.startswith("'n.xlsx' is password-protected, so it cannot be read. Remove the password")


def test_old_excel_workbook_named_xlsx_says_save_as_xlsx():
    message = refusal("n.xlsx", OLE2 + "Workbook".encode("utf-16-le"))
    assert message.startswith("'n.xlsx' is in the old Excel 97–2003 format")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 100, "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100, "a JPEG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    ],
)
@pytest.mark.parametrize("name", ["nominations.csv", "nominations.xlsx"])
def test_images_and_documents_are_not_spreadsheets(tmp_path, data, what, name):
    path = tmp_path / name
    path.write_bytes(data)
    assert refusal(name, path.read_bytes()) == (
        f"'{name}' is not a spreadsheet: it looks like {what}. "
        "Upload a CSV file (.csv) or an Excel workbook (.xlsx)."
    )


@pytest.mark.parametrize("name", ["n.csv", "n.xlsx"])
def test_a_zip_that_is_not_a_workbook_is_not_a_spreadsheet(tmp_path, name):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(name, out.getvalue()) == (
        f"'{name}' is not a spreadsheet: it is a zip file. Upload a CSV file (.csv) or an Excel workbook (.xlsx)."
    )


def test_an_opendocument_spreadsheet_says_save_as_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    assert "is an OpenDocument spreadsheet" in refusal("n.xlsx", out.getvalue())


def test_xlsx_renamed_csv_is_refused(tmp_path):
    data = xlsx_bytes(tmp_path, [HEADER])
    assert refusal("nominations.csv", data) == (
        "The file's content does not match its name: 'nominations.csv' is an Excel workbook, "
        "not a CSV file. Rename it to end in .xlsx, or save it from Excel as CSV."
    )


def test_text_renamed_xlsx_is_refused(tmp_path):
    path = write_csv(tmp_path / "nominations.xlsx", [HEADER, ["a@b.gov.uk", "Jo", "Smith", "MOJ"]])
    assert refusal(path.name, path.read_bytes()) == (
        "The file's content does not match its name: 'nominations.xlsx' contains plain text, not an "
        "Excel workbook. If it is a CSV file, rename it to end in .csv."
    )


def test_truncated_xlsx_is_damaged(tmp_path):
    data = xlsx_bytes(tmp_path, [HEADER, ["a@b.gov.uk", "Jo", "Smith", "MOJ"]])
    for cut in (len(data) // 2, len(data) - 30):
        message = refusal("n.xlsx", data[:cut])
        assert message.startswith("The file 'n.xlsx' is damaged or incomplete, so it cannot be read.")


def test_xlsx_with_broken_sheet_xml_is_damaged(tmp_path):
    data = rezip(xlsx_bytes(tmp_path, [HEADER]), {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})
    assert refusal("n.xlsx", data).startswith("The file 'n.xlsx' is damaged or incomplete")


def test_xlsx_with_a_corrupted_entry_fails_its_check(tmp_path):
    data = bytearray(xlsx_bytes(tmp_path, [HEADER, ["a@b.gov.uk", "Jo", "Smith", "MOJ"]] * 50))
    start = data.index(b"xl/worksheets/sheet1.xml") + 40
    data[start : start + 20] = b"\x00" * 20
    assert "is damaged or incomplete" in refusal("n.xlsx", bytes(data))


def test_xml_entity_expansion_is_refused_not_expanded(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    data = rezip(xlsx_bytes(tmp_path, [HEADER]), {"xl/worksheets/sheet1.xml": laughs})
    assert refusal("n.xlsx", data).startswith("The file 'n.xlsx' is damaged or incomplete")


def test_xlsx_with_an_absurd_row_number_is_damaged(tmp_path):
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>'
        b'<row r="999999999"><c r="A999999999" t="inlineStr"><is><t>a@b.gov.uk</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = rezip(xlsx_bytes(tmp_path, [HEADER]), {"xl/worksheets/sheet1.xml": sheet})
    assert refusal("n.xlsx", data).startswith("The file 'n.xlsx' is damaged or incomplete")


def _bomb(tmp_path: Path, inflated_bytes: int) -> bytes:
    """A workbook whose one extra entry is a long run of zeros: tiny packed, huge unpacked."""
    data = xlsx_bytes(tmp_path, [HEADER, ["a@b.gov.uk", "Jo", "Smith", "MOJ"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/media/zeros.bin", "w") as entry:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(inflated_bytes // len(chunk)):
                entry.write(chunk)
    return out.getvalue()


ZIP_BOMB_MESSAGE = (
    "The spreadsheet is damaged or too large when unpacked, so it cannot be read. "
    "Copy the nominations into a new workbook, save it, and upload that."
)


def test_zip_bomb_over_the_unpacked_size_is_refused(tmp_path):
    data = _bomb(tmp_path, 64 * 1024 * 1024)
    assert len(data) < 200_000  # small on the wire…
    assert refusal("n.xlsx", data) == ZIP_BOMB_MESSAGE  # …refused before it is unpacked


def test_zip_entry_with_an_absurd_compression_ratio_is_refused(tmp_path):
    data = _bomb(tmp_path, 8 * 1024 * 1024)  # under the size limit, but 1000:1
    assert refusal("n.xlsx", data) == ZIP_BOMB_MESSAGE


def test_zip_with_too_many_entries_is_refused(tmp_path):
    data = xlsx_bytes(tmp_path, [HEADER])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for i in range(200):
            target.writestr(f"xl/media/{i}.txt", "x")
    assert refusal("n.xlsx", out.getvalue()) == ZIP_BOMB_MESSAGE


def test_zip_whose_directory_lies_about_sizes_cannot_inflate_past_them(tmp_path):
    # Claim a tiny unpacked size for the sheet: zipfile stops at the declared size and
    # the CRC check fails, so the file is refused as damaged rather than read in full.
    data = bytearray(
        xlsx_bytes(tmp_path, [HEADER, *([f"p{i}@b.gov.uk", "Jo", "Smith", "MOJ"] for i in range(500))])
    )
    name = b"xl/worksheets/sheet1.xml"
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")  # uncompressed size
    assert "is damaged or incomplete" in refusal("n.xlsx", bytes(data))


def test_xlsx_is_refused_when_xml_protection_is_off(tmp_path, monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    message = refusal("n.xlsx", xlsx_bytes(tmp_path, [HEADER]))
    assert message == (
        "Excel workbooks cannot be read on this server at the moment (its XML protection "
        "is not installed). Save the file as CSV and upload that."
    )


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_file_name_in_messages_cannot_carry_hidden_characters():
    message = refusal("evil\u202egpj.csv", b"")
    assert "\u202e" not in message
    assert re.search(r"evil<U\+202E>gpj\.csv", message)


def test_xlsx_with_too_many_cells_is_refused_before_it_is_all_read(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_XLSX_CELLS", 100)
    path = tmp_path / "n.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(HEADER)
    for i in range(30):
        workbook.active.append([f"p{i}@b.gov.uk", "Jo", "Smith", "MOJ"])
    workbook.active["H20"].number_format = "0.00"  # a formatted empty cell still costs time to read
    workbook.save(path)
    assert refusal(path.name, path.read_bytes()) == (
        "The first sheet of 'n.xlsx' ('Sheet1') has too much in it to read (more than 100 cells, counting "
        "empty cells that have formatting). Copy just the nominations into a new workbook, or save the "
        "sheet as CSV, and upload that."
    )


def test_rows_past_the_limit_are_counted_until_the_cell_budget_runs_out(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    monkeypatch.setattr(reading, "MAX_XLSX_CELLS", 100)
    path = write_xlsx(
        tmp_path / "n.xlsx", [HEADER, *([f"p{i}@b.gov.uk", "Jo", "Smith", "MOJ"] for i in range(40))]
    )
    message = refusal(path.name, path.read_bytes())
    assert "has at least 24 rows; the most that can be imported at once is 10." in message


def test_a_csv_of_many_rows_is_counted_up_to_a_cap():
    data = b"Email\r\n" + b"a@b.gov.uk\r\n" * 60_000
    assert "has at least 50,000 rows; the most that can be imported at once is 5,000" in refusal(
        "n.csv", data
    )


def test_a_quote_left_open_is_refused_rather_than_swallowing_the_rows_after_it():
    data = b'Email,Full name,Department\r\na@b.gov.uk,"Jo Smith,MOJ\r\nc@d.gov.uk,Al Jones,MOJ\r\n'
    assert refusal("n.csv", data) == (
        "'n.csv' cannot be read as CSV near row 2: a cell opens a double quote (\") that is never closed. "
        "Open it in Excel, save it as CSV again, and upload that."
    )


def test_text_after_a_closing_quote_is_refused_with_its_row():
    data = b'Email,Full name,Department\r\na@b.gov.uk,Jo,MOJ\r\nc@d.gov.uk,"Al" Jones,MOJ\r\n'
    message = refusal("n.csv", data)
    assert message.startswith(
        "'n.csv' cannot be read as CSV near row 3: a cell has text after its closing double quote"
    )


def test_quotes_inside_an_unquoted_cell_are_kept():
    data = b'Email,Full name,Department\r\na@b.gov.uk,Jo "JJ" Smith,MOJ\r\n'
    assert read_table("n.csv", data).rows[0].cells[1] == 'Jo "JJ" Smith'


def test_the_imports_package_needs_no_flask_and_no_database():
    """docs/architecture.md §2: import parsing is plain functions. (Importing any `cohort.*` module runs
    cohort/__init__.py, which imports Flask; the package's own modules must not.)"""
    import ast

    package = Path(reading.__file__).parent
    forbidden = (
        "flask",
        "flask_wtf",
        "wtforms",
        "sqlalchemy",
        "cohort.models",
        "cohort.extensions",
        "cohort.forms",
    )
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(forbidden), f"{module.name} imports {name}"
