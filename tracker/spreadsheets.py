"""CSV and XLSX files for people to open in a spreadsheet or load into another system.

Every text cell is neutralised: a value that starts with = + - @ (or a tab or carriage
return, which some programs skip before one of those) gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula.

A character the file format cannot hold (NUL and the other control characters but tab and
line breaks, stored before the forms refused them or brought in by a file) becomes U+FFFD, the
replacement character, so the file always opens; a workbook says so on a sheet of its own.
"""
import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import Response
from flask_babel import gettext as _
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

UNHOLDABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")  # what neither XLSX nor a loader takes
REPLACEMENT = "\ufffd"


def printable(value):
    """The value with each character a file cannot hold replaced by U+FFFD."""
    return UNHOLDABLE.sub(REPLACEMENT, value) if isinstance(value, str) else value


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence], bom: bool = False) -> bytes:
    """UTF-8 CSV with a header row; `bom=True` helps Excel guess the encoding (ILS loaders may not want it)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([printable(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(printable(_text(v))) for v in row])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One workbook, a sheet per (title, header, rows); numbers and dates stay numbers and dates. When a character
    had to be replaced, a last sheet says so."""
    book = Workbook()
    book.remove(book.active)
    replaced = False
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        for number, row in enumerate([header, *rows]):
            cells = [printable(v) for v in row]
            replaced = replaced or cells != list(row)
            sheet.append([neutralise(v) for v in cells] if number else cells)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    if replaced:
        book.create_sheet(_sheet_title(_("Note"))).append([_(
            "Some text held characters a spreadsheet cannot show (control characters such as NUL); each was replaced "
            "by \ufffd.")])
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
    return "".join("-" if c in "[]:*?/\\" or UNHOLDABLE.match(c) else c for c in title)[:31] or "Sheet"
