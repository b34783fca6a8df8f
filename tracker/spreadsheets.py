"""CSV and XLSX files for people to open in a spreadsheet or load into another system.

Every text cell is neutralised: a value that starts with = + - @ (or a tab or carriage
return, which some programs skip before one of those) gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula.

A character the file format cannot hold (NUL and the other control characters but tab and
line breaks, stored before the forms refused them or brought in by a file) becomes U+FFFD, the
replacement character, so the file always opens; a workbook says so on a sheet of its own.

Money and percentages are marked (`Money`, `Percent`) so each file says them its own way: "1234.50" and "45%"
in a CSV, a currency or percent number format in an XLSX, whose columns are as wide as what they hold.
"""
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
QUOTED = re.compile(r'[,"\r\n]')  # what csv.writer (its default dialect) quotes a field of several for
MIMETYPES = {
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8" to text types, once
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "pdf": "application/pdf",
    "ics": "text/calendar",
}

UNHOLDABLE_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff"  # what neither XLSX nor a loader takes
UNHOLDABLE = re.compile(f"[{UNHOLDABLE_CHARACTERS}]")
FORMULA_AFTER_LINE = re.compile(r"\n[=+\-@\t\r]")  # a formula's first character after a line break
CARE = re.compile(f'[,"\\r{UNHOLDABLE_CHARACTERS}]')  # a character (but a line break) a value is quoted or changed for
CARE_BYTES = bytes(c for c in range(128) if CARE.match(chr(c)))  # the ASCII ones
REPLACEMENT = "\ufffd"


def printable(value):
    """The value with each character a file cannot hold replaced by U+FFFD."""
    return UNHOLDABLE.sub(REPLACEMENT, value) if isinstance(value, str) else value


FORMATS = {"money": '"$"#,##0.00', "percent": "0%", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm",
           "int": "#,##0", "float": "#,##0.##"}
WIDEST = 60  # characters: a longer text wraps rather than widening its column further


@dataclass(frozen=True)
class Money:
    """An amount in integer cents."""

    cents: int


@dataclass(frozen=True)
class Percent:
    """A percentage as people say it: 45 for 45 %."""

    value: int | float | None


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence], bom: bool = False) -> bytes:
    """UTF-8 CSV with a header row; `bom=True` helps Excel guess the encoding (ILS loaders may not want it)."""
    return _csv_file(header, map(_csv_cells, rows), bom)


def csv_bytes_by_column(header: Sequence[str], columns: Sequence[Sequence], preamble: Iterable[Sequence] = (),
                        bom: bool = False) -> bytes:
    """The file `csv_bytes(header, [*preamble, *rows])` makes, from the rows' values a column at a time (for large
    files): one search over the whole column says whether any value needs neutralising, quoting or a character
    replaced; only then is the column gone through value by value. Each line is joined from the columns in C, with
    no Python call per row or cell."""
    if len(columns) < 2 or not columns[0]:  # csv.writer quotes a lone empty field
        return _csv_file(header, chain(map(_csv_cells, preamble), zip(*map(_neutralised_column, columns))), bom)
    plain = [_plain_column(values) for values in columns]
    columns = [values if ok else _quoted_column(_neutralised_column(values)) for ok, values in zip(plain, columns)]
    lines = "\r\n".join(map(",".join, zip(*columns))) + "\r\n"
    return _csv_file(header, map(_csv_cells, preamble), bom) + (lines if all(plain) else printable(lines)).encode("utf-8")


def _csv_file(header: Sequence[str], cells: Iterable[Sequence], bom: bool) -> bytes:
    """The CSV of the header and rows of cells."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(cells)
    # Replacing what a file cannot hold once over the whole text is the same as cell by cell: the writer adds
    # no such character, and none of them is a formula's first character or needs quoting.
    return (b"\xef\xbb\xbf" if bom else b"") + printable(out.getvalue()).encode("utf-8")


def _csv_cells(row: Sequence) -> list:
    """A row's cells as text, each neutralised (the common case, a plain string, without a call per cell)."""
    return [v if type(v) is str and v[:1] not in FORMULA_FIRST else
            "" if v is None else neutralise(_text(v)) for v in row]


def _plain_column(values: Sequence) -> bool:
    """Whether a column is text that csv.writer writes as it is and that needs no neutralising or replacing: its
    values joined by line breaks hold no line break but those between them, no formula's first character at a
    value's start, and none of the characters `CARE` looks for (in ASCII text, found faster as bytes)."""
    try:
        text = "\n".join(values)
    except TypeError:  # not all text
        return False
    if text[:1] in FORMULA_FIRST or text.count("\n") != len(values) - 1 or FORMULA_AFTER_LINE.search(text):
        return False
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, CARE_BYTES)) == len(data)
    return not CARE.search(text)


def _neutralised_column(values: Sequence) -> Sequence[str]:
    """A column's cells as `_csv_cells` makes them, as text (as csv.writer writes a number)."""
    return [v if type(v) is str else str(v) for v in _csv_cells(values)]


def _quoted_column(values: Sequence[str]) -> Sequence[str]:
    """A column of text with each value quoted as csv.writer's default dialect quotes a field of a row of several."""
    return ['"' + v.replace('"', '""') + '"' if QUOTED.search(v) else v for v in values]


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One workbook, a sheet per (title, header, rows); numbers and dates stay numbers and dates. When a character
    had to be replaced, a last sheet says so."""
    book = Workbook()
    book.remove(book.active)
    replaced = False
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append([printable(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in header]
        for row in rows:
            raw = [_cell(v) for v in row]
            cells = [(printable(value), number_format) for value, number_format in raw]
            replaced = replaced or cells != raw
            sheet.append([neutralise(value) for value, _format in cells])
            for column, ((value, number_format), cell) in enumerate(zip(cells, sheet[sheet.max_row]), start=1):
                if number_format:
                    cell.number_format = number_format
                shown = len(str(_text(value)) if value is not None else "") + (4 if number_format == FORMATS["money"] else 0)
                if column > len(widths):
                    widths.append(0)
                widths[column - 1] = max(widths[column - 1], shown)
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 6), WIDEST) + 2
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


def _cell(value) -> tuple:
    """An XLSX cell's value and number format."""
    if isinstance(value, Money):
        return value.cents / 100, FORMATS["money"]
    if isinstance(value, Percent):
        return (None, None) if value.value is None else (value.value / 100, FORMATS["percent"])
    if isinstance(value, datetime):
        return value, FORMATS["datetime"]
    if isinstance(value, date):
        return value, FORMATS["date"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value, None
    return value, FORMATS["int" if isinstance(value, int) else "float"]


def _text(value):
    if isinstance(value, Money):
        return f"{value.cents / 100:.2f}"
    if isinstance(value, Percent):
        return "" if value.value is None else f"{value.value:g}%"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return "".join("-" if c in "[]:*?/\\" or UNHOLDABLE.match(c) else c for c in title)[:31] or "Sheet"
