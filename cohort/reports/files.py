"""Writing report tables as files people open in Excel: CSV and XLSX.

Safe for spreadsheets (docs/rules.md §9.7; docs/decisions/0006-formula-safe-exports.md): text
that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula, so
CSV cells get a leading apostrophe and XLSX cells are stored as text with Excel's "quote prefix"
(shown as typed, never evaluated). Numbers stay numbers. Shares from 0 to 1 (attendance,
completion rate) are numbers formatted as percentages.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import TypeGuard

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .tables import PERCENT_COLUMNS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


def needs_quoting(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_text(value: object) -> object:
    """A CSV cell that no spreadsheet reads as a formula: `=1+1` → `'=1+1`."""
    return "'" + value if needs_quoting(value) else value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accents right; rates to four decimals."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_text)
        elif column in PERCENT_COLUMNS:
            out[column] = out[column].round(4)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _plain(value: object) -> object:
    """pandas' missing values (NaN, NA, NaT) as empty cells; numpy numbers as Python ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, date, datetime)):
        return value.item()
    return value


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3F2F1")
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell(sheet, value: object, column: str, header: bool = False):
    cell = WriteOnlyCell(sheet, value=_plain(value))
    if header:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        return cell
    if needs_quoting(cell.value):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    elif column in PERCENT_COLUMNS and isinstance(cell.value, float):
        cell.number_format = "0%"
    elif isinstance(cell.value, float):
        cell.number_format = "0.0#"
    elif isinstance(cell.value, date):
        cell.number_format = "d mmm yyyy"
    return cell


def _width(frame: pd.DataFrame, column: str) -> float:
    longest = max(
        [len(str(column))] + [len(str(v)) for v in frame[column].head(500) if _plain(v) is not None]
    )
    return min(MAX_WIDTH, max(8, longest + 2))


def add_sheet(book: Workbook, title: str, frame: pd.DataFrame, notes: Mapping[str, object] | None = None):
    """A sheet with the header row frozen and columns sized to their contents, then any notes
    (label, value) two rows below the table."""
    sheet = book.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(frame, column)
    sheet.append([_cell(sheet, column, column, header=True) for column in frame.columns])
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, v, c) for v, c in zip(values, columns, strict=True)])
    if notes:
        sheet.append([])
        for label, value in notes.items():
            sheet.append([_cell(sheet, label, "", header=True), _cell(sheet, value, label)])
    return sheet


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame], notes: Mapping[str, Mapping[str, object]] | None = None
) -> bytes:
    """A workbook with one sheet per table, in the order given."""
    book = Workbook(write_only=True)
    for title, frame in sheets.items():
        add_sheet(book, title, frame, (notes or {}).get(title))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
