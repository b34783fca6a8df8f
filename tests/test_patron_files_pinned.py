"""Patron files pinned byte for byte: students with tricky values (formula characters, non-ASCII and
unholdable characters, commas, quotes and line breaks, missing fields, values the ILS refuses) exported in
every format under several programme rules, each file and its check compared with the one kept in
tests/fixtures/patron_files. A change to how a file is made must leave these files as they are.

`PATRON_FILES_WRITE=1` writes the files instead (only when the output is meant to change)."""
import json
import os
from datetime import date
from pathlib import Path

import pytest

from tests.card_fixtures import SETUP, polaris, set_up_cards
from tracker.cards import patrons, programme
from tracker.cards.models import Student
from tracker.extensions import db

PINNED = Path(__file__).parent / "fixtures" / "patron_files"
TODAY = date(2026, 9, 10)
# (source_id, identifier, given, middle, family, grade, birth date, email, username)
STUDENTS = [
    ("p-01", "400001", "Ann", "May", "Lee", "03", date(2016, 4, 9), "ann@s.example", "ann.lee"),
    ("p-02", "400002", "=1+2", "-x", "+SUM(A1)", "04", date(2015, 11, 30), "@evil.example", "\tTab"),
    ("p-03", "400003", "Zoë", "Łukasz", 'O"Brien, Jr', "05", date(2014, 1, 2), "zoe@s.example", "zoe"),
    ("p-04", "400004", "山田", "", "Nguyễn", "03", None, "", ""),
    ("p-05", "", "Bo", "", "Kim", "", None, "", ""),
    ("p-06", "40 06", "Cy", "", "Space", "04", date(2016, 2, 29), "cy@s.example", "cy"),
    ("p-07", "-4007", "Dee", "", "Dash", "04", date(2016, 7, 1), "dee@s.example", "dee"),
    ("p-08", "400008", "Eve", "Ann\nMarie", "Line\r\nBreak", "05", date(2015, 3, 3), "eve@s.example", "eve"),
    ("p-09", "400009", "Fay\x0bTab", "", "Ctl\x01", "03", date(2016, 5, 5), "fay@s.example", "fay"),
    ("p-10", "400010", "Gus", "", "", "04", date(2016, 6, 6), "gus@s.example", "gus"),
    ("p-11", "400011", "Hal" * 12, "Mid" * 12, "Long" * 25, "05", date(2015, 8, 8), "hal@s.example", "hal"),
    ("p-12", "4" * 40, "Ivy", "", "Barcode", "03", date(2016, 9, 9), "ivy@s.example", "ivy"),
    ("p-13", "400013", "", "", "Solo", "04", date(2016, 10, 10), "solo@s.example", "solo"),
    ("p-14", "@40014", "Jo", "", "At", "05", date(2015, 12, 12), "jo@s.example", "jo"),
    ("p-15", "400015", "Kai", "", "Émile", "03", date(2016, 1, 1), "kai@s.example", "kai"),
]
ALLOWED = ["given_name", "family_name", "middle_name", "identifier", "grade", "birth_date", "email", "username"]
# name -> (spec's allowed fields, programme settings, export format, ascii_names)
CASES = {
    "koha": (None, {}, "koha", None),
    "koha-22.05-attributes-sourced-id-last4": (None, {"koha_version": "22.05", "koha_attributes": ["GRADE", "SCHOOL"],
                                                      "barcode_prefix": "", "barcode_source": "sourced_id",
                                                      "pin_rule": "id_last4", "branch_code": "MAIN"}, "koha", None),
    "koha-few-fields": (["given_name", "family_name", "identifier"], {"pin_rule": "none", "koha_attributes": ["GRADE"]},
                        "koha", None),
    "evergreen": (None, {"ils": "evergreen"}, "evergreen", None),
    "evergreen-accents": (None, {"ils": "evergreen", "pin_rule": "id_last4"}, "evergreen", False),
    "evergreen-few-fields": (["given_name", "family_name", "identifier", "grade"], {"ils": "evergreen", "pin_rule": "none"},
                             "evergreen", None),
    "polaris": (None, "polaris", "polaris", None),
    "generic": (None, {"ils": "generic", "barcode_prefix": ""}, "generic", None),
    "generic-ascii": (["given_name", "family_name", "grade"], {"ils": "generic", "pin_rule": "none"}, "generic", True),
}


def _add_students(agreement_id: int) -> None:
    schools = [s.id for s in programme.schools_of(agreement_id)]
    for n, (source, ident, given, middle, family, grade, born, email, user) in enumerate(STUDENTS):
        db.session.add(Student(agreement_id=agreement_id, school_id=schools[n % len(schools)], source_id=source,
                               identifier=ident, given_name=given, middle_name=middle, family_name=family, grade=grade,
                               birth_date=born, email=email, username=user))
    db.session.commit()


def _check(found: patrons.Check) -> str:
    return json.dumps({k: v for k, v in found.__dict__.items() if k != "expires"} | {"expires": found.expires.isoformat()},
                      ensure_ascii=False, indent=1, default=list)


@pytest.mark.parametrize("case", CASES)
def test_each_format_writes_the_pinned_file(world, case):
    allowed, settings, file_format, ascii_names = CASES[case]
    card_programme, _drive = set_up_cards(world, spec={"allowed_fields": allowed or ALLOWED},
                                          prog=polaris(world) if settings == "polaris" else settings)
    if file_format == "koha":
        world.orgs["branch"].ils_branch_code = "HAR"
    _add_students(card_programme.agreement_id)
    prepared = patrons.prepare(card_programme, file_format, patrons.Filters(), today=TODAY, ascii_names=ascii_names)
    made = {f"{case}.check.json": _check(prepared.check).encode("utf-8"),
            f"{case}.csv": patrons.deliver(SETUP, card_programme, prepared, today=TODAY).data}
    for name, data in made.items():
        if os.environ.get("PATRON_FILES_WRITE"):
            PINNED.mkdir(parents=True, exist_ok=True)
            (PINNED / name).write_bytes(data)
        assert data == (PINNED / name).read_bytes(), name
