"""Reading ILS activity reports into columns: the card number, the last activity, the day the card was issued and
the checkouts, from a Koha, Evergreen or Polaris report export or a plain CSV whose columns are named once.

Nothing here touches the database. Columns are found by their header, compared without case, spaces or punctuation
("Last Activity Date", "lastactivitydate" and "LAST_ACTIVITY_DATE" are one name); docs/activity-reports.md says where
each ILS's names come from. A large report (100,000 rows) is read column by column, each distinct date parsed once.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.cards.rosterfile import FileProblem, Problem, decode, rows_of

FIELDS = ("barcode", "last_activity", "issued", "checkouts")
FIELD_LABELS = {"barcode": _l("card number"), "last_activity": _l("last activity"), "issued": _l("date the card was issued"),
                "checkouts": _l("checkouts")}
REQUIRED = ("barcode", "last_activity")

# The header names each ILS writes (docs/activity-reports.md), in the order they are preferred: a lifetime
# circulation count before a year-to-date one.
HEADERS = {
    # Koha: a saved SQL report (Reports > Saved reports > Download, CSV) over the borrowers table; its columns are
    # named as the SELECT names them: cardnumber, lastseen (kept with TrackLastPatronActivity), dateenrolled.
    "koha": {"barcode": ("cardnumber",), "last_activity": ("lastseen",), "issued": ("dateenrolled",),
             "checkouts": ("checkouts", "issues", "circulations", "total_checkouts", "COUNT(*)")},
    # Evergreen: a reporter template over actor.usr (its card's barcode, create_date, actor.usr_activity's latest
    # event_time, action.circulation counted); the CSV output heads each column with the field's label or name.
    "evergreen": {"barcode": ("barcode", "Card Barcode", "Current Card Barcode"),
                  "last_activity": ("event_time", "Event Time", "Last Activity", "last_activity", "lastact"),
                  "issued": ("create_date", "Record Creation Date/Time", "Create Date"),
                  "checkouts": ("Circulation Count", "circ_count", "tcirccount", "Checkouts")},
    # Polaris: a SimplyReports patron list (or a query of Polaris.Patrons) with the patron's barcode, last activity
    # date, registration date and lifetime / year-to-date circulation counts.
    "polaris": {"barcode": ("Barcode", "Patron Barcode", "PatronBarcode"),
                "last_activity": ("Last Activity Date", "LastActivityDate"),
                "issued": ("Registration Date", "RegistrationDate", "Date Registered"),
                "checkouts": ("Lifetime Circ Count", "LifetimeCircCount", "LTD Circ Count", "Lifetime Circulation",
                              "YTD Circ Count", "YTDCircCount", "YTD Circulation")},
}
DETECT = ("koha", "polaris", "evergreen")  # the order files are tried in when the kind is not chosen
AUTO, PLAIN = "auto", "plain"


def normal(header: str) -> str:
    return re.sub(r"[^0-9a-z*()]", "", header.lower())


@dataclass
class Read:
    """A report as columns: one value per row that holds anything, `lines` giving each row's line in the file."""

    kind: str
    columns: dict  # field -> the header it came from
    lines: list[int] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    last_activity: list = field(default_factory=list)  # date, None (empty) or the unreadable text (str)
    issued: list = field(default_factory=list)  # as last_activity; all None without the column
    checkouts: list = field(default_factory=list)  # int, None, or the unreadable text (str)
    problems: list[Problem] = field(default_factory=list)
    empty_rows: int = 0

    @property
    def rows_read(self) -> int:
        return len(self.lines)


def expected(kind: str, name: str) -> str:
    """The header names looked for, for a message."""
    kinds = [kind] if kind in HEADERS else list(HEADERS)
    names = []
    for k in kinds:
        names += [n for n in HEADERS[k][name] if n not in names]
    return ", ".join(names)


def read(data: bytes, filename: str, kind: str = AUTO, mapping: dict | None = None) -> Read:
    """Read an upload; FileProblem names what stops the whole file (empty, not a CSV, a column missing)."""
    if not data.strip():
        raise FileProblem(_("%(file)s is empty.", file=filename))
    problems: list[Problem] = []
    rows = rows_of(decode(data, filename), filename, problems)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise FileProblem(_("%(file)s is empty.", file=filename)) from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    kind, columns = _columns(header, filename, kind, mapping or {})
    index = {name: header.index(columns[name]) for name in columns}
    kept = []
    empty = 0
    for line, row in rows:
        if any(cell.strip() for cell in row):
            kept.append((line, row))
        else:
            empty += 1
    if not kept:
        raise FileProblem(_("%(file)s has a header but no rows.", file=filename))
    found = Read(kind, columns, [line for line, _row in kept], problems=problems, empty_rows=empty)
    found.barcodes = _column(kept, index["barcode"])
    found.last_activity = dates(_column(kept, index["last_activity"]))
    found.issued = dates(_column(kept, index["issued"])) if "issued" in index else [None] * len(kept)
    found.checkouts = counts(_column(kept, index["checkouts"])) if "checkouts" in index else [None] * len(kept)
    return found


def _column(rows, position: int) -> list[str]:
    return [row[position].strip() if len(row) > position else "" for _line, row in rows]


def _columns(header: list[str], filename: str, kind: str, mapping: dict) -> tuple[str, dict]:
    """The kind of report and, per field, the header that holds it."""
    by_name = {}
    for h in header:
        by_name.setdefault(normal(h), h)
    if kind == PLAIN:
        return PLAIN, _mapped(header, filename, mapping)
    if kind in HEADERS:
        return kind, _named(by_name, filename, kind)
    for candidate in DETECT:
        names = HEADERS[candidate]
        if all(any(normal(n) in by_name for n in names[f]) for f in REQUIRED):
            return candidate, _named(by_name, filename, candidate)
    if mapping and all(mapping.get(f) in header for f in REQUIRED):
        return PLAIN, _mapped(header, filename, mapping)
    by_card = [k for k in DETECT if any(normal(n) in by_name for n in HEADERS[k]["barcode"])]
    if len(by_card) == 1:  # one system's card number column (Koha's cardnumber): say which of its columns lacks
        return by_card[0], _named(by_name, filename, by_card[0])
    raise FileProblem(_("The columns of %(file)s are not those of a Koha, Evergreen or Polaris report: a card number "
                        "column (%(barcodes)s) and a last activity column (%(activity)s) were expected. Its columns: "
                        "%(columns)s. Choose “Plain CSV” and name its columns.", file=filename,
                        barcodes=expected(AUTO, "barcode"), activity=expected(AUTO, "last_activity"),
                        columns=", ".join(h for h in header if h) or "—"))


def _named(by_name: dict, filename: str, kind: str) -> dict:
    found = {}
    for name, names in HEADERS[kind].items():
        header = next((by_name[normal(n)] for n in names if normal(n) in by_name), None)
        if header is not None:
            found[name] = header
        elif name in REQUIRED:
            raise FileProblem(_("%(file)s lacks the %(column)s column: one of %(names)s was expected.", file=filename,
                                column=FIELD_LABELS[name], names=expected(kind, name)))
    return found


def _mapped(header: list[str], filename: str, mapping: dict) -> dict:
    found = {}
    for name in FIELDS:
        given = (mapping.get(name) or "").strip()
        if given and given in header:
            found[name] = given
        elif given or name in REQUIRED:
            raise FileProblem(_("%(file)s has no column named “%(given)s” for the %(column)s. Its columns: %(columns)s.",
                                file=filename, given=given or "—", column=FIELD_LABELS[name],
                                columns=", ".join(h for h in header if h) or "—")
                              if given else
                              _("Name the column of %(file)s that holds the %(column)s. Its columns: %(columns)s.",
                                file=filename, column=FIELD_LABELS[name], columns=", ".join(h for h in header if h) or "—"))
    return found


EMPTY_DATES = {"", "0000-00-00", "0000-00-00 00:00:00", "null", "NULL", "never", "Never"}
DAY_PATTERNS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%m/%d/%y", "%d.%m.%Y")
LEADING_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})(?:[T ].*)?$")


def parse_day(text: str):
    """A report's date or timestamp as a date ("2026-10-14 15:32:10.5-07", "10/14/2026 3:32 PM", "2026-10-14");
    None when empty; the text itself when it cannot be read."""
    if text in EMPTY_DATES:
        return None
    match = LEADING_DAY.match(text)
    if match:
        day = match.group(1)
        for pattern in DAY_PATTERNS:
            try:
                return datetime.strptime(day, pattern).date()
            except ValueError:
                continue
    return text


def dates(values: list[str]) -> list:
    """Each value parsed once per distinct value (a report repeats its dates)."""
    parsed = {value: parse_day(value) for value in set(values)}
    return list(map(parsed.__getitem__, values))


def parse_count(text: str):
    if not text:
        return None
    plain = text.replace(",", "").replace(" ", "")
    if plain.isdigit():
        return int(plain)
    return text


def counts(values: list[str]) -> list:
    parsed = {value: parse_count(value) for value in set(values)}
    return list(map(parsed.__getitem__, values))


def is_day(value) -> bool:
    return isinstance(value, date)
