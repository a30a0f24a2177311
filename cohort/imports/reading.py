"""Spreadsheet bytes → rows of text (docs/rules.md §8.1). No Flask, no database.

`read_table(filename, data)` accepts a CSV file (UTF-8 with or without BOM, or
Windows-1252) or an Excel workbook (.xlsx) and returns its header and data rows,
every cell as the text typed, each row with the number the spreadsheet shows for
it. Anything it cannot read safely raises `ImportRefused` with a message for a
programme manager.

The type of a file is decided by its content, never by its name alone: a PNG
renamed .csv, a workbook renamed .csv, or text renamed .xlsx are refused. A
workbook is checked as a zip archive (entries, unpacked size, compression ratio)
before any XML is parsed, and its XML is parsed by openpyxl through defusedxml.
Cells are never evaluated: a formula comes back as the text "=1+1".
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from cohort.text import shown

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 200
# Rows beyond the limit are still counted (so the message can say how many), up to here;
# fewer for workbooks, whose cells are much slower to read.
ROW_COUNT_CAP = 50_000
XLSX_ROW_COUNT_CAP = 10_000
# openpyxl takes 10–50 µs a cell on a slow machine, and a 5 MB workbook can unpack to
# millions of cells: reading stops after this many cells of the first sheet
# (5,000 rows of 30 columns), bounding the time one upload can take.
MAX_XLSX_CELLS = 150_000

# Zip-bomb guard for .xlsx, checked on the archive's directory before anything is unpacked.
# Python's zipfile never inflates an entry beyond the size its directory declares (and
# fails the CRC check if the data is cut short), so bounding the declared sizes bounds
# what openpyxl can be made to read.
MAX_ZIP_ENTRIES = 200
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # entries above RATIO_CHECKED_FROM bytes only
RATIO_CHECKED_FROM = 1024 * 1024
EXCEL_MAX_ROW = 1_048_576

ACCEPTED = "a CSV file (.csv) or an Excel workbook (.xlsx)"
SAVE_AGAIN = "Open it in Excel, save it as an Excel workbook (.xlsx) or CSV, and upload that."

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BINARY_MAGICS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"Rar!\x1a\x07", "a compressed (RAR) file"),
    (b"7z\xbc\xaf\x27\x1c", "a compressed (7-Zip) file"),
    (b"{\\rtf", "a Word (RTF) document"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEP_LINE = re.compile(r"\A\s*sep=(.)\s*\Z", re.IGNORECASE)
_LINES = re.compile(r"[^\r\n]+")
_FIRST_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|\Z)")


class ImportRefused(Exception):
    """The whole file cannot be imported. `problems` holds one plain-English
    message per problem (usually one); `message` joins them."""

    def __init__(self, *problems: str):
        self.problems = list(problems)
        super().__init__(" ".join(problems))

    @property
    def message(self) -> str:
        return " ".join(self.problems)


@dataclass(frozen=True, slots=True)
class TableRow:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: tuple[str, ...]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet as text. `rows` holds the non-blank rows below the header; trailing
    blank cells are dropped from every row, so rows may be shorter than the header."""

    header: tuple[str, ...]
    header_row: int
    rows: tuple[TableRow, ...]
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None  # CSV: "utf-8-sig", "utf-8" or "cp1252"
    delimiter: str | None = None  # CSV: ",", ";" or "\t"
    sheet: str | None = None  # XLSX: the name of the sheet read


# Entry point -------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> Table:
    """Read an uploaded nominations file. Raises ImportRefused with a message
    a programme manager can act on."""
    name = _display_name(filename)
    extension = _extension(filename)
    if not data:
        raise ImportRefused(f"The file '{name}' is empty. Check you chose the right file.")
    if len(data) > MAX_FILE_BYTES:
        size = math.ceil(len(data) / (1024 * 1024) * 10) / 10
        raise ImportRefused(
            f"The file is larger than 5 MB (it is {size:.1f} MB). "
            f"Split it into smaller files of at most {MAX_ROWS:,} rows and import each one."
        )
    if extension == ".xls":
        raise ImportRefused(
            f"'{name}' is in the old Excel 97–2003 format (.xls), which cannot be read. {SAVE_AGAIN}"
        )
    if extension not in (".csv", ".xlsx"):
        kind = f"a {extension} file" if extension else "a file with no type in its name"
        raise ImportRefused(f"'{name}' is {kind}. Upload {ACCEPTED}.")

    if data.startswith(_OLE2_MAGIC):
        raise ImportRefused(_ole2_message(name, data))
    for magic, what in _BINARY_MAGICS:
        if data.startswith(magic):
            raise ImportRefused(f"'{name}' is not a spreadsheet: it looks like {what}. Upload {ACCEPTED}.")
    if data.startswith(_ZIP_MAGICS):
        archive = _open_zip(name, extension, data)
        try:
            if extension == ".csv":
                raise ImportRefused(
                    f"The file's content does not match its name: '{name}' is an Excel workbook, "
                    "not a CSV file. Rename it to end in .xlsx, or save it from Excel as CSV."
                )
            _check_archive(archive)
        finally:
            archive.close()
        from cohort.imports.xlsx import read_xlsx  # openpyxl is imported only for a workbook

        return read_xlsx(name, data)
    if data.startswith(_UTF16_BOMS):
        raise ImportRefused(
            f"'{name}' is saved as 'Unicode Text' (UTF-16), which cannot be read. "
            "Open it in Excel and save it as 'CSV UTF-8 (Comma delimited)' or as .xlsx."
        )
    if _looks_binary(data):
        raise ImportRefused(f"'{name}' is not a spreadsheet. Upload {ACCEPTED}.")
    if extension == ".xlsx":
        raise ImportRefused(
            f"The file's content does not match its name: '{name}' contains plain text, not an "
            "Excel workbook. If it is a CSV file, rename it to end in .csv."
        )
    return _read_csv(name, data)


# Identifying the file -----------------------------------------------------------


def _display_name(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    return shown(base, 80) if base else "the file"


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1].strip().lower()
    stem, dot, ext = base.rpartition(".")
    return f".{ext}" if dot and stem and ext else ""


def _ole2_message(name: str, data: bytes) -> str:
    # An OLE2 "compound file" is what Excel writes for a password-protected workbook
    # (streams EncryptionInfo + EncryptedPackage) and for the old .xls format.
    if "EncryptedPackage".encode("utf-16-le") in data:
        return (
            f"'{name}' is password-protected, so it cannot be read. Remove the password "
            "(in Excel: File, Info, Protect Workbook, Encrypt with Password, then clear it), "
            "save it, and upload it again."
        )
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return f"'{name}' is in the old Excel 97–2003 format, which cannot be read. {SAVE_AGAIN}"
    return (
        f"'{name}' is password-protected or in the old Excel 97–2003 format, so it cannot be read. "
        "Remove the password, or save it as an Excel workbook (.xlsx) or CSV, and upload it again."
    )


def _looks_binary(data: bytes) -> bool:
    """Binary rather than text: many NUL or other control bytes near the start.
    A stray NUL inside one cell of a text file is not enough; that is reported
    against its row and column instead."""
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample) // 50)


def _open_zip(name: str, extension: str, data: bytes) -> zipfile.ZipFile:
    damaged = (
        f"The file '{name}' is damaged or incomplete, so it cannot be read. {SAVE_AGAIN}"
        if extension == ".xlsx"
        else f"'{name}' is not a spreadsheet: it looks like a damaged compressed (zip) file. Upload {ACCEPTED}."
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ImportRefused(damaged) from None
    names = {info.filename.lower() for info in archive.infolist()}
    if "xl/workbook.xml" not in names:
        archive.close()
        if "mimetype" in names and "content.xml" in names:
            raise ImportRefused(
                f"'{name}' is an OpenDocument spreadsheet, which cannot be read. "
                "Save it as an Excel workbook (.xlsx) or CSV and upload that."
            )
        raise ImportRefused(f"'{name}' is not a spreadsheet: it is a zip file. Upload {ACCEPTED}.")
    return archive


def _check_archive(archive: zipfile.ZipFile) -> None:
    too_big = (
        "The spreadsheet is damaged or too large when unpacked, so it cannot be read. "
        "Copy the nominations into a new workbook, save it, and upload that."
    )
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportRefused(too_big)
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise ImportRefused(too_big)  # encrypted entries or exotic compression: not from Excel
        total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise ImportRefused(too_big)
        if info.file_size > RATIO_CHECKED_FROM and (
            info.compress_size == 0 or info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise ImportRefused(too_big)


# Rows → table -------------------------------------------------------------------


def _trimmed(cells: list[str]) -> tuple[str, ...]:
    """The cells without trailing blank ones; () for a blank row."""
    if not "".join(cells).strip():
        return ()
    end = len(cells)
    while not cells[end - 1].strip():
        end -= 1
    return tuple(cells[:end])


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def build_table(
    numbered_rows: Iterator[tuple[int, list[str]]],
    *,
    where: str,
    row_count_cap: int = ROW_COUNT_CAP,
    cell_budget: int | None = None,
    **details,
) -> Table:
    """Header = first non-blank row; then every non-blank row, trimmed, up to the limits.

    Rows past the row limit are still counted, so the message can say how many there
    are, until `row_count_cap` rows or `cell_budget` cells (counting blank cells too:
    that is the work of reading them) have been read.
    """
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[TableRow] = []
    count = 0
    exact = True
    budget = cell_budget
    for number, cells in numbered_rows:
        if not cells:
            continue
        if budget is not None:
            budget -= len(cells)
            if budget < 0:
                if count > MAX_ROWS:
                    exact = False
                    break
                raise ImportRefused(
                    f"{where} has too much in it to read (more than {cell_budget:,} cells, counting "
                    "empty cells that have formatting). Copy just the nominations into a new "
                    "workbook, or save the sheet as CSV, and upload that."
                )
        trimmed = _trimmed(cells)
        if not trimmed:
            continue
        if len(trimmed) > MAX_COLUMNS:
            raise ImportRefused(
                f"Row {number:,} has something in column {column_letter(len(trimmed) - 1)}; "
                f"the most columns that can be read is {MAX_COLUMNS} (up to column "
                f"{column_letter(MAX_COLUMNS - 1)}). Delete the columns that are not needed."
            )
        if header is None:
            header, header_row = trimmed, number
            continue
        count += 1
        if count <= MAX_ROWS:
            rows.append(TableRow(number, trimmed))
        elif count >= row_count_cap:
            exact = False
            break
    if header is None:
        raise ImportRefused(f"{where} has only blank rows: there is nothing to import.")
    if count == 0:
        raise ImportRefused(
            f"{where} has a header row but no nominations under it. Add one row per person and upload it again."
        )
    if count > MAX_ROWS:
        counted = f"{count:,}" if exact else f"at least {count:,}"
        raise ImportRefused(
            f"{where} has {counted} rows; the most that can be imported at once is {MAX_ROWS:,}. "
            "Split it into smaller files and import each one."
        )
    return Table(header=header, header_row=header_row, rows=tuple(rows), **details)


# CSV ------------------------------------------------------------------------------


def _decode(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise ImportRefused(_undecodable(name, data, error.start)) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        first_bad = error.start
    # Not UTF-8: Windows-1252, what Excel writes for "CSV (Comma delimited)". If the
    # bytes before the first bad one hold UTF-8 letters, the file mixes both encodings
    # and reading it either way would garble some names.
    if re.search(rb"[\xc2-\xf4][\x80-\xbf]+", data[:first_bad]):
        line = data[:first_bad].count(b"\n") + 1
        raise ImportRefused(
            f"'{name}' mixes two kinds of text encoding (UTF-8 and Windows-1252) "
            f"— first at line {line:,} — so some letters would come out wrong. "
            "Open it in Excel and save it as 'CSV UTF-8 (Comma delimited)'."
        )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise ImportRefused(_undecodable(name, data, error.start)) from None


def _undecodable(name: str, data: bytes, position: int) -> str:
    line = data[:position].count(b"\n") + 1
    return (
        f"Some characters in '{name}' cannot be read (line {line:,}): it is not saved as "
        "UTF-8 or Windows-1252 text. Open it in Excel and save it as 'CSV UTF-8 (Comma delimited)'."
    )


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    semicolons, tabs = first_line.count(";"), first_line.count("\t")
    if semicolons or tabs:
        return ";" if semicolons >= tabs else "\t"
    return ","


def _csv_reason(error: csv.Error, delimiter: str) -> str:
    text = str(error)
    if "field limit" in text:
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    if "unexpected end of data" in text:
        return 'a cell opens a double quote (") that is never closed'
    if "expected after" in text:
        shown_delimiter = "tab" if delimiter == "\t" else f"'{delimiter}'"
        return (
            'a cell has text after its closing double quote ("); '
            f"a quoted cell must end at the quote, before the next {shown_delimiter}"
        )
    return text


def _read_csv(name: str, data: bytes) -> Table:
    text, encoding = _decode(name, data)
    first_line = _FIRST_LINE.match(text)
    assert first_line is not None  # the pattern matches any text, the empty one too (it ends at \Z)
    delimiter = None
    if sep := _SEP_LINE.match(first_line.group(1)):
        # Excel's "sep=;" first line: it names the delimiter and is not shown as a row.
        delimiter = sep.group(1)
        text = text[first_line.end() :]
    if delimiter is None:
        first = next((m.group() for m in _LINES.finditer(text) if m.group().strip()), "")
        delimiter = _delimiter(first)
    # strict: a quote left open would otherwise swallow every row after it, silently.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                if cells:  # an empty line: skipped here, cheaply (a file may hold millions)
                    yield number, cells
        except csv.Error as error:
            raise ImportRefused(
                f"'{name}' cannot be read as CSV near row {number + 1:,}: {_csv_reason(error, delimiter)}. "
                "Open it in Excel, save it as CSV again, and upload that."
            ) from None

    return build_table(numbered(), where=f"'{name}'", kind="csv", encoding=encoding, delimiter=delimiter)
