"""Roster import: every format, the bad-input corpus, re-imports, and all-or-nothing commits."""
import codecs
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
from tracker.audit.models import AuditEvent
from tracker.cards import roster
from tracker.cards.models import ColumnMapping, OptOut, RosterImport, Student
from tracker.extensions import db
from tracker.validation import Invalid

FIXTURES = Path(__file__).parent / "fixtures" / "rosters"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def zipped(folder: str, leave_out: tuple = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted((FIXTURES / folder).iterdir()):
            if path.name not in leave_out:
                archive.write(path, path.name)
    return out.getvalue()


def students() -> dict[str, Student]:
    db.session.expire_all()
    return {s.source_id: s for s in db.session.scalars(select(Student))}


def problems(staged) -> list[tuple]:
    return [(e["file"], e["row"], e["column"]) for e in staged.summary["errors"]]


@pytest.fixture
def cards(world):
    return set_up_cards(world)


def test_oneroster_11_users_csv_keeps_students_of_the_agreements_schools(world, cards):
    staged = import_roster(world, fixture("oneroster11_users.csv"), commit=False)
    s = staged.summary
    assert (s["format"], s["rows_read"], s["new"], s["not_students"], s["error_count"]) == ("oneroster-1.1", 6, 4, 2, 0)
    assert students() == {}  # nothing written by the preview
    roster.commit(SETUP, staged)
    saved = students()
    assert sorted(saved) == ["stu-001", "stu-002", "stu-003", "stu-005"]
    assert saved["stu-002"].school_id == world.orgs["north"].id  # the first of its orgs this agreement covers
    assert (saved["stu-003"].family_name, saved["stu-005"].grade, saved["stu-001"].identifier) == ("Díaz", "K", "100001")


def test_oneroster_zip_takes_birth_dates_from_demographics(world, cards):
    staged = import_roster(world, zipped("oneroster11_zip"), name="rusd-roster.zip")
    assert staged.summary["format"] == "oneroster-zip"
    assert str(students()["stu-101"].birth_date) == "2017-04-09"


ROLES_12 = (b"sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n"
            b"r1,,,stu-201,primary,student,,,sch-north,\nr2,,,stu-202,primary,student,,,,\nr3,,,tch-201,primary,teacher,,,sch-north,\n")
USERS_12_EXTRA = b"tch-201,,,true,tom.bay,,Tom,Bay,,T-201,,,,,,,MI-301,,,,,sch-north,\n"


def zip_of(files: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_oneroster_12_zip_takes_roles_and_schools_from_roles_csv(world, cards):
    users = fixture("oneroster12_users.csv") + USERS_12_EXTRA
    staged = import_roster(world, zip_of({"users.csv": users, "roles.csv": ROLES_12}), name="v12.zip", commit=False)
    s = staged.summary
    assert (s["format"], s["new"], s["not_students"]) == ("oneroster-zip", 2, 1)  # the teacher is not a student
    roster.commit(SETUP, staged)
    assert students()["stu-202"].grade == "05" and "tch-201" not in students()


def test_a_oneroster_12_users_csv_alone_is_refused_never_read_as_all_students(world, cards):
    staged = import_roster(world, fixture("oneroster12_users.csv"), commit=False)
    assert staged.status == "failed" and "roles.csv" in staged.summary["fatal"]
    assert "does not say who is a student" in staged.summary["fatal"] and students() == {}


def test_a_oneroster_11_users_csv_missing_a_column_names_it(world, cards):
    data = fixture("oneroster11_users.csv").replace(b"givenName,", b"")
    staged = import_roster(world, data, commit=False)
    assert staged.summary["fatal"] == "users.csv lacks the required column givenName."


def test_a_blank_school_is_reported_as_such(world, cards):
    users = fixture("oneroster12_users.csv").replace(b"MI-202,,,,,sch-north", b"MI-202,,,,,")
    roles = ROLES_12.replace(b"stu-201,primary,student,,,sch-north", b"stu-201,primary,student,,,")
    staged = import_roster(world, zip_of({"users.csv": users, "roles.csv": roles}), name="v12.zip", commit=False)
    messages = {e["row"]: (e["column"], e["message"]) for e in staged.summary["errors"]}
    assert messages[3] == ("primaryOrgSourcedId", "primaryOrgSourcedId is blank and roles.csv names no school for this "
                                                  "student, so the row was left out.")
    blank_11 = import_roster(world, users_csv([("a", "", "Ann", "Lee", "03", "1")]), commit=False)
    assert blank_11.summary["errors"][0]["message"].startswith("orgSourcedIds is blank")


def test_a_plain_csv_is_mapped_once_per_school_and_the_mapping_remembered(world, cards, login):
    agreement, north = world.agreements["own"], world.orgs["north"]
    staff = login(world.emails["library_staff"])
    upload = {"file": (io.BytesIO(fixture("plain_school_cp1252.csv")), "north.csv"), "school_id": str(north.id)}
    response = staff.post(f"/agreements/{agreement.id}/roster/imports", upload, content_type="multipart/form-data")
    assert response.status_code == 303
    page = staff.get(response.headers["Location"])
    assert "Map the columns" in page.text and "Home Room" in page.text
    staged = db.session.scalars(select(RosterImport)).one()
    mapping = {"column_0": "source_id", "column_1": "given_name", "column_2": "family_name", "column_3": "grade",
               "column_4": "birth_date", "column_5": ""}
    assert staff.post(f"/agreements/{agreement.id}/roster/imports/{staged.id}/mapping", mapping).status_code == 303
    preview = staff.get(f"/agreements/{agreement.id}/roster/imports/{staged.id}").text
    assert "Commit the roster" in preview
    assert staff.post(f"/agreements/{agreement.id}/roster/imports/{staged.id}/commit").status_code == 303
    saved = students()
    assert (saved["5001"].given_name, saved["5001"].family_name, saved["5001"].grade) == ("Zoë", "Müller", "03")
    assert str(saved["5002"].birth_date) == "2016-11-23"
    # The next file from the same school goes straight to the preview.
    again = {"file": (io.BytesIO(fixture("plain_school_cp1252.csv")), "north.csv"), "school_id": str(north.id)}
    location = staff.post(f"/agreements/{agreement.id}/roster/imports", again, content_type="multipart/form-data").headers["Location"]
    assert "Unchanged" in staff.get(location).text
    assert db.session.scalars(select(RosterImport).order_by(RosterImport.id.desc())).first().summary["unchanged"] == 2
    assert db.session.scalar(select(func.count(ColumnMapping.id))) == 1
    # A file whose columns changed goes back to the mapping, saying why.
    changed = {"file": (io.BytesIO(b"ID;Vorname;Nachname\n7;Ana;Lima\n"), "north.csv"), "school_id": str(north.id)}
    location = staff.post(f"/agreements/{agreement.id}/roster/imports", changed, content_type="multipart/form-data").headers["Location"]
    remap = staff.get(location).text
    assert "Map the columns" in remap and "The saved mapping does not fit this file" in remap and "Vorname" in remap


def test_reimport_updates_instead_of_duplicating_and_marks_leavers(world, cards):
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1"), ("b", "sch-north", "Bo", "Kim", "04", "2")]))
    first_ids = {k: s.id for k, s in students().items()}
    staged = import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee-Park", "04", "1"), ("c", "sch-north", "Cy", "Diaz", "05", "3")]),
                           commit=False)
    s = staged.summary
    assert (s["new"], s["updated"], s["unchanged"], s["left"]) == (1, 1, 0, 1)
    assert any("1 of its 2 students (50%) would be marked as left" in w for w in s["warnings"])
    roster.commit(SETUP, staged, choice="mark")
    saved = students()
    assert len(saved) == 3 and saved["a"].id == first_ids["a"]
    assert (saved["a"].family_name, saved["a"].grade) == ("Lee-Park", "04")
    assert (saved["b"].active, saved["b"].left_on is not None) == (False, True)  # marked, not deleted
    assert saved["c"].active


def test_a_preview_kept_by_the_earlier_version_still_commits(world, cards):
    """Previews kept a list per student before they kept a list per field; one made before an upgrade and committed
    after it writes the same roster."""
    import json

    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1")]))
    staged = import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee-Park", "04", "1"),
                                             ("c", "sch-north", "Cy", "Diaz", "05", "3")]), commit=False)
    kept = json.loads(staged.parsed)
    assert kept["columns"][1] == ["a", "c"]  # the source ids, a list per field
    staged.parsed = json.dumps({"records": [list(row) for row in zip(*kept["columns"])], "left": kept["left"]})
    db.session.commit()
    assert roster.commit(SETUP, staged) == {"new": 1, "updated": 1, "left": 0}
    saved = students()
    assert (saved["a"].family_name, saved["a"].grade, saved["c"].given_name) == ("Lee-Park", "04", "Cy")


def test_columns_outside_the_spec_are_dropped_and_the_preview_says_so(world):
    set_up_cards(world, spec={"allowed_fields": ["given_name", "family_name", "grade"]}, prog={"pin_rule": "none"})
    staged = import_roster(world, fixture("oneroster11_users.csv"), commit=False)
    assert staged.summary["dropped_columns"] == ["email", "identifier", "middleName", "username"]
    roster.commit(SETUP, staged)
    ann = students()["stu-001"]
    assert (ann.email, ann.identifier, ann.middle_name, ann.username, ann.given_name) == ("", "", "", "", "Ann")


def test_opted_out_students_are_excluded_from_the_import(world, cards):
    db.session.add(OptOut(agreement_id=world.agreements["own"].id, source_id="stu-003", opted_out_on=__import__("datetime").date(2026, 9, 1)))
    db.session.commit()
    staged = import_roster(world, fixture("oneroster11_users.csv"))
    assert staged.summary["opted_out"] == 1
    assert "stu-003" not in students()


def test_a_student_opted_out_after_the_preview_is_not_written_by_the_commit(world, cards):
    """Between preview and commit a family opts out: the commit leaves that student out, new or already on the roster."""
    from datetime import date

    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1")]))
    staged = import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee-Park", "03", "1"), ("b", "sch-north", "Bo", "Kim", "04", "2"),
                                             ("c", "sch-north", "Cy", "Diaz", "05", "3")]), commit=False)
    assert (staged.summary["new"], staged.summary["updated"]) == (2, 1)
    for source_id in ("a", "b"):
        db.session.add(OptOut(agreement_id=world.agreements["own"].id, source_id=source_id, opted_out_on=date(2026, 9, 1)))
    db.session.commit()
    assert roster.commit(SETUP, staged) == {"new": 1, "updated": 0, "left": 0}
    saved = students()
    assert sorted(saved) == ["a", "c"] and saved["a"].family_name == "Lee"


@pytest.mark.parametrize("encode", [
    lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    lambda text: text.encode("utf-16"),
    lambda text: text.encode("cp1252"),
    lambda text: text.replace(",", ";").encode("utf-8"),
], ids=["utf8-bom", "utf16", "windows-1252", "semicolons"])
def test_encodings_and_separators(world, cards, encode):
    text = users_csv([("a", "sch-north", "Zoë", "Côté", "03", "1")]).decode()
    staged = import_roster(world, encode(text))
    assert staged.summary["error_count"] == 0
    assert students()["a"].given_name == "Zoë" and students()["a"].family_name == "Côté"


def test_bad_rows_are_reported_with_row_and_column_and_good_rows_still_preview(world, cards):
    staged = import_roster(world, fixture("bad_rows_users.csv"), name="bad.csv", commit=False)
    s = staged.summary
    assert problems(staged) == [
        ("bad.csv", 3, "sourcedId"), ("bad.csv", 7, "givenName"), ("bad.csv", 8, "grades"), ("users.csv", 6, "orgSourcedIds"),
    ]
    messages = " ".join(e["message"] for e in s["errors"])
    assert "Duplicate id stu-301: already on row 2" in messages and "Unknown school sch-nowhere" in messages
    assert "Unknown grade 13" in messages
    assert (s["duplicates"], s["empty_rows"], s["new"]) == (1, 2, 2)


@pytest.mark.parametrize("name, data, message", [
    ("missing.csv", fixture("missing_columns_users.csv"), "missing.csv lacks the required columns enabledUser, username, orgSourcedIds, role."),
    ("roster.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "roster.png is not a CSV file"),
    ("roster.zip", zipped("oneroster11_zip", leave_out=("users.csv",)), "roster.zip has no users.csv"),
    ("empty.csv", b"\n", "empty.csv is not a OneRoster users.csv"),
], ids=["missing-columns", "not-csv", "zip-without-users", "empty"])
def test_unreadable_files_fail_with_a_message_naming_the_file(world, cards, name, data, message):
    staged = import_roster(world, data, name=name, commit=False)
    assert staged.status == "failed" and message in staged.summary["fatal"]
    with pytest.raises(Invalid):
        roster.commit(SETUP, staged)


@pytest.mark.committed  # the job runs in a thread
def test_a_ten_megabyte_line_is_refused_as_a_row_error(world, cards):
    good = users_csv([("a", "sch-north", "Ann", "Lee", "03", "1")])
    huge = good + b'b,,,true,sch-north,student,b,,' + b"X" * 10_000_000 + b",Kim,,2,,,,,03,\n"
    staged = import_roster(world, huge, commit=False)
    assert staged.job_id  # over a megabyte: read as a job
    from tests.test_jobs import wait_for

    assert wait_for(staged.job_id).status == "done"
    db.session.expire_all()
    staged = db.session.get(RosterImport, staged.id)
    assert staged.summary["new"] == 1
    assert problems(staged) == [("users.csv", 3, "")] and "10,000" in staged.summary["errors"][0]["message"]


def test_no_spec_no_import(world):
    with pytest.raises(Invalid, match="data-sharing spec"):
        roster.upload(SETUP, world.agreements["own"], "users.csv", users_csv([]), None, None)


def test_a_failed_commit_leaves_the_previous_roster_intact(world, cards, monkeypatch):
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1")]))
    staged = import_roster(world, users_csv([("a", "sch-north", "Ann", "Changed", "03", "1"), ("b", "sch-north", "Bo", "Kim", "04", "2")]),
                           commit=False)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tracker.cards.roster.audit.record", broken)
    with pytest.raises(RuntimeError):
        roster.commit(SETUP, staged)
    saved = students()
    assert list(saved) == ["a"] and saved["a"].family_name == "Lee"
    assert db.session.get(RosterImport, staged.id).status == "previewed"


def test_commit_through_the_pages_and_the_audit_log_has_no_student_names(world, cards, login):
    staff = login(world.emails["library_staff"])
    agreement = world.agreements["own"]
    upload = {"file": (io.BytesIO(fixture("oneroster11_users.csv")), "users.csv"), "school_id": ""}
    location = staff.post(f"/agreements/{agreement.id}/roster/imports", upload, content_type="multipart/form-data").headers["Location"]
    preview = staff.get(location).text
    assert "Rows read" in preview and "Nothing has been written yet." in preview
    import_id = location.rsplit("/", 1)[1]
    assert staff.post(f"/agreements/{agreement.id}/roster/imports/{import_id}/commit").status_code == 303
    again = staff.post(f"/agreements/{agreement.id}/roster/imports/{import_id}/commit")
    assert again.status_code == 422 and "not ready to commit" in again.text
    roster_page = staff.get(f"/agreements/{agreement.id}/roster").text
    assert "Díaz" in roster_page
    logged = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEvent)))
    assert "roster.imported" in {e.action for e in db.session.scalars(select(AuditEvent))}
    for name in ("Ann", "Díaz", "Kim", "ann.lee"):
        assert name not in logged


def test_an_upload_without_a_file_is_refused_next_to_the_field(world, cards, login):
    staff = login(world.emails["library_staff"])
    response = staff.post(f"/agreements/{world.agreements['own'].id}/roster/imports", {"school_id": ""},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a roster file." in response.text


@pytest.mark.committed  # the job runs in a thread
def test_a_large_file_is_read_as_a_job_with_progress(app, world, cards, login):
    from tests.test_jobs import wait_for

    app.config["ROSTER_JOB_BYTES"] = 1000
    try:
        rows = [(f"s{i}", "sch-north", "Ann", f"Lee{i}", "03", str(i)) for i in range(200)]
        staged = roster.upload(SETUP, world.agreements["own"], "big.csv", users_csv(rows), None, None)
    finally:
        app.config["ROSTER_JOB_BYTES"] = 1_000_000
    assert staged.job_id
    job = wait_for(staged.job_id)
    assert job.status == "done", job.message
    db.session.expire_all()
    staged = db.session.get(RosterImport, staged.id)
    assert (staged.status, staged.summary["new"]) == ("previewed", 200)
    assert job.result["url"].endswith(f"/roster/imports/{staged.id}")
    # The page polling the job moves on to the preview by itself.
    staff = login(world.emails["library_staff"])
    polled = login(world.emails["admin"]).get(f"/jobs/{job.id}", headers={"HX-Request": "true"})  # started by no one
    assert polled.status_code == 200
    assert polled.headers["HX-Redirect"] == job.result["url"]
    # Committing so many students is a job too; the commit button leads to its progress.
    app.config["ROSTER_JOB_ROWS"] = 100
    try:
        response = staff.post(f"/agreements/{staged.agreement_id}/roster/imports/{staged.id}/commit")
    finally:
        app.config["ROSTER_JOB_ROWS"] = 20_000
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    db.session.expire_all()
    written = wait_for(db.session.get(RosterImport, staged.id).job_id)
    assert (written.status, written.result["new"]) == ("done", 200), written.message
    assert db.session.scalar(select(func.count(Student.id))) == 200


def test_a_zip_whose_roster_unpacks_too_large_is_refused_before_it_is_read(app, world, cards):
    """A small zip can hold a huge users.csv (a zip bomb): refused by its declared size, nothing read or kept."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", fixture("oneroster11_users.csv") + b"\n" * 3_000_000)
    saved = app.config["ROSTER_MAX_UNZIPPED_BYTES"]
    app.config["ROSTER_MAX_UNZIPPED_BYTES"] = 1024 * 1024
    try:
        staged = import_roster(world, buffer.getvalue(), name="bomb.zip", commit=False)
    finally:
        app.config["ROSTER_MAX_UNZIPPED_BYTES"] = saved
    assert len(buffer.getvalue()) < 100_000
    assert staged.status == "failed" and "users.csv unpacks to more than 1 MB" in staged.summary["fatal"]
