"""Patron files for the library's ILS, with exactly the column names in shared/domain/formats.md.

Each builder takes (rules, students, today) and returns (header, rows); the card programme's rules
(barcode, PIN, expiry, category, branch of each school) fill the library's columns.
"""
from datetime import date

from tracker.cards.programme import PatronRules

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


def koha(rules: PatronRules, students, today: date):
    expires, enrolled = rules.expires.isoformat(), today.isoformat()
    rows = []
    for s in students:
        school = rules.schools[s.school_id]
        code = rules.barcode(s)
        attributes = ",".join(f"{k}:{v}" for k, v in (("GRADE", s.grade), ("SCHOOL", school.code)) if v)
        rows.append([code, s.family_name, s.given_name, s.middle_name, school.branch, rules.category, _iso(s.birth_date),
                     s.email, enrolled, expires, s.username or code, rules.pin(s), s.grade, school.name, attributes])
    return KOHA, rows


def evergreen(rules: PatronRules, students, today: date):
    expires = rules.expires.isoformat()
    rows = []
    for s in students:
        school = rules.schools[s.school_id]
        code = rules.barcode(s)
        rows.append([code, rules.category, s.username or code, rules.pin(s), "1", s.family_name, s.given_name, s.middle_name,
                     "", f"Grade{s.grade}" if s.grade else "", s.email, school.branch, "", "", "", _iso(s.birth_date), "3",
                     s.identifier or s.source_id, "t", "f", "t", expires, "", "", "", "", "", "", "", "", "",
                     "School", school.name, "Grade", s.grade, "", ""])
    return EVERGREEN, rows


def polaris(rules: PatronRules, students, today: date):
    expires = rules.expires.strftime("%Y-%m-%d 00:00:00")
    registered = today.strftime("%Y-%m-%d 00:00:00")
    rows = []
    for s in students:
        rows.append(["7" if s.exported_at else "5", s.family_name, s.given_name, s.middle_name, rules.category,
                     rules.schools[s.school_id].branch, rules.barcode(s), expires, "1033", "0", "", rules.pin(s), registered,
                     s.birth_date.strftime("%Y-%m-%d 00:00:00") if s.birth_date else "", ""])
    return POLARIS, rows


def generic(rules: PatronRules, students, today: date):
    expires = rules.expires.isoformat()
    rows = [[s.source_id, s.identifier, s.given_name, s.middle_name, s.family_name, s.grade, _iso(s.birth_date), s.email,
             s.username, rules.schools[s.school_id].name, rules.barcode(s), rules.pin(s), expires,
             rules.schools[s.school_id].branch] for s in students]
    return GENERIC, rows


BUILDERS = {"koha": koha, "evergreen": evergreen, "polaris": polaris, "generic": generic}
