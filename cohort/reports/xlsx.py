"""A small XLSX (Office Open XML) writer for report tables: plain values, a handful of shared styles.

openpyxl builds an object and an XML element per cell, which made a 200-person cohort report take
seconds; this writes each sheet's XML as text, one shared style per kind of cell (header, text
shown as typed, percentage, decimal, date), so the cost is a string per cell. The rules for what
a cell holds are in cohort/reports/files.py (docs/rules.md §9.7, docs/decisions/0006).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

# Cell styles: indexes into cellXfs in STYLES below.
DEFAULT, HEADER, QUOTED, PERCENT, DECIMAL, DATE = range(6)
EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 cannot hold (openpyxl refused them); dropped from text.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0#"/><numFmt numFmtId="165" formatCode="d mmm yyyy"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="00F3F2F1"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>
<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\n'
)
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{sheets}<Relationship Id="rId{styles}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>'
)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_cell(ref: str, text: str, style: int = DEFAULT) -> str:
    text = escape(ILLEGAL.sub("", text))
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text}</t></is></c>'


def number_cell(ref: str, value: float, style: int = DEFAULT) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s}><v>{value!r}</v></c>'


def serial(value: date) -> float:
    """Excel's day number (1900 date system) of a date or datetime (aware ones as UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        days = (value - EPOCH).total_seconds() / 86400
        return int(days) if days == int(days) else days
    return (value - EPOCH.date()).days


class Sheet:
    """One worksheet: rows of ready-made cell XML, column widths, header frozen."""

    def __init__(self, title: str, widths: Sequence[float]):
        self.title = title
        self.widths = widths
        self.rows: list[str] = []

    def append(self, cells: Iterable[str]) -> None:
        n = len(self.rows) + 1
        self.rows.append(f'<row r="{n}">{"".join(cells)}</row>')

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1

    def xml(self) -> str:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(self.widths, start=1)
        )
        return (
            SHEET_START
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
            + "".join(self.rows)
            + "</sheetData></worksheet>"
        )


def workbook(sheets: Sequence[Sheet]) -> bytes:
    out = io.BytesIO()
    # Level 1: most of the size saving at a fraction of the time (the XML is very repetitive).
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))),
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(s.title, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, s in enumerate(sheets, start=1)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(
                sheets="".join(
                    f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>\n'
                    for n in range(1, len(sheets) + 1)
                ),
                styles=len(sheets) + 1,
            ),
        )
        archive.writestr("xl/styles.xml", STYLES)
        for n, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet.xml())
    return out.getvalue()


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))
