"""Each student's class (homeroom, teacher or section): read from a OneRoster zip or a plain CSV's column, kept
as the data-sharing spec allows, shown on the drive's student list, and a whole class's cards set in one step."""
import io
import zipfile
from datetime import date, datetime

from sqlalchemy import select

from tests.card_fixtures import ALL_FIELDS, SETUP, import_roster, set_up_cards, users_csv
from tracker.audit.models import AuditEvent
from tracker.cards import drives, privacy, roster, undo
from tracker.cards.models import DataSharingSpec, DriveCount, Student
from tracker.extensions import db
from tracker.validation import Invalid

ROWS = [("a", "sch-north", "Ann", "Lee", "03", "1"), ("b", "sch-north", "Bo", "Kim", "03", "2"),
        ("c", "sch-north", "Cy", "Ng", "04", "3"), ("d", "sch-north", "Di", "Oh", "03", "4")]
CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds\n"
           "hr-1,,,Room 3A (Ms Park),03,,3A,homeroom,,sch-north,\n"
           "hr-2,,,Room 4B (Mr Diaz),04,,4B,homeroom,,sch-north,\n"
           "math,,,Maths 3,03,,M3,scheduled,,sch-north,\n")
ENROLMENTS = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary\n"
              "e1,,,math,sch-north,a,student,false\n"  # a scheduled class first: the homeroom still wins
              "e2,,,hr-1,sch-north,a,student,true\n"
              "e3,,,hr-1,sch-north,b,student,true\n"
              "e4,,,hr-2,sch-north,c,student,true\n"
              "e5,,,hr-1,sch-north,teacher-1,teacher,true\n"
              "e6,,,math,sch-north,d,student,false\n")  # no homeroom: the one class there is


def oneroster_zip(rows=ROWS, classes=CLASSES, enrolments=ENROLMENTS) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("users.csv", users_csv(rows))
        archive.writestr("classes.csv", classes)
        archive.writestr("enrollments.csv", enrolments)
    return out.getvalue()


def classes() -> dict[str, str]:
    db.session.expire_all()
    return {s.source_id: s.class_name for s in db.session.scalars(select(Student))}


def row(drive, grade: str, school_id: int) -> DriveCount:
    db.session.expire_all()
    return db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.grade == grade,
                                                       DriveCount.school_id == school_id)).one()


def test_a_oneroster_zip_gives_each_student_their_homeroom(world):
    set_up_cards(world, spec={"allowed_fields": [*ALL_FIELDS, "class_name"]})
    import_roster(world, oneroster_zip(), name="north.zip")
    assert classes() == {"a": "Room 3A (Ms Park)", "b": "Room 3A (Ms Park)", "c": "Room 4B (Mr Diaz)", "d": "Maths 3"}


def test_the_class_is_kept_only_when_the_spec_allows_it(world):
    set_up_cards(world)  # the spec does not list the class
    staged = import_roster(world, oneroster_zip(), name="north.zip")
    assert set(classes().values()) == {""}
    assert "classes.csv" in staged.summary["dropped_columns"]


def test_a_plain_csvs_homeroom_column_is_recognised_and_kept(world, login):
    _programme, drive = set_up_cards(world, spec={"allowed_fields": [*ALL_FIELDS, "class_name"]})
    staff = login(world.emails["library_staff"])
    a = drive.agreement_id
    data = b"Student ID,First Name,Last Name,Grade,Homeroom\n11,Eva,Ruiz,3,Room 3A\n12,Finn,Moe,3,Room 3B\n"
    made = staff.post(f"/agreements/{a}/roster/imports", {"school_id": str(world.orgs["north"].id),
                                                          "file": (io.BytesIO(data), "north.csv")}, content_type="multipart/form-data")
    assert made.status_code == 303
    page = staff.get(made.headers["Location"]).text
    assert 'name="column_4"' in page
    chosen = page.split('name="column_4"', 1)[1].split("</select>", 1)[0]
    assert '<option selected value="class_name">' in chosen  # Homeroom is taken for the class
    staged_id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    mapped = staff.post(f"/agreements/{a}/roster/imports/{staged_id}/mapping",
                        {"column_0": "source_id", "column_1": "given_name", "column_2": "family_name", "column_3": "grade",
                         "column_4": "class_name"})
    assert mapped.status_code in (200, 303)
    from tracker.cards.models import RosterImport
    roster.commit(SETUP, db.session.get(RosterImport, staged_id), choice="mark")
    assert classes() == {"11": "Room 3A", "12": "Room 3B"}


def test_a_whole_class_in_one_step_moves_each_grades_counts(world, login):
    _programme, drive = set_up_cards(world, spec={"allowed_fields": [*ALL_FIELDS, "class_name"]})
    import_roster(world, oneroster_zip(), name="north.zip")
    drives.enrolment_from_roster(SETUP, drive)
    north = world.orgs["north"].id
    a = db.session.scalars(select(Student).where(Student.source_id == "a")).one()
    drives.set_card_status(SETUP, drive, a, "already_had")
    staff = login(world.emails["library_staff"])
    school_page = f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{north}"
    page = staff.get(school_page).text
    assert "Room 3A (Ms Park)" in page and "Record for the whole class" in page
    response = staff.post(f"{school_page}/class-cards", {"class_name": "Room 3A (Ms Park)", "status": "issued"})
    assert response.status_code == 303
    assert {k: v for k, v in {s.source_id: s.card_status for s in db.session.scalars(select(Student))}.items()} == \
        {"a": "issued", "b": "issued", "c": "", "d": ""}
    assert (row(drive, "03", north).issued, row(drive, "03", north).already_had) == (2, 0)
    shown = staff.get(response.headers["Location"]).text
    assert "2 students of class Room 3A (Ms Park) recorded." in shown
    assert "Kim, Bo" in shown and "Ng, Cy" not in shown  # the list shows that class (as "family, given": a random CSRF token can hold "Cy")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "student.card_status")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes["class"] == [None, "Room 3A (Ms Park)"]
    # A class nobody is in is refused with words, and changes nothing.
    refused = staff.post(f"{school_page}/class-cards", {"class_name": "Room 9Z", "status": "issued"})
    assert refused.status_code == 303 and "Not a valid choice" in staff.get(refused.headers["Location"]).text
    try:
        drives.set_class_status(SETUP, drive, north, "Room 9Z", "issued")
        raise AssertionError("refused")
    except Invalid as problem:
        assert "No student of the drive's grades" in str(problem.errors)
    # A viewer may not record cards.
    assert login(world.emails["viewer"]).post(f"{school_page}/class-cards", {"class_name": "Room 4B (Mr Diaz)",
                                                                             "status": "issued"}).status_code in (403, 404)


def test_the_import_undo_restores_classes_and_the_purge_removes_them(world):
    set_up_cards(world, spec={"allowed_fields": [*ALL_FIELDS, "class_name"]})
    import_roster(world, oneroster_zip(), name="north.zip")
    moved = ENROLMENTS.replace("e3,,,hr-1,sch-north,b", "e3,,,hr-2,sch-north,b")
    second = import_roster(world, oneroster_zip(enrolments=moved), name="north.zip")
    assert classes()["b"] == "Room 4B (Mr Diaz)" and second.summary["updated"] == 1
    undo.undo(SETUP, second, datetime.utcnow())
    assert classes()["b"] == "Room 3A (Ms Park)"
    spec = db.session.scalars(select(DataSharingSpec).where(DataSharingSpec.agreement_id == world.agreements["own"].id)).one()
    spec.destroy_on = date(2027, 1, 1)
    db.session.commit()
    assert privacy.purge(SETUP, date(2027, 1, 2)) and classes() == {}  # the students go, their classes with them


def test_a_grade_tallied_by_hand_is_never_recorded_past_its_enrolment(world, login):
    """A school whose counts were tallied by hand, then recorded per student: refused with words, nothing moved."""
    _programme, drive = set_up_cards(world, spec={"allowed_fields": [*ALL_FIELDS, "class_name"]})
    import_roster(world, oneroster_zip(), name="north.zip")
    drives.enrolment_from_roster(SETUP, drive)
    north = world.orgs["north"].id
    grade3 = row(drive, "03", north)
    assert grade3.enrolment == 3
    drives.record_counts(SETUP, grade3, {"issued": 0}, {"issued": 2})  # two cards counted by hand
    staff = login(world.emails["library_staff"])
    school_page = f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{north}"
    response = staff.post(f"{school_page}/class-cards", {"class_name": "Room 3A (Ms Park)", "status": "issued"})
    assert response.status_code == 303
    shown = staff.get(response.headers["Location"]).text
    assert "Grade 03 already counts 2 of its 3 students" in shown and "Correct the grade" in shown
    assert "%" not in shown.split("Grade 03 already counts", 1)[1].split("</", 1)[0]
    assert (row(drive, "03", north).issued, set(classes())) == (2, {"a", "b", "c", "d"})
    assert {s.card_status for s in db.session.scalars(select(Student))} == {""}
    # One student at a time likewise: the third card fits, a fourth student would not.
    d = db.session.scalars(select(Student).where(Student.source_id == "d")).one()
    drives.set_card_status(SETUP, drive, d, "issued")
    assert row(drive, "03", north).issued == 3
    a = db.session.scalars(select(Student).where(Student.source_id == "a")).one()
    one = staff.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/students/{a.id}/card", {"status": "already_had"},
                     headers={"HX-Request": "true"})
    assert one.status_code == 422 and "already counts 3 of its 3 students" in one.text
    assert (row(drive, "03", north).issued, row(drive, "03", north).already_had) == (3, 0)
    # Moving a student from one status to another never adds anyone, so it is allowed.
    drives.set_card_status(SETUP, drive, d, "already_had")
    assert (row(drive, "03", north).issued, row(drive, "03", north).already_had) == (2, 1)
