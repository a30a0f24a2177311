"""Writing report tables as files people open in Excel: CSV and XLSX.

Safe for spreadsheets (docs/rules.md §9.7; docs/decisions/0006-formula-safe-exports.md): text
that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula, so
CSV cells get a leading apostrophe and XLSX cells are stored as text with Excel's "quote prefix"
(shown as typed, never evaluated). Numbers stay numbers. Shares from 0 to 1 (attendance,
completion rate) are numbers formatted as percentages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from numbers import Number
from typing import TYPE_CHECKING, TypeGuard

from . import xlsx
from .tables import PERCENT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


def needs_quoting(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_text(value: object) -> object:
    """A CSV cell that no spreadsheet reads as a formula: `=1+1` → `'=1+1`."""
    return "'" + value if needs_quoting(value) else value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accents right; rates to four decimals."""
    import pandas as pd  # only where a file is written (docs/architecture.md, start-up)

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_text)
        elif column in PERCENT_COLUMNS:
            out[column] = out[column].round(4)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _plain(value: object) -> object:
    """pandas' missing values (NaN, NA, NaT) as empty cells; numpy numbers as Python ones."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, date, datetime)):
        return value.item()
    return value


def _cell(value: object, column: str, ref: str, header: bool = False) -> str:
    """One cell's XML (cohort/reports/xlsx.py): headers bold on a grey fill; formula-like text
    stored as text with the quote prefix; rates as percentages, other decimals to two places,
    dates as dates; missing values as no cell at all."""
    value = _plain(value)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, str):
        if header:
            return xlsx.text_cell(ref, value, xlsx.HEADER)
        return xlsx.text_cell(ref, value, xlsx.QUOTED if needs_quoting(value) else xlsx.DEFAULT)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return xlsx.number_cell(ref, value, xlsx.HEADER if header else xlsx.DEFAULT)
    if isinstance(value, float):
        style = xlsx.PERCENT if column in PERCENT_COLUMNS else xlsx.DECIMAL
        return xlsx.number_cell(ref, value, xlsx.HEADER if header else style)
    if isinstance(value, date):
        return xlsx.number_cell(ref, xlsx.serial(value), xlsx.DATE)
    if isinstance(value, Number):
        return xlsx.number_cell(ref, float(value))  # type: ignore[arg-type]
    return xlsx.text_cell(ref, str(value), xlsx.HEADER if header else xlsx.DEFAULT)


def _width(frame: pd.DataFrame, column: str) -> float:
    longest = max(
        [len(str(column))] + [len(str(v)) for v in frame[column].head(500) if _plain(v) is not None]
    )
    return min(MAX_WIDTH, max(8, longest + 2))


def add_sheet(title: str, frame: pd.DataFrame, notes: Mapping[str, object] | None = None) -> xlsx.Sheet:
    """A sheet with the header row frozen and columns sized to their contents, then any notes
    (label, value) two rows below the table."""
    columns = [str(c) for c in frame.columns]
    sheet = xlsx.Sheet(title, [_width(frame, column) for column in frame.columns])
    letters = [xlsx.column_letter(i) for i in range(1, len(columns) + 1)]
    sheet.append(_cell(c, c, f"{letter}1", header=True) for c, letter in zip(columns, letters, strict=True))
    for values in frame.itertuples(index=False, name=None):
        row = sheet.next_row
        sheet.append(
            _cell(v, c, f"{letter}{row}") for v, c, letter in zip(values, columns, letters, strict=True)
        )
    if notes:
        sheet.append([])
        for label, value in notes.items():
            row = sheet.next_row
            sheet.append([_cell(label, "", f"A{row}", header=True), _cell(value, label, f"B{row}")])
    return sheet


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame], notes: Mapping[str, Mapping[str, object]] | None = None
) -> bytes:
    """A workbook with one sheet per table, in the order given."""
    return xlsx.workbook(
        [add_sheet(title, frame, (notes or {}).get(title)) for title, frame in sheets.items()]
    )
