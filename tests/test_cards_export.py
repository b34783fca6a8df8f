"""Patron exports: the column names of formats.md, the programme's rules, opt-outs never exported,
formulas neutralised, each export audited with its hash, and the command line writing the same file."""
import csv
import hashlib
import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from tests.card_fixtures import SETUP, import_roster, set_up_cards
from tests.test_cards_roster import FIXTURES, fixture
from tracker.audit.models import AuditEvent
from tracker.cards import optouts, patrons
from tracker.cards.models import Student
from tracker.extensions import db

# Copied from shared/domain/formats.md ("Patron files out").
KOHA_REQUIRED = {"surname", "branchcode", "categorycode"}
KOHA_KNOWN = KOHA_REQUIRED | {"cardnumber", "firstname", "othernames", "dateofbirth", "email", "phone", "address", "city",
                              "zipcode", "dateenrolled", "dateexpiry", "userid", "password", "sort1", "sort2", "patron_attributes"}
EVERGREEN = ("cardnumber, profile, usrname, passwd, net_access_level, family_name, first_given_name, second_given_name, "
             "pref_first_given_name, name_keywords, email, home_library, day_phone, evening_phone, other_phone, dob, ident_type, "
             "ident_value, active, barred, juvenile, expire_date, photo_url, guardian, add1_street1, add1_street2, add1_city, "
             "add1_county, add1_state, add1_country, add1_post_code, statcat_name1, statcat_value1").split(", ") + [
    "statcat_name2", "statcat_value2", "statcat_name3", "statcat_value3"]
POLARIS = ("TransactionCode, PatronLastName, PatronFirstName, PatronMiddleName, PatronCodeID, PatronBranchID, PatronBarcode, "
           "ExpirationDate, LanguageID, MaintainReadingList, PatronStatCodeID, PatronPassword, RegistrationDate, BirthDate, "
           "FormerID").split(", ")
GENERIC_EXTRA = ["barcode", "PIN", "expiry", "branch"]
FORMATS = ["koha", "evergreen", "polaris", "generic"]


@pytest.fixture
def loaded(world):
    card_programme, drive = set_up_cards(world)
    # One district file: the zip's users plus those of the single users.csv (a later file of the
    # same school would mark the students it lacks as left).
    users = (FIXTURES / "oneroster11_zip" / "users.csv").read_bytes() + fixture("oneroster11_users.csv").split(b"\n", 1)[1]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in ("manifest.csv", "orgs.csv", "enrollments.csv", "demographics.csv"):
            archive.write(FIXTURES / "oneroster11_zip" / name, name)
        archive.writestr("users.csv", users)
    assert import_roster(world, out.getvalue(), name="district.zip").summary["new"] == 6
    return card_programme, drive


def rows_of(data: bytes) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return reader.fieldnames, list(reader)


def export(card_programme, file_format, **filters):
    return patrons.export(SETUP, card_programme, file_format, patrons.Filters(**filters), today=date(2026, 9, 10))


def test_column_names_are_those_of_formats_md(loaded):
    card_programme, _drive = loaded
    koha, _ = rows_of(export(card_programme, "koha").data)
    assert KOHA_REQUIRED <= set(koha) and set(koha) <= KOHA_KNOWN
    assert rows_of(export(card_programme, "evergreen").data)[0] == EVERGREEN
    assert rows_of(export(card_programme, "polaris").data)[0] == POLARIS
    generic = rows_of(export(card_programme, "generic").data)[0]
    assert generic[-4:] == GENERIC_EXTRA and {"sourcedId", "givenName", "familyName", "grades"} <= set(generic)


def test_koha_rows_follow_the_programme_rules(loaded, world):
    card_programme, _drive = loaded
    world.orgs["branch"].ils_branch_code = "HAR"
    _header, rows = rows_of(export(card_programme, "koha").data)
    fay = next(r for r in rows if r["firstname"] == "Fay")
    assert (fay["cardnumber"], fay["surname"], fay["branchcode"], fay["categorycode"]) == ("2100200101", "Ng", "HAR", "STUDENT")
    assert (fay["dateofbirth"], fay["password"], fay["dateexpiry"], fay["dateenrolled"]) == ("2017-04-09", "042017", "2027-09-15", "2026-09-10")
    assert fay["patron_attributes"] == "GRADE:03,SCHOOL:sch-north"


def test_evergreen_and_polaris_rows(loaded):
    card_programme, _drive = loaded
    _h, rows = rows_of(export(card_programme, "evergreen").data)
    gus = next(r for r in rows if r["first_given_name"] == "Gus")
    assert (gus["name_keywords"], gus["passwd"], gus["expire_date"], gus["profile"]) == ("Grade04", "112016", "2027-09-15", "STUDENT")
    _h, rows = rows_of(export(card_programme, "polaris").data)
    gus = next(r for r in rows if r["PatronFirstName"] == "Gus")
    assert (gus["TransactionCode"], gus["ExpirationDate"], gus["PatronBarcode"]) == ("7", "2027-09-15 00:00:00", "2100200102")



@pytest.mark.parametrize("file_format", FORMATS)
def test_opted_out_students_never_appear(loaded, world, file_format):
    card_programme, _drive = loaded
    optouts.record(SETUP, world.agreements["own"].id, ["stu-002"], date(2026, 9, 2), "paper form", None)
    data = export(card_programme, file_format).data
    assert b"Kim" not in data and b"100002" not in data and b"stu-002" not in data
    assert b"Lee" in data


def test_formulas_are_neutralised(loaded):
    card_programme, _drive = loaded
    _h, rows = rows_of(export(card_programme, "koha").data)
    eve = next(r for r in rows if r["firstname"] == "Eve")
    assert eve["surname"] == "'=HYPERLINK(\"http://x\")"


def test_each_export_is_audited_and_marks_rows_exported(loaded, world):
    card_programme, drive = loaded
    made = export(card_programme, "koha", drive_id=drive.id, grade="03")
    assert made.rows == 2  # Ann (stu-001) and Fay (stu-101) are in grade 3
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patrons.exported")).one()
    assert event.changes["sha256"][1] == hashlib.sha256(made.data).hexdigest() == made.sha256
    assert (event.changes["rows"][1], event.changes["format"][1]) == (2, "koha")
    db.session.expire_all()
    exported = {s.source_id for s in db.session.scalars(select(Student).where(Student.exported_at.is_not(None)))}
    assert exported == {"stu-001", "stu-101"}
    rest = export(card_programme, "koha", not_yet_exported=True)
    assert rest.rows == 4 and b"Ann" not in rest.data


def test_the_export_page_downloads_the_file(loaded, world, login):
    staff = login(world.emails["library_staff"])
    response = staff.post(f"/agreements/{world.agreements['own'].id}/patrons/export", {"file_format": "koha", "school_id": "", "drive_id": ""})
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith(b"cardnumber,surname,firstname")
    assert login(world.emails["school_librarian"]).post(
        f"/agreements/{world.agreements['own'].id}/patrons/export", {"file_format": "koha"}).status_code == 403


def test_polaris_refuses_barcodes_longer_than_twenty(world):
    card_programme, _drive = set_up_cards(world, prog={"barcode_prefix": "12345678901234567890"})
    import_roster(world, fixture("oneroster11_users.csv"))
    with pytest.raises(patrons.Invalid, match="at most 20 characters"):
        export(card_programme, "polaris")


def test_the_command_line_writes_the_same_file_as_the_page(app, loaded, world, login, tmp_path):
    card_programme, _drive = loaded
    db.session.commit()
    out = tmp_path / "generic.csv"
    result = app.test_cli_runner().invoke(args=["patrons", "export", "--program", str(card_programme.id), "--format", "generic",
                                                "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 patrons written" in result.output
    page = login(world.emails["library_staff"]).post(f"/agreements/{world.agreements['own'].id}/patrons/export",
                                                     {"file_format": "generic"})
    assert page.status_code == 200 and page.data == out.read_bytes()
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patrons.exported")).all()) == 2
