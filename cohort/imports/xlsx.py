"""An Excel workbook's first visible sheet → rows of text (docs/rules.md §8.1).

Called by `reading.read_table` once the bytes have passed its checks as a zip archive
(entries, unpacked size, compression ratio). openpyxl parses the XML through defusedxml
and never evaluates a cell: a formula comes back as the text "=1+1".
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from cohort.imports import reading  # its limits are read when used: tests lower them
from cohort.imports.reading import ImportRefused, Table, build_table
from cohort.text import shown


def xlsx_supported() -> bool:
    """True when openpyxl will parse workbook XML through defusedxml (it does when
    defusedxml is installed and OPENPYXL_DEFUSEDXML is not switched off)."""
    import openpyxl

    return openpyxl.DEFUSEDXML is True


def cell_text(value: object) -> str:
    """An openpyxl cell value as the text the person typed. Never evaluates anything."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        if math.isfinite(value):
            return format(Decimal(repr(value)), "f")  # 1e-05 → "0.00001"
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    text = getattr(value, "text", None)  # ArrayFormula / DataTableFormula: keep the "=…" text
    if isinstance(text, str):
        return text
    return str(value)


def read_xlsx(name: str, data: bytes) -> Table:
    if not xlsx_supported():
        raise ImportRefused(
            "Excel workbooks cannot be read on this server at the moment (its XML protection "
            "is not installed). Save the file as CSV and upload that."
        )
    from openpyxl import load_workbook

    damaged = f"The file '{name}' is damaged or incomplete, so it cannot be read. {reading.SAVE_AGAIN}"
    workbook = None
    # openpyxl warns about things it does not support (data validation, styles it
    # fixes up…); they do not matter for reading text, and must not stop the import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
            if not sheets:
                raise ImportRefused(f"'{name}' has no visible sheet to read. {reading.SAVE_AGAIN}")
            sheet = sheets[0]
            sheet.reset_dimensions()  # never trust the size the file declares
            where = f"The first sheet of '{name}' ('{shown(sheet.title, 40)}')"

            def numbered() -> Iterator[tuple[int, list[str]]]:
                for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                    if number > reading.EXCEL_MAX_ROW:
                        raise ImportRefused(damaged)
                    yield number, [cell_text(v) for v in values]

            return build_table(
                numbered(),
                where=where,
                row_count_cap=reading.XLSX_ROW_COUNT_CAP,
                cell_budget=reading.MAX_XLSX_CELLS,
                kind="xlsx",
                sheet=sheet.title,
            )
        except ImportRefused:
            raise
        except Exception:  # openpyxl raises many kinds of error on a malformed workbook
            raise ImportRefused(damaged) from None
        finally:
            if workbook is not None:
                workbook.close()
