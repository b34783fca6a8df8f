"""Patron files for the library's ILS, with exactly the column names in shared/domain/formats.md.

Each builder takes (programme, students, schools, today) and returns (header, rows); the rules of
the card programme (barcode, PIN, expiry, category, branch) fill the library's columns.
"""
from datetime import date

from tracker.cards.programme import barcode, branch, expiry, pin

KOHA = ["cardnumber", "surname", "firstname", "othernames", "branchcode", "categorycode", "dateofbirth", "email",
        "dateenrolled", "dateexpiry", "userid", "password", "sort1", "sort2", "patron_attributes"]
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
GENERIC = ["sourcedId", "identifier", "givenName", "middleName", "familyName", "grades", "birthDate", "email", "username",
           "school", "barcode", "PIN", "expiry", "branch"]
POLARIS_BARCODE_MAX = 20


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _grade_keyword(grade: str) -> str:
    return f"Grade{grade}" if grade else ""


def koha(programme, students, schools, today):
    expires = expiry(programme, today)
    rows = []
    for s in students:
        school = schools[s.school_id]
        code = barcode(programme, s)
        attributes = ",".join(f"{k}:{v}" for k, v in (("GRADE", s.grade), ("SCHOOL", school.sourced_id or school.state_id or "")) if v)
        rows.append([code, s.family_name, s.given_name, s.middle_name, branch(programme, school), programme.patron_category,
                     _iso(s.birth_date), s.email, today.isoformat(), expires.isoformat(), s.username or code,
                     pin(programme, s), s.grade, school.name, attributes])
    return KOHA, rows


def evergreen(programme, students, schools, today):
    expires = expiry(programme, today).isoformat()
    rows = []
    for s in students:
        school = schools[s.school_id]
        code = barcode(programme, s)
        rows.append([code, programme.patron_category, s.username or code, pin(programme, s), "1", s.family_name,
                     s.given_name, s.middle_name, "", _grade_keyword(s.grade), s.email, branch(programme, school), "", "", "",
                     _iso(s.birth_date), "3", s.identifier or s.source_id, "t", "f", "t", expires, "", "", "", "", "", "", "",
                     "", "", "School", school.name, "Grade", s.grade, "", ""])
    return EVERGREEN, rows


def polaris(programme, students, schools, today):
    expires = expiry(programme, today).strftime("%Y-%m-%d 00:00:00")
    registered = today.strftime("%Y-%m-%d 00:00:00")
    rows = []
    for s in students:
        school = schools[s.school_id]
        rows.append(["7" if s.exported_at else "5", s.family_name, s.given_name, s.middle_name, programme.patron_category,
                     branch(programme, school), barcode(programme, s), expires, "1033", "0", "", pin(programme, s), registered,
                     s.birth_date.strftime("%Y-%m-%d 00:00:00") if s.birth_date else "", ""])
    return POLARIS, rows


def generic(programme, students, schools, today):
    expires = expiry(programme, today).isoformat()
    rows = [[s.source_id, s.identifier, s.given_name, s.middle_name, s.family_name, s.grade, _iso(s.birth_date), s.email,
             s.username, schools[s.school_id].name, barcode(programme, s), pin(programme, s), expires,
             branch(programme, schools[s.school_id])] for s in students]
    return GENERIC, rows


BUILDERS = {"koha": koha, "evergreen": evergreen, "polaris": polaris, "generic": generic}
