"""What each library system's importer accepts, as read in its own code and documentation
(docs/patron-files.md says where each rule comes from): the settings a card programme must give for it,
and the values a patron row may hold.

Nothing here touches the database or the request: `programme_problems` checks a programme's settings
before they are saved, `value_problems` one row's values before a file is built.
"""
import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# A card number scanners can read on every symbology libraries print (Code 39, Codabar, Code 128):
# ASCII letters, digits and hyphens, nothing else (no spaces, no accents, no punctuation).
SCANNABLE = re.compile(r"^[A-Za-z0-9-]+$")
PREFIX = re.compile(r"^[A-Za-z0-9-]*$")

# Koha: borrowers.middle_name exists from 22.11 on (bug 21978, database revision 22.06.00.006).
KOHA_VERSIONS = ["25.05", "24.11", "24.05", "23.11", "23.05", "22.11", "22.05", "21.11", "21.05", "20.11"]
KOHA_MIDDLE_NAME_SINCE = (22, 11)
# Koha's patron attributes we can fill, each from a value the roster holds.
KOHA_ATTRIBUTES = {"GRADE": _l("GRADE: the student's grade"), "SCHOOL": _l("SCHOOL: the school's code")}
# Column sizes of Koha's borrowers table (installer/data/mysql/kohastructure.sql).
KOHA_LIMITS = {"cardnumber": 32, "branchcode": 10, "categorycode": 10, "userid": 75, "sort1": 80, "sort2": 80}
# Polaris Leap, "Patron Import Data Dictionary for CSV Files".
POLARIS_LIMITS = {"PatronLastName": 100, "PatronFirstName": 32, "PatronMiddleName": 32, "PatronBarcode": 20,
                  "PatronPassword": 16}
POLARIS_INTEGERS = ("PatronCodeID", "PatronBranchID", "LanguageID")
POLARIS_ID_MAX = 2**31 - 1  # Polaris' organization ids are SQL Server int
# The columns each importer refuses a row without.
REQUIRED = {
    "koha": ("surname", "branchcode", "categorycode"),
    "evergreen": ("cardnumber", "usrname", "family_name", "first_given_name", "profile", "home_library"),
    "polaris": ("TransactionCode", "PatronLastName", "PatronCodeID", "PatronBranchID", "PatronBarcode", "ExpirationDate",
                "LanguageID", "MaintainReadingList"),
    "generic": (),
}
# Evergreen's loader makes a random password for a new patron whose passwd is empty: that column may be.
EVERGREEN_EMPTY_OK = ("passwd",)
LIMITS = {"koha": KOHA_LIMITS, "polaris": POLARIS_LIMITS, "evergreen": {}, "generic": {}}
BARCODE_COLUMN = {"koha": "cardnumber", "evergreen": "cardnumber", "polaris": "PatronBarcode", "generic": "barcode"}


def koha_version(text: str) -> tuple[int, int]:
    major, _dot, minor = (text or "0.0").partition(".")
    return int(major or 0), int(minor or 0)


def koha_has_middle_name(version: str) -> bool:
    return koha_version(version) >= KOHA_MIDDLE_NAME_SINCE


def is_integer(value) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def school_year(start: date) -> int:
    """The year a school year begins in: it runs from July to June."""
    return start.year if start.month >= 7 else start.year - 1


def programme_problems(data: dict, branches: list[tuple[str, str]]) -> dict:
    """A programme's settings the chosen ILS cannot accept, by form field. `branches` are the
    (school, ILS branch code of its home branch) pairs used when the programme gives no branch code."""
    errors: dict[str, str] = {}
    ils, category, branch = data.get("ils"), data.get("patron_category") or "", data.get("branch_code") or ""
    if not PREFIX.match(data.get("barcode_prefix") or ""):
        errors["barcode_prefix"] = _("A barcode prefix may hold letters, digits and hyphens only: a space or any other "
                                     "character makes card numbers that scanners cannot read.")
    used = [(_("this programme"), branch)] if branch else [(school, code) for school, code in branches if code]
    if ils == "koha":
        if len(category) > KOHA_LIMITS["categorycode"]:
            errors["patron_category"] = _("Koha category codes have at most 10 characters; %(code)s has %(n)s.",
                                          code=category, n=len(category))
        long = [(school, code) for school, code in used if len(code) > KOHA_LIMITS["branchcode"]]
        if long:
            errors["branch_code"] = _("Koha branch codes have at most 10 characters; %(code)s (%(school)s) has %(n)s.",
                                      code=long[0][1], school=long[0][0], n=len(long[0][1]))
    elif ils == "polaris":
        if not is_integer(category):
            errors["patron_category"] = _("Polaris needs the patron code id here, a whole number (e.g. 3), not %(code)s.",
                                          code=category)
        if branch:
            errors["branch_code"] = _("Polaris registers each student at their school's home branch by the branch's "
                                      "organization id (below), not by a branch code: leave the branch code blank.")
    return errors


def polaris_branch_problems(ils: str, ids: dict, branches: list[tuple[str, str, str]]) -> dict:
    """Each branch's Polaris organization id, by form field: a whole number from 1 (Polaris' own integer), and one
    for every home branch when the programme feeds Polaris. `branches` are (field, key, branch name) triples."""
    errors = {}
    for field, key, name in branches:
        value = ids.get(key)
        if value in (None, ""):
            if ils == "polaris":
                errors[field] = _("Polaris needs the organization id of %(branch)s, a whole number (e.g. 12).", branch=name)
        elif isinstance(value, bool) or not str(value).isascii() or not str(value).isdigit() \
                or not 1 <= int(value) <= POLARIS_ID_MAX:
            errors[field] = _("%(value)s is not a Polaris organization id: give %(branch)s's, a whole number from 1 to "
                              "%(max)s (e.g. 12).", value=value, branch=name, max=f"{POLARIS_ID_MAX:,}")
    return errors


CODES = re.compile(r"[A-Za-z0-9-]+(?:\n[A-Za-z0-9-]+)*")  # scannable card numbers, one a line


def suspect_rows(file_format: str, columns: dict[str, list], count: int) -> set[int]:
    """The rows `value_problems` may find fault with (never fewer), found a column at a time with the
    interpreter's built-ins: a large export runs the row-by-row check on these rows alone. `columns` holds
    each column's values, one per row, for `count` rows (a column it lacks is empty in every row)."""
    suspects: set[int] = set()
    empty = [None] * count

    def where(values, bad) -> None:
        suspects.update(i for i, v in enumerate(values) if bad(v))

    for column in REQUIRED[file_format]:
        values = columns.get(column, empty)
        if not all(values):
            where(values, lambda v: v in (None, ""))
    for column, limit in LIMITS[file_format].items():
        values = columns.get(column, empty)
        if max(map(len, filter(None, values)), default=0) > limit:
            where(values, lambda v, limit=limit: v is not None and len(v) > limit)
    codes = [c or "" for c in columns.get(BARCODE_COLUMN[file_format], empty)]
    filled = [c for c in codes if c]
    if filled and not CODES.fullmatch("\n".join(filled)):
        where(codes, lambda c: c and not SCANNABLE.match(c))
    if file_format == "polaris":
        for column in POLARIS_INTEGERS:
            where(columns.get(column, empty), lambda v: v not in (None, "") and not is_integer(v))
    return suspects


def value_problems(file_format: str, values: dict) -> list[tuple[str, str]]:
    """(column, reason) for each value of one row the ILS would refuse."""
    problems = []
    for column in REQUIRED[file_format]:
        if values.get(column) in (None, ""):
            problems.append((column, _("A required value is missing.")))
    for column, limit in LIMITS[file_format].items():
        value = values.get(column) or ""
        if len(value) > limit:
            problems.append((column, _("%(n)s characters; at most %(max)s are allowed.", n=len(value), max=limit)))
    barcode = values.get(BARCODE_COLUMN[file_format]) or ""
    if barcode and not SCANNABLE.match(barcode):
        problems.append((BARCODE_COLUMN[file_format],
                         _("The card number %(code)s holds spaces or characters a barcode cannot carry (use letters, "
                           "digits and hyphens).", code=barcode)))
    if file_format == "polaris":
        for column in POLARIS_INTEGERS:
            if values.get(column) not in (None, "") and not is_integer(values[column]):
                problems.append((column, _("%(value)s is not a whole number.", value=values[column])))
    return problems
