"""Patron exports: the column names of formats.md, the programme's rules, opt-outs never exported,
formulas neutralised, each export audited with its hash, and the command line writing the same file."""
import csv
import html
import hashlib
import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select, text, update

from tests.card_fixtures import PROGRAMME, SETUP, import_roster, polaris, set_up_cards, users_csv
from tests.test_cards_roster import FIXTURES, fixture, zipped
from tracker.audit.models import AuditEvent
from tracker.cards import drives, optouts, patrons, programme
from tracker.cards.models import Student
from tracker.extensions import db
from tracker.validation import Invalid

# Copied from shared/domain/formats.md ("Patron files out").
KOHA_REQUIRED = {"surname", "branchcode", "categorycode"}
KOHA_KNOWN = KOHA_REQUIRED | {"cardnumber", "firstname", "middle_name", "othernames", "dateofbirth", "email", "phone", "address",
                              "city", "zipcode", "dateenrolled", "dateexpiry", "userid", "password", "sort1", "sort2",
                              "patron_attributes"}
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


def rows_of(data: bytes, skip: int = 0) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    rows = list(reader)
    return reader.fieldnames, rows[skip:]


def export(card_programme, file_format, today=date(2026, 9, 10), ascii_names=None, **filters):
    return patrons.export(SETUP, card_programme, file_format, patrons.Filters(**filters), today=today, ascii_names=ascii_names)


def check(card_programme, file_format, **filters):
    return patrons.prepare(card_programme, file_format, patrons.Filters(**filters), today=date(2026, 9, 10)).check


def test_column_names_are_those_of_formats_md(loaded, world):
    card_programme, _drive = loaded
    koha, _ = rows_of(export(card_programme, "koha").data)
    assert KOHA_REQUIRED <= set(koha) and set(koha) <= KOHA_KNOWN
    assert set(rows_of(export(card_programme, "evergreen").data)[0]) <= set(EVERGREEN)
    with pytest.raises(Invalid, match="Polaris needs its patron code id"):
        export(card_programme, "polaris")
    card_programme.patron_category = "3"
    with pytest.raises(Invalid, match="Give Harbor Branch its Polaris organization id on the card programme first"):
        export(card_programme, "polaris")
    card_programme.polaris_branch_ids = {str(world.orgs["branch"].id): 17}
    assert rows_of(export(card_programme, "polaris").data)[0] == POLARIS
    generic = rows_of(export(card_programme, "generic").data)[0]
    assert generic[-4:] == GENERIC_EXTRA and {"sourcedId", "givenName", "familyName", "grades"} <= set(generic)


def test_koha_rows_follow_the_programme_rules(loaded, world):
    card_programme, _drive = loaded
    world.orgs["branch"].ils_branch_code = "HAR"
    card_programme.koha_attributes = ["GRADE", "SCHOOL"]
    _header, rows = rows_of(export(card_programme, "koha").data)
    fay = next(r for r in rows if r["firstname"] == "Fay")
    assert (fay["cardnumber"], fay["surname"], fay["branchcode"], fay["categorycode"]) == ("2100200101", "Ng", "HAR", "STUDENT")
    assert (fay["dateofbirth"], fay["password"], fay["dateexpiry"], fay["dateenrolled"]) == ("2017-04-09", "042017", "2027-09-15", "2026-09-10")
    assert fay["patron_attributes"] == "GRADE:03,SCHOOL:sch-north"


def test_koha_middle_names_follow_the_version_and_attributes_only_the_declared_types(loaded):
    card_programme, _drive = loaded
    header, rows = rows_of(export(card_programme, "koha").data)
    assert "middle_name" in header and "othernames" not in header and "patron_attributes" not in header
    assert next(r for r in rows if r["firstname"] == "Ann")["middle_name"] == "May"
    card_programme.koha_version, card_programme.koha_attributes = "22.05", ["GRADE"]
    header, rows = rows_of(export(card_programme, "koha").data)
    assert "othernames" in header and "middle_name" not in header
    ann = next(r for r in rows if r["firstname"] == "Ann")
    assert (ann["othernames"], ann["patron_attributes"]) == ("May", "GRADE:03")


def test_expiry_comes_from_the_drive_school_year_never_from_today(world):
    """The September 2027 drive's cards expire in September 2028, whenever the file is made."""
    card_programme, _drive = set_up_cards(world)
    later = drives.create(SETUP, world.agreements["own"], {"name": "September 2027", "starts_on": date(2027, 9, 1),
                                                           "ends_on": date(2027, 9, 30), "status": "planning",
                                                           "grades": ["03", "04", "05"], "target_percent": 90},
                          [s.id for s in programme.schools_of(world.agreements["own"].id)])
    import_roster(world, fixture("oneroster11_users.csv"))
    for today in (date(2027, 3, 1), date(2027, 9, 20)):
        _h, rows = rows_of(export(card_programme, "koha", today=today, drive_id=later.id).data)
        assert {r["dateexpiry"] for r in rows} == {"2028-09-15"}


def test_evergreen_writes_only_filled_allowed_columns_and_names_who_lacked_a_date(loaded):
    card_programme, _drive = loaded
    found = check(card_programme, "evergreen")
    dob = next(c for c in found.left_out if c["column"] == "dob")
    assert dob["count"] == 4 and any("Ann Lee" in s for s in dob["students"]) and not any("Gus" in s for s in dob["students"])
    header, rows = rows_of(export(card_programme, "evergreen").data)
    assert "dob" not in header and "photo_url" not in header and "day_phone" not in header
    assert all(all(r[c] for c in header if c != "passwd") for r in rows)  # every written column is filled in every row
    gus = next(r for r in rows if r["first_given_name"] == "Gus")
    assert (gus["name_keywords"], gus["passwd"], gus["expire_date"], gus["profile"]) == ("Grade04", "112016", "2027-09-15", "STUDENT")


def test_evergreen_never_writes_a_column_the_spec_does_not_allow(world):
    card_programme, _drive = set_up_cards(world, spec={"allowed_fields": ["given_name", "family_name", "identifier", "grade"]},
                                          prog={"pin_rule": "none", "ils": "evergreen"})
    import_roster(world, zipped("oneroster11_zip"), name="district.zip")
    header, _rows = rows_of(export(card_programme, "evergreen").data)
    assert not {"dob", "email", "second_given_name", "passwd"} & set(header)


def test_evergreen_names_are_ascii_by_default_and_the_preview_shows_it(loaded):
    card_programme, _drive = loaded
    found = check(card_programme, "evergreen")
    assert ("Cy Díaz", "Cy Diaz") in found.transliterated and not found.not_ascii
    data = export(card_programme, "evergreen").data
    assert data.isascii() and b"Diaz" in data
    kept = patrons.prepare(card_programme, "evergreen", patrons.Filters(), today=date(2026, 9, 10), ascii_names=False)
    assert any("Díaz" in name for name in kept.check.not_ascii)


def test_polaris_rows_follow_leap_data_dictionary(world):
    card_programme, _drive = set_up_cards(world, prog=polaris(world, "17"))  # Harbor Branch's code stays HAR (Koha's)
    assert world.orgs["branch"].ils_branch_code == "HAR"
    import_roster(world, zipped("oneroster11_zip"), name="district.zip")
    data = export(card_programme, "polaris").data
    header, rows = rows_of(data)
    assert header == POLARIS and rows[0]["TransactionCode"] == "Transaction Code"  # Leap's translation row
    patrons_rows = rows[1:]
    assert {r["TransactionCode"] for r in patrons_rows} == {"7"}
    for row in patrons_rows:
        for column in ("PatronCodeID", "PatronBranchID", "LanguageID", "MaintainReadingList"):
            assert int(row[column]) == int(row[column].strip()), column
    gus = next(r for r in patrons_rows if r["PatronFirstName"] == "Gus")
    assert (gus["PatronCodeID"], gus["PatronBranchID"], gus["LanguageID"]) == ("3", "17", "1")
    assert (gus["ExpirationDate"], gus["BirthDate"], gus["RegistrationDate"]) == ("2027-09-15 23:59:59", "2016-11-23", "2026-09-10")


@pytest.mark.parametrize(("prog", "field", "words"), [
    ({"ils": "polaris", "patron_category": "STUDENT"}, "patron_category", "patron code id"),
    ({"ils": "polaris", "patron_category": "3", "branch_code": "EAS"}, "branch_code", "organization id (below)"),
    ({"ils": "koha", "branch_code": "HARBORBRANCH1"}, "branch_code", "at most 10 characters"),
    ({"ils": "koha", "patron_category": "HIGHSCHOOLER"}, "patron_category", "at most 10 characters"),
    ({"barcode_prefix": "21 00"}, "barcode_prefix", "scanners cannot read"),
])
def test_settings_the_ils_cannot_accept_are_refused_by_field(world, prog, field, words):
    with pytest.raises(Invalid) as refused:
        set_up_cards(world, prog=prog)
    assert field in refused.value.errors and words in " ".join(refused.value.errors[field])


@pytest.mark.parametrize(("given", "words"), [
    (None, "Polaris needs the organization id of Harbor Branch, a whole number"),
    ("", "Polaris needs the organization id of Harbor Branch, a whole number"),
    ("HAR", "HAR is not a Polaris organization id: give Harbor Branch's, a whole number"),
    ("12.5", "12.5 is not a Polaris organization id"),
    ("0", "0 is not a Polaris organization id"),
    ("-3", "-3 is not a Polaris organization id"),
    ("99999999999", "99999999999 is not a Polaris organization id"),
])
def test_each_branchs_polaris_id_is_a_whole_number_named_by_its_field(world, given, words):
    """The programme asks for each home branch's organization id (Harbor Branch's ILS code HAR is Koha's, never read
    for Polaris): a missing or non-integer id is refused next to that branch's field, and nothing is saved."""
    branch = world.orgs["branch"]
    with pytest.raises(Invalid) as refused:
        set_up_cards(world, prog={**polaris(world), "polaris_branch_ids": {} if given is None else {str(branch.id): given}})
    assert words in " ".join(refused.value.errors[f"polaris_branch_{branch.id}"])
    assert programme.programme_of(world.agreements["own"].id) is None


def test_the_polaris_ids_are_kept_as_integers_and_koha_keeps_its_branch_codes(world):
    branch = world.orgs["branch"]
    card_programme, _drive = set_up_cards(world, prog=polaris(world, " 0017 ".strip()))
    db.session.expire_all()
    assert card_programme.polaris_branch_ids == {str(branch.id): 17}
    # A Koha programme may leave them out; the ids already given are kept when a save does not name them.
    koha = programme.save_programme(SETUP, world.agreements["own"], {**PROGRAMME, "ils": "koha", "patron_category": "STUDENT"})
    assert koha.polaris_branch_ids == {str(branch.id): 17}
    assert programme.PatronRules.of(koha, _drive).schools[world.orgs["north"].id].branch == "HAR"


def test_the_programme_page_asks_each_branchs_polaris_id_and_refuses_a_code(world, login):
    set_up_cards(world)
    staff = login(world.emails["library_staff"])
    a, branch = world.agreements["own"], world.orgs["branch"]
    page = staff.get(f"/agreements/{a.id}/card-programme").text
    assert "Polaris organization id of Harbor Branch" in page and f'name="polaris_branch_{branch.id}"' in page
    form = {**{k: str(v) for k, v in PROGRAMME.items() if not isinstance(v, bool)}, "fines_free": "y",
            "ils": "polaris", "patron_category": "3", f"polaris_branch_{branch.id}": "EAS"}
    refused = staff.post(f"/agreements/{a.id}/card-programme", form)
    assert refused.status_code == 422
    near = refused.text.split(f'name="polaris_branch_{branch.id}"', 1)[1][:1200]
    assert "EAS is not a Polaris organization id" in html.unescape(near)
    assert programme.programme_of(a.id).ils == "koha"
    saved = staff.post(f"/agreements/{a.id}/card-programme", {**form, f"polaris_branch_{branch.id}": "23"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert programme.programme_of(a.id).polaris_branch_ids == {str(branch.id): 23}
    shown = staff.get(f"/agreements/{a.id}/cards").text
    assert "Polaris organization ids" in shown and "Harbor Branch: <code>23</code>" in shown
    history = html.unescape(staff.get(f"/agreements/{a.id}/history").text)
    assert "Polaris organization ids" in history and "Harbor Branch: 23" in history  # the branch by name, in words


def test_rows_the_ils_would_refuse_are_listed_and_left_out(world):
    card_programme, _drive = set_up_cards(world, prog={"barcode_source": "identifier"})
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1001"), ("b", "sch-north", "Bo", "Kim", "04", "10 02"),
                                    ("c", "sch-north", "Cy", "Diaz", "04", "10/03")]))
    found = check(card_programme, "koha")
    reasons = {(r["student"].split(" (")[0].strip(), r["column"]) for r in found.refused}
    assert ("Bo Kim", "cardnumber") in reasons and found.refused_count == 2 and found.rows == 1
    _h, rows = rows_of(export(card_programme, "koha").data)
    assert [r["firstname"] for r in rows] == ["Ann"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_opted_out_students_never_appear(loaded, world, file_format):
    card_programme, _drive = loaded
    optouts.record(SETUP, world.agreements["own"].id, ["stu-002"], date(2026, 9, 2), "paper form", None)
    if file_format == "polaris":
        card_programme.patron_category, card_programme.polaris_branch_ids = "3", {str(world.orgs["branch"].id): 17}
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


def test_an_unconfirmed_export_is_the_confirmed_file_or_the_check_with_nothing_written(world):
    """Unconfirmed (a first click on Download), the students are marked as they are read: a file that needs no
    attention is the same file, its students marked; one that does gives its check, and nothing is marked or audited."""
    card_programme, _drive = set_up_cards(world, prog={"barcode_source": "identifier"})
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1001"), ("b", "sch-north", "Bo", "Kim", "04", "10 02")]))

    def written() -> tuple[int, int]:
        db.session.expire_all()
        return (db.session.scalar(select(func.count()).where(Student.exported_at.is_not(None))),
                db.session.scalar(select(func.count()).where(AuditEvent.action == "patrons.exported")))

    returned = patrons.export(SETUP, card_programme, "koha", patrons.Filters(), today=date(2026, 9, 10), confirmed=False)
    assert isinstance(returned, patrons.Check) and returned.refused_count == 1 and returned.rows == 1
    assert written() == (0, 0)
    db.session.execute(update(Student).where(Student.source_id == "b").values(identifier="1002"))
    db.session.commit()
    expected = patrons.prepare(card_programme, "koha", patrons.Filters(), today=date(2026, 9, 10))
    made = patrons.export(SETUP, card_programme, "koha", patrons.Filters(), today=date(2026, 9, 10), confirmed=False)
    assert made.data == patrons.csv_bytes_by_column(expected.header, expected.columns, expected.preamble)
    assert made.rows == 2 and written() == (2, 1)


def test_marking_students_exported_writes_no_index_entry_on_postgresql(loaded, is_postgres):
    """exported_at is in no index and student pages keep room (migration 0019), so a statewide export's
    marks are heap-only updates rather than a new entry in each of the table's five indexes."""
    if not is_postgres:
        pytest.skip("heap-only updates are PostgreSQL's")
    card_programme, _drive = loaded
    counts = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'student'"
    before = db.session.execute(text(counts)).one()
    made = export(card_programme, "koha")
    updated, heap_only = (after - start for after, start in zip(db.session.execute(text(counts)).one(), before))
    assert updated == heap_only == made.rows == 6


def test_the_export_page_downloads_the_file(loaded, world, login):
    staff = login(world.emails["library_staff"])
    response = staff.post(f"/agreements/{world.agreements['own'].id}/patrons/export", {"file_format": "koha", "school_id": "", "drive_id": ""})
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith(b"cardnumber,surname,firstname")
    assert login(world.emails["school_librarian"]).post(
        f"/agreements/{world.agreements['own'].id}/patrons/export", {"file_format": "koha"}).status_code == 403


def test_polaris_refuses_barcodes_longer_than_twenty(world):
    card_programme, _drive = set_up_cards(world, prog={**polaris(world), "barcode_prefix": "12345678901234567890"})
    import_roster(world, fixture("oneroster11_users.csv"))
    found = check(card_programme, "polaris")
    assert found.rows == 0 and {r["column"] for r in found.refused} == {"PatronBarcode"}
    assert "at most 20 are allowed" in found.refused[0]["reason"]


def test_the_export_page_checks_before_it_downloads(loaded, world, login):
    staff = login(world.emails["library_staff"])
    url = f"/agreements/{world.agreements['own'].id}/patrons/export"
    page = staff.post(url, {"file_format": "evergreen", "ascii_names": "y", "action": "check"})
    assert page.status_code == 200 and "Before you download" in page.text
    assert "Column dob is left out" in page.text and "Cy Díaz → Cy Diaz" in page.text and "Ann Lee (stu-001)" in page.text
    # A download that needs attention shows the check first, then downloads once confirmed.
    again = staff.post(url, {"file_format": "evergreen", "ascii_names": "y", "action": "download"})
    assert again.status_code == 200 and "Download the file as checked" in again.text
    db.session.expire_all()  # the unconfirmed download marked the students as it read them, then rolled that back
    assert db.session.scalar(select(func.count()).where(Student.exported_at.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "patrons.exported")) == 0
    done = staff.post(url, {"file_format": "evergreen", "ascii_names": "y", "action": "download", "confirmed": "yes"})
    assert done.status_code == 200 and done.headers["Content-Disposition"].startswith("attachment")


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


def test_under_opt_in_only_students_with_a_recorded_consent_reach_the_file(world, login):
    card_programme, _drive = set_up_cards(world, prog={"consent_model": "opt_in"})
    import_roster(world, zipped("oneroster11_zip"), name="district.zip")
    assert export(card_programme, "koha").rows == 0
    staff = login(world.emails["library_staff"])
    agreement = world.agreements["own"].id
    page = staff.get(f"/agreements/{agreement}/roster").text
    assert "Opt-outs and consents" in page
    recorded = staff.post(f"/agreements/{agreement}/roster/opt-outs", {"kind": "consent", "source_ids": "stu-101",
                                                                        "opted_out_on": "2026-09-02", "source": "signed form"})
    assert recorded.status_code == 303
    found = check(card_programme, "koha")
    assert (found.rows, found.without_consent) == (1, 1)
    _h, rows = rows_of(export(card_programme, "koha").data)
    assert [r["firstname"] for r in rows] == ["Fay"]
    # An opt-out still wins over a consent.
    optouts.record(SETUP, agreement, ["stu-101"], date(2026, 9, 3), "parent email", None)
    assert export(card_programme, "koha").rows == 0


def test_without_opt_in_the_roster_page_records_opt_outs_only(world, login):
    set_up_cards(world)
    page = login(world.emails["library_staff"]).get(f"/agreements/{world.agreements['own'].id}/roster").text
    assert "Opt-outs and consents" not in page and "Record opt-outs" in page


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_rows_checked_one_by_one_include_every_row_the_ils_would_refuse(file_format):
    """`ils.suspect_rows` finds the rows worth the row-by-row check a column at a time; it may find more than
    `ils.value_problems` refuses, never fewer (empty, missing, too long, unscannable and non-integer values)."""
    import random

    from tracker.cards import ils

    randomly = random.Random(20)
    watched = {*ils.REQUIRED[file_format], *ils.LIMITS[file_format], ils.BARCODE_COLUMN[file_format],
               *(ils.POLARIS_INTEGERS if file_format == "polaris" else ())}
    pieces = [None, "", "7", "ab-12", "x" * 33, "y" * 101, "10 02", "é", "3.5"]
    for _ in range(200):
        count = randomly.randint(0, 6)
        columns = {c: [randomly.choice(pieces) for _ in range(count)] for c in watched if randomly.random() < 0.9}
        refused = {i for i in range(count)
                   if ils.value_problems(file_format, {c: values[i] for c, values in columns.items()})}
        assert refused <= ils.suspect_rows(file_format, columns, count), columns
