"""Tables as CSV and XLSX (the attendance sheet, the outreach report), safe to open in a
spreadsheet.

A value starting with ``=``, ``+``, ``-``, ``@`` or a tab/carriage return is something a
spreadsheet may run as a formula ("CSV injection"): in CSV it gets a leading apostrophe, in XLSX
it is written as plain text.
"""
from __future__ import annotations

import csv
import io
from typing import IO, Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """CSV text, one line at a time (for streaming), with a BOM so Excel reads UTF-8."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_bytes(rows: Iterable[list], title: str) -> bytes:
    return xlsx_book([(title, rows)])


def xlsx_book(sheets: Iterable[tuple[str, Iterable[list]]]) -> bytes:
    """A workbook of several sheets, as bytes."""
    out = io.BytesIO()
    xlsx_write(out, sheets)
    return out.getvalue()


def xlsx_write(out: IO[bytes], sheets: Iterable[tuple[str, Iterable[list]]]) -> None:
    """A workbook of several sheets, written row by row to ``out`` (write-only: openpyxl keeps
    the rows in temporary files, so memory stays bounded whatever their number)."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31] or "Sheet")
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                cells.append(cell)
            sheet.append(cells)
    workbook.save(out)
