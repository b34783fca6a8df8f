"""CSV and XLSX files: formulas neutralised, values kept, parsed back as a spreadsheet would."""
import csv
import io
import random
from datetime import date

from openpyxl import load_workbook

from tracker.spreadsheets import csv_bytes, csv_bytes_by_column, download, neutralise, xlsx_bytes

DANGEROUS = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_values_that_spreadsheets_would_run_become_text():
    assert [neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert [neutralise(v) for v in ("Ana", "O'Neil", 5, -3, None, "")] == ["Ana", "O'Neil", 5, -3, None, ""]


def test_csv_keeps_header_and_values_and_neutralises_cells():
    data = csv_bytes(["name", "grade", "since"], [["=cmd|' /C calc'!A0", 5, date(2026, 9, 1)], ["José, Jr.", None, ""]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows == [["name", "grade", "since"], ["'=cmd|' /C calc'!A0", "5", "2026-09-01"], ["José, Jr.", "", ""]]
    assert csv_bytes(["a"], [], bom=True).startswith(b"\xef\xbb\xbfa")


def test_csv_by_column_is_the_file_csv_bytes_makes():
    """Commas, quotes, line breaks, formula characters, unholdable characters, the replacement character, None,
    numbers and dates, empty files, a single column: the same bytes as `csv_bytes` of the rows."""
    pieces = ["a", ",", '"', "\r", "\n", " ", "=", "+", "-", "@", "\t", "é", "\x0b", "\ufffd", "'", ""]
    randomly = random.Random(14)
    for _ in range(3000):
        width, count = randomly.randint(1, 4), randomly.randint(0, 4)
        columns = [["".join(randomly.choice(pieces) for _ in range(randomly.randint(0, 3))) for _ in range(count)]
                   for _ in range(width)]
        preamble = [["Title", "=x"][:width]] if randomly.random() < 0.3 else []
        header = [f"h{i}" for i in range(width)]
        assert csv_bytes_by_column(header, columns, preamble) == csv_bytes(header, [*preamble, *zip(*columns)]), columns
    mixed = [["x", None, "=1"], [date(2026, 1, 2), 3, ""]]
    assert csv_bytes_by_column(["a", "b"], mixed) == csv_bytes(["a", "b"], list(zip(*mixed)))


def test_xlsx_has_a_sheet_per_table_with_dates_and_numbers_intact():
    data = xlsx_bytes([("Schools: 2026/27", ["school", "issued", "day"], [["North", 120, date(2026, 9, 15)], ["+evil", -1, None]]),
                       ("Grades", ["grade"], [["K"]])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Schools- 2026-27", "Grades"]
    rows = list(book["Schools- 2026-27"].iter_rows(values_only=True))
    assert rows[0] == ("school", "issued", "day")
    assert rows[1][0:2] == ("North", 120) and rows[1][2].date() == date(2026, 9, 15)
    assert rows[2][0:2] == ("'+evil", -1)


def test_download_names_the_file_and_type(app):
    with app.test_request_context():
        response = download(b"a,b\n", 'cards "north".csv')
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cards--north-.csv"'
