"""CSV and XLSX files for people to open in a spreadsheet or load into another system.

Every text cell is neutralised: a value that starts with = + - @ (or a tab or carriage
return, which some programs skip before one of those) gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula.
"""
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "pdf": "application/pdf",
    "ics": "text/calendar; charset=utf-8",
}


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence], bom: bool = False) -> bytes:
    """UTF-8 CSV with a header row; `bom=True` helps Excel guess the encoding (ILS loaders may not want it)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(_text(v)) for v in row])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One workbook, a sheet per (title, header, rows); numbers and dates stay numbers and dates."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([neutralise(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(data: bytes, filename: str) -> Response:
    extension = filename.rpartition(".")[2].lower()
    response = Response(data, mimetype=MIMETYPES.get(extension, "application/octet-stream"))
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in filename) or "download"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


def _text(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return "".join("-" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
