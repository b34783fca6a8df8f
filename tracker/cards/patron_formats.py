"""Patron files for the library's ILS, with the column names of each importer (docs/patron-files.md).

A format says which columns it has for a programme (`columns`), which student field each column carries
(`carries`: a column whose field the data-sharing spec does not allow is never written), and the values of
its columns for all the students at once (`values`: a list per column, made with comprehensions and built-ins
rather than a function call per row: a statewide roster has 100,000 rows). `tracker/cards/patrons.py` assembles
the file and checks it with `tracker/cards/ils.py` before anything is downloaded.
"""
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tracker.cards import ils
from tracker.cards.programme import PatronRules, by_value

KOHA = ["cardnumber", "surname", "firstname", "middle_name", "othernames", "branchcode", "categorycode", "dateofbirth",
        "email", "dateenrolled", "dateexpiry", "userid", "password", "sort1", "sort2", "patron_attributes"]
EVERGREEN = [
    "cardnumber", "profile", "usrname", "passwd", "net_access_level", "family_name", "first_given_name",
    "second_given_name", "pref_first_given_name", "name_keywords", "email", "home_library", "day_phone",
    "evening_phone", "other_phone", "dob", "ident_type", "ident_value", "active", "barred", "juvenile", "expire_date",
    "photo_url", "guardian", "add1_street1", "add1_street2", "add1_city", "add1_county", "add1_state", "add1_country",
    "add1_post_code", "statcat_name1", "statcat_value1", "statcat_name2", "statcat_value2", "statcat_name3", "statcat_value3",
]
POLARIS = ["TransactionCode", "PatronLastName", "PatronFirstName", "PatronMiddleName", "PatronCodeID", "PatronBranchID",
           "PatronBarcode", "ExpirationDate", "LanguageID", "MaintainReadingList", "PatronStatCodeID", "PatronPassword",
           "RegistrationDate", "BirthDate", "FormerID"]
# The row under the header in Leap's template: translation strings Polaris ignores on import. Without it
# the first patron would be taken for that row.
POLARIS_TRANSLATIONS = ["Transaction Code", "Last Name", "First Name", "Middle Name", "Patron Code", "Registered Branch",
                        "Barcode", "Expiration Date", "Language", "Maintain Reading List", "Statistical Class",
                        "Password", "Registration Date", "Birth Date", "Former ID"]
GENERIC = ["sourcedId", "identifier", "givenName", "middleName", "familyName", "grades", "birthDate", "email", "username",
           "school", "barcode", "PIN", "expiry", "branch"]
NAME_FIELDS = ("given_name", "middle_name", "family_name")


def _iso(values) -> list[str]:
    return by_value(values, lambda value: value.isoformat() if value else "")


def _attributes(pairs) -> str:
    """Koha parses patron_attributes as CSV itself: CODE:value items, quoted when they hold a comma."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([f"{code}:{value}" for code, value in pairs if value])
    return out.getvalue()


@dataclass(frozen=True)
class Format:
    columns: Callable[[PatronRules], list[str]]
    carries: dict  # column -> the student field it holds
    # (rules, students, names, today) -> {column: its value for each student}; students and names hold columns
    values: Callable
    every_row: bool = False  # a column is written only when every row has a value (Evergreen's loader)
    preamble: tuple = ()  # rows written between the header and the patrons


def _koha_columns(rules: PatronRules) -> list[str]:
    drop = {"othernames" if ils.koha_has_middle_name(rules.koha_version) else "middle_name"}
    if not rules.koha_attributes:
        drop.add("patron_attributes")
    return [c for c in KOHA if c not in drop]


def _koha_attributes(rules: PatronRules, s) -> list[str]:
    if not rules.koha_attributes:
        return [""] * len(s.id)
    codes = {k: school.code for k, school in rules.schools.items()}

    def attributes(key) -> str:
        sources = {"GRADE": key[0], "SCHOOL": codes[key[1]]}
        return _attributes([(c, sources[c]) for c in rules.koha_attributes if c in sources])
    return by_value(list(zip(s.grade, s.school_id)), attributes)


def _koha_values(rules: PatronRules, s, names: dict, today: date) -> dict:
    n, codes = len(s.id), rules.barcodes(s)
    return {"cardnumber": codes, "surname": names["family_name"], "firstname": names["given_name"],
            "middle_name": names["middle_name"], "othernames": names["middle_name"],
            "branchcode": rules.per_school(s.school_id, "branch"), "categorycode": [rules.category] * n,
            "dateofbirth": _iso(s.birth_date), "email": s.email, "dateenrolled": [today.isoformat()] * n,
            "dateexpiry": [rules.expires.isoformat()] * n, "userid": [u or c for u, c in zip(s.username, codes)],
            "password": rules.pins(s), "sort1": s.grade, "sort2": rules.per_school(s.school_id, "name"),
            "patron_attributes": _koha_attributes(rules, s)}


def _evergreen_values(rules: PatronRules, s, names: dict, today: date) -> dict:
    n, codes = len(s.id), rules.barcodes(s)
    return {"cardnumber": codes, "profile": [rules.category] * n, "usrname": [u or c for u, c in zip(s.username, codes)],
            "passwd": rules.pins(s), "net_access_level": ["1"] * n, "family_name": names["family_name"],
            "first_given_name": names["given_name"], "second_given_name": names["middle_name"],
            "name_keywords": [f"Grade{g}" if g else "" for g in s.grade], "email": s.email,
            "home_library": rules.per_school(s.school_id, "branch"), "dob": _iso(s.birth_date), "ident_type": ["3"] * n,
            "ident_value": [i or source for i, source in zip(s.identifier, s.source_id)], "active": ["t"] * n,
            "barred": ["f"] * n, "juvenile": ["t"] * n, "expire_date": [rules.expires.isoformat()] * n,
            "statcat_name1": ["School"] * n, "statcat_value1": names["school"],
            "statcat_name2": ["Grade" if g else "" for g in s.grade], "statcat_value2": s.grade}


def _polaris_values(rules: PatronRules, s, names: dict, today: date) -> dict:
    n = len(s.id)
    return {"TransactionCode": ["7"] * n, "PatronLastName": names["family_name"], "PatronFirstName": names["given_name"],
            "PatronMiddleName": names["middle_name"], "PatronCodeID": [rules.category] * n,
            "PatronBranchID": rules.per_school(s.school_id, "polaris_branch"), "PatronBarcode": rules.barcodes(s),
            "ExpirationDate": [rules.expires.strftime("%Y-%m-%d 23:59:59")] * n, "LanguageID": [str(rules.language_id)] * n,
            "MaintainReadingList": ["0"] * n, "PatronPassword": rules.pins(s), "RegistrationDate": [today.isoformat()] * n,
            "BirthDate": _iso(s.birth_date)}


def _generic_values(rules: PatronRules, s, names: dict, today: date) -> dict:
    n = len(s.id)
    return {"sourcedId": s.source_id, "identifier": s.identifier, "givenName": names["given_name"],
            "middleName": names["middle_name"], "familyName": names["family_name"], "grades": s.grade,
            "birthDate": _iso(s.birth_date), "email": s.email, "username": s.username, "school": names["school"],
            "barcode": rules.barcodes(s), "PIN": rules.pins(s), "expiry": [rules.expires.isoformat()] * n,
            "branch": rules.per_school(s.school_id, "branch")}


FORMATS = {
    "koha": Format(_koha_columns, {"firstname": "given_name", "surname": "family_name", "middle_name": "middle_name",
                                   "othernames": "middle_name", "dateofbirth": "birth_date", "email": "email", "sort1": "grade"},
                   _koha_values),
    "evergreen": Format(lambda rules: EVERGREEN, {"first_given_name": "given_name", "family_name": "family_name",
                                                  "second_given_name": "middle_name", "dob": "birth_date", "email": "email",
                                                  "name_keywords": "grade", "statcat_name2": "grade", "statcat_value2": "grade"},
                        _evergreen_values, every_row=True),
    "polaris": Format(lambda rules: POLARIS, {"PatronFirstName": "given_name", "PatronLastName": "family_name",
                                              "PatronMiddleName": "middle_name", "BirthDate": "birth_date"},
                      _polaris_values, preamble=(POLARIS_TRANSLATIONS,)),
    "generic": Format(lambda rules: GENERIC, {"givenName": "given_name", "middleName": "middle_name",
                                              "familyName": "family_name", "grades": "grade", "birthDate": "birth_date",
                                              "email": "email", "username": "username", "identifier": "identifier"},
                      _generic_values),
}
