"""Card drives: recording counts (inline, per student, concurrently), progress and its exports,
the programme and spec on the agreement page, and what the lead wires into the dashboard and reports."""
import io
import threading
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
from tracker.calendar import key_dates
from tracker.cards import drives, programme
from tracker.cards.models import CardDrive, DriveCount, Student
from tracker.extensions import db


def grade_row(drive, grade: str) -> DriveCount:
    db.session.expire_all()
    return db.session.scalar(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.grade == grade))


def count_form(count: DriveCount, **wanted) -> dict:
    fields = ("enrolment", "target_percent", "classrooms", "issued", "already_had", "cannot_issue", "cannot_issue_reason", "opted_out")
    form = {f"read_{f}": "" if getattr(count, f) is None else str(getattr(count, f)) for f in fields}
    form.update({f: "" if getattr(count, f) is None else str(getattr(count, f)) for f in fields})
    form.update({k: str(v) for k, v in wanted.items()})
    return form


def test_agreement_page_shows_programme_spec_and_drives(world, login):
    set_up_cards(world)
    page = login(world.emails["viewer"]).get(f"/agreements/{world.agreements['own'].id}/cards").text
    assert "Card programme" in page and "Prefix + student id" in page and "Birth month and year (MMYYYY)" in page
    assert "Data-sharing spec" in page and "August 30, 2029" in page  # 30 days after the end on July 31, 2029
    assert "September own" in login(world.emails["viewer"]).get(f"/agreements/{world.agreements['own'].id}/drives").text


def test_the_drives_part_gives_each_drive_its_dates_and_progress_below_a_party_their_schools_only(world, login):
    _p, drive = set_up_cards(world)
    drives.record_counts(SETUP, grade_row(drive, "04"), {}, {"enrolment": 50, "issued": 20, "already_had": 10})
    db.session.add(DriveCount(drive_id=drive.id, school_id=world.orgs["south"].id, grade="04", enrolment=150, issued=150))
    db.session.commit()
    url = f"/agreements/{world.agreements['own'].id}/drives"

    whole = login(world.emails["library_staff"]).get(url).text
    assert "September 1, 2026 – September 30, 2026" in whole
    assert "180 of 200; target 90%" in whole and ">Covered<" in whole

    librarian = login(world.emails["school_librarian"]).get(url).text  # North School's
    assert "30 of 50; target 90%" in librarian and "Covered at your school<" in librarian
    assert "180 of 200" not in librarian


def test_programme_and_spec_forms_check_their_input(world, login):
    staff = login(world.emails["library_staff"])
    a = world.agreements["own"].id
    bad = staff.post(f"/agreements/{a}/card-programme", {"card_model": "full", "card_form": "physical", "consent_model": "opt_out",
                                                        "barcode_source": "identifier", "pin_rule": "none", "expiry_month": "2",
                                                        "expiry_day": "30", "ils": "koha", "patron_category": "ST"})
    assert bad.status_code == 422 and "This day does not exist in that month." in bad.text
    spec = staff.post(f"/agreements/{a}/data-sharing", {"legal_basis": "directory", "transfer_method": "sftp",
                                                      "transfer_frequency": "nightly"})
    assert spec.status_code == 422 and "Allow at least one field" in spec.text
    good = staff.post(f"/agreements/{a}/data-sharing", {"allowed_fields": ["given_name", "family_name", "grade"],
                                                       "legal_basis": "directory", "transfer_method": "sftp",
                                                       "transfer_frequency": "nightly", "destroy_on": "2027-07-31"})
    assert good.status_code == 303
    [destroy] = key_dates.collect([a], date(2027, 7, 1), date(2027, 8, 31), kinds={"data_destruction"})
    assert (destroy.on, destroy.agreement_title) == (date(2027, 7, 31), "Lakeside Card MOU")
    assert login(world.emails["school_librarian"]).get(f"/agreements/{a}/data-sharing").status_code == 403


def test_creating_a_drive_makes_a_row_per_school_and_grade(world, login):
    set_up_cards(world)
    staff = login(world.emails["library_staff"])
    a = world.agreements["own"].id
    refused = staff.post(f"/agreements/{a}/drives/new", {"name": "Spring", "status": "planning", "target_percent": "85",
                                                        "starts_on": "2027-03-01", "ends_on": "2027-02-01"})
    assert refused.status_code == 422 and "Choose at least one grade." in refused.text and "cannot end before it starts" in refused.text
    made = staff.post(f"/agreements/{a}/drives/new", {"name": "Spring", "status": "planning", "target_percent": "85",
                                                     "grades": ["K", "01"], "school_ids": [str(world.orgs["north"].id)]})
    assert made.status_code == 303
    drive = db.session.scalar(select(CardDrive).where(CardDrive.name == "Spring"))
    assert sorted((c.school.name, c.grade) for c in drive.counts) == [("North School", "01"), ("North School", "K")]
    # Changing the grades adds rows, and drops the rows of removed grades where nothing was counted.
    kindergarten = next(c for c in drive.counts if c.grade == "K")
    drives.record_counts(SETUP, kindergarten, {}, {"issued": 3})
    edited = staff.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/edit", {"name": "Spring", "status": "forms_out", "target_percent": "85",
                                                     "grades": ["02"]})
    assert edited.status_code == 303
    db.session.expire_all()
    assert sorted(c.grade for c in db.session.get(CardDrive, drive.id).counts) == ["02", "K"]


def test_inline_edit_of_a_grade_row_and_the_progress_it_shows(world, login):
    _p, drive = set_up_cards(world)
    librarian = login(world.emails["school_librarian"])
    row = grade_row(drive, "03")
    form = librarian.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{row.id}/edit", htmx=True)
    assert form.status_code == 200 and "<html" not in form.text and 'name="read_issued"' in form.text
    saved = librarian.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{row.id}", count_form(row, enrolment=100, issued=70, already_had=15), htmx=True)
    assert saved.status_code == 200 and "85%" in saved.text and ">80%<" in saved.text and ">85%<" in saved.text
    assert ">90%<" not in saved.text
    bad = librarian.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{row.id}", count_form(grade_row(drive, "03"), issued=-1), htmx=True)
    assert bad.status_code == 422 and "Give a number from 0 to 100,000." in bad.text
    page = login(world.emails["viewer"]).get(f"/agreements/{drive.agreement_id}/drives/{drive.id}").text
    assert 'value="85.0"' in page and "North School" in page and "<svg" in page
    assert login(world.emails["viewer"]).post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{row.id}", count_form(row), htmx=True).status_code == 403


def test_two_people_adding_to_the_same_row_both_count(world, login):
    _p, drive = set_up_cards(world)
    row = grade_row(drive, "04")
    first, second = login(world.emails["school_librarian"]), login(world.emails["library_staff"])
    read_at = count_form(row)  # both opened the row with issued = 0
    assert first.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{row.id}", {**read_at, "issued": "5"}, htmx=True).status_code == 200
    assert second.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{row.id}", {**read_at, "issued": "3"}, htmx=True).status_code == 200
    assert grade_row(drive, "04").issued == 8


@pytest.mark.committed  # threads, each on a connection of its own
def test_concurrent_count_updates_on_real_connections_both_count(app, world, is_postgres):
    """Two database connections apply their increments at the same moment: no update is lost."""
    _p, drive = set_up_cards(world)
    row = grade_row(drive, "05")
    count_id, drive_id = row.id, drive.id
    db.session.remove()
    barrier = threading.Barrier(2)
    errors = []

    def record(name, issued):
        with app.app_context():
            try:
                mine = db.session.get(DriveCount, count_id)
                read = {"issued": mine.issued, "already_had": mine.already_had}
                barrier.wait()
                drives.record_counts(SETUP, mine, read, {"issued": issued, "already_had": read["already_had"] + 1})
            except Exception as exc:  # noqa: BLE001  reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=record, args=("a", 10)), threading.Thread(target=record, args=("b", 4))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    final = db.session.get(DriveCount, count_id)
    assert (final.issued, final.already_had, final.drive_id) == (14, 2, drive_id)


def test_recording_cards_per_student_moves_the_counts(world, login):
    _p, drive = set_up_cards(world)
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1"), ("b", "sch-north", "Bo", "Kim", "03", "2")]))
    ann = db.session.scalar(select(Student).where(Student.source_id == "a"))
    librarian = login(world.emails["school_librarian"])
    school_page = librarian.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{world.orgs['north'].id}").text
    assert "Lee, Ann" in school_page
    assert librarian.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/students/{ann.id}/card", {"status": "issued"}, htmx=True).status_code == 200
    assert grade_row(drive, "03").issued == 1
    assert librarian.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/students/{ann.id}/card", {"status": "already_had"}, htmx=True).status_code == 200
    row = grade_row(drive, "03")
    assert (row.issued, row.already_had) == (0, 1)
    assert "Lee, Ann" not in login(world.emails["viewer"]).get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{world.orgs['north'].id}").text


def test_enrolment_from_the_roster(world, login):
    _p, drive = set_up_cards(world)
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1"), ("b", "sch-north", "Bo", "Kim", "03", "2"),
                                    ("c", "sch-north", "Cy", "Ode", "05", "3")]))
    assert login(world.emails["library_staff"]).post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/enrolment").status_code == 303
    assert (grade_row(drive, "03").enrolment, grade_row(drive, "05").enrolment) == (2, 1)
    assert grade_row(drive, "04") is None  # no fourth graders in the roster and nothing counted: the row goes


def test_progress_table_as_csv_and_xlsx(world, login):
    _p, drive = set_up_cards(world)
    drives.record_counts(SETUP, grade_row(drive, "03"), {}, {"enrolment": 40, "issued": 30, "already_had": 6, "opted_out": 2})
    viewer = login(world.emails["viewer"])
    table = viewer.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/progress.csv")
    assert table.headers["Content-Type"].startswith("text/csv")
    lines = table.text.splitlines()
    assert lines[0].startswith("School,Enrolment,Target,Issued,Already had")
    assert lines[1].startswith("North School,40,90%,30,6,0,2,36,90%") and lines[2].startswith("Total,40,90%,30,6")
    book = openpyxl.load_workbook(io.BytesIO(viewer.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/progress.xlsx").data))
    assert book.sheetnames == ["By school", "By grade"]
    assert [c.value for c in book["By grade"][2]][:4] == ["03", 40, 0.9, 30]
    assert book["By grade"]["C2"].number_format == "0%" and book["By grade"]["B2"].number_format == "#,##0"
    assert viewer.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/progress.pdf").status_code == 404


def test_drive_progress_on_the_dashboard_and_cards_in_the_annual_report(world, login):
    _p, drive = set_up_cards(world)
    _p2, other = set_up_cards(world, "other")
    drives.record_counts(SETUP, grade_row(drive, "04"), {}, {"enrolment": 50, "issued": 20, "already_had": 10, "opted_out": 1})
    mine = drives.drive_progress([world.agreements["own"].id])
    assert [(d["id"], d["name"], d["enrolment"], d["issued"], d["already_had"], d["percent"], d["target"]) for d in mine] == [
        (drive.id, "September own", 50, 20, 10, 60.0, 90)]
    assert {d["id"] for d in drives.drive_progress(None)} == {drive.id, other.id}

    staff = login(world.emails["library_staff"])
    dashboard = staff.get("/").text
    assert "September own" in dashboard and "60%" in dashboard and "September other" not in dashboard
    own = world.agreements["own"].id
    report = staff.get(f"/reports/agreements/{own}?year=2026").text
    assert "Library cards" in report and "North School" in report and "60%" in report
    assert "No card drive started" in staff.get(f"/reports/agreements/{own}?year=2027").text


def test_the_dashboard_sums_the_ten_newest_drives_under_way_and_no_other(world):
    """The drives are chosen before their counts are summed: the ten newest under way, each with its own totals;
    an older one, and a newer one that is closed, are left out."""
    from datetime import timedelta

    north, own = world.orgs["north"].id, world.agreements["own"].id
    for i in range(12):
        drive = CardDrive(agreement_id=own, name=f"Drive {i:02d}", status="collecting", starts_on=date(2026, 1, 1) + timedelta(days=i),
                          ends_on=date(2026, 12, 31), grades=["04"], target_percent=90)
        db.session.add(drive)
        db.session.flush()
        db.session.add_all([DriveCount(drive_id=drive.id, school_id=north, grade=g, enrolment=10 + i, issued=i) for g in ("04", "05")])
    closed = CardDrive(agreement_id=own, name="Closed", status="closed", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30),
                       grades=["04"], target_percent=90)
    db.session.add(closed)
    db.session.commit()

    shown = drives.drive_progress(None)
    assert [(d["name"], d["enrolment"], d["issued"]) for d in shown] == [
        (f"Drive {i:02d}", 2 * (10 + i), 2 * i) for i in range(11, 1, -1)]
    assert [d["name"] for d in drives.drive_progress([own], limit=3)] == ["Drive 11", "Drive 10", "Drive 09"]


def test_a_schools_row_is_named_by_the_school_even_once_the_agreement_no_longer_covers_it(world):
    """Counts kept for a school that has since left the agreement's district still show that school's name."""
    _p, drive = set_up_cards(world)
    db.session.add(DriveCount(drive_id=drive.id, school_id=world.orgs["other_school"].id, grade="04", enrolment=5))
    db.session.commit()
    assert "Hill School" in {r["name"] for r in drives.by_school(drive)}


def test_drives_list_only_shows_drives_of_the_users_agreements(world, login):
    set_up_cards(world)
    set_up_cards(world, "other")
    page = login(world.emails["school_librarian"]).get("/drives").text
    assert "September own" in page and "September other" not in page


def test_the_demo_has_a_programme_a_roster_and_a_drive_part_way_through(app):
    from tests.test_demo import seed

    seed(app, "--password", "demo-password-1")
    drive = db.session.scalars(select(CardDrive)).one()
    assert db.session.scalar(select(func.count(Student.id))) == 2000
    assert programme.programme_of(drive.agreement_id).ils == "koha"
    assert programme.spec_of(drive.agreement_id).allowed_fields == ["given_name", "family_name", "identifier", "grade", "class_name"]
    schools = drives.by_school(drive)
    assert len(schools) == 8 and all(r["enrolment"] == 250 for r in schools)
    assert 0 < drives.total(drive)["percent"] < 90
    assert any(r["badges"] for r in schools) and any(not r["badges"] for r in schools)


def test_school_librarians_see_only_their_own_schools_students(world, login):
    """North's librarian works in North School; South School's students are not theirs to see."""
    from tracker.agreements import service as agreements

    agreement = world.agreements["own"]
    agreements.add_party(SETUP, agreement, {"organisation_id": world.orgs["south"].id, "role": "partner"}, agreement.version)
    _p, drive = set_up_cards(world)
    import_roster(world, users_csv([("n1", "sch-north", "Nia", "North", "03", "1"), ("s1", "sch-south", "Sol", "South", "03", "2")]))
    south = db.session.scalar(select(Student).where(Student.source_id == "s1"))
    librarian, staff = login(world.emails["school_librarian"]), login(world.emails["library_staff"])
    roster_page = librarian.get(f"/agreements/{agreement.id}/roster").text
    assert "North, Nia" in roster_page and "South, Sol" not in roster_page
    assert "South, Sol" not in librarian.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{world.orgs['south'].id}").text
    assert librarian.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/students/{south.id}/card", {"status": "issued"}).status_code == 404
    assert "South, Sol" in staff.get(f"/agreements/{agreement.id}/roster").text


def test_copy_last_years_drive_makes_the_next_with_the_same_schools_and_targets(world, login):
    from tracker.cards.models import CardDrive

    _programme, drive = set_up_cards(world)
    drive.name = "Sign-up Month 2026"
    first = drive.counts[0]
    first.target_percent, first.issued = 95, 12
    db.session.commit()
    staff = login(world.emails["library_staff"])
    response = staff.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/copy")
    assert response.status_code == 303
    copy = db.session.scalars(select(CardDrive).where(CardDrive.id != drive.id)).one()
    assert (copy.name, copy.starts_on, copy.ends_on, copy.status) == ("Sign-up Month 2027", date(2027, 9, 1), date(2027, 9, 30), "planning")
    assert (copy.grades, copy.target_percent) == (drive.grades, drive.target_percent)
    rows = {(c.school_id, c.grade): c for c in copy.counts}
    assert set(rows) == {(c.school_id, c.grade) for c in drive.counts}
    assert rows[(first.school_id, first.grade)].target_percent == 95 and rows[(first.school_id, first.grade)].issued == 0
    assert login(world.emails["school_librarian"]).post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/copy").status_code == 403


def test_the_list_of_drives_has_a_new_drive_action(world, login):
    set_up_cards(world)
    staff = login(world.emails["library_staff"])
    assert "New drive" in staff.get("/drives").text
    page = staff.get("/drives/new").text
    assert "Lakeside Card MOU" in page and "Hill Card MOU" not in page
    chosen = staff.get(f"/drives/new?agreement_id={world.agreements['own'].id}")
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith(f"/agreements/{world.agreements['own'].id}/drives/new")
    assert staff.get(f"/drives/new?agreement_id={world.agreements['other'].id}").status_code == 422
    assert "New drive" not in login(world.emails["school_librarian"]).get("/drives").text


def test_a_drive_past_its_end_date_asks_to_be_closed_on_the_dashboard(world, login):
    _programme, drive = set_up_cards(world)
    drive.ends_on = date(2020, 9, 30)
    db.session.commit()
    page = login(world.emails["library_staff"]).get("/").text
    assert "ended on" in page and "Close it" in page and f"/drives/{drive.id}/edit" in page
    drive.status = "closed"
    db.session.commit()
    assert "Close it" not in login(world.emails["library_staff"]).get("/").text


def test_a_students_card_moves_the_grade_row_and_the_school_bar_at_once(world, login):
    _programme, drive = set_up_cards(world)
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1"), ("b", "sch-north", "Bo", "Kim", "03", "2")]))
    drives.enrolment_from_roster(SETUP, drive)
    student = db.session.scalars(select(Student).where(Student.source_id == "a")).one()
    staff = login(world.emails["library_staff"])
    url = f"/agreements/{drive.agreement_id}/drives/{drive.id}/students/{student.id}/card"
    swapped = staff.post(url, {"status": "issued"}, headers={"HX-Request": "true"}).text
    count = db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.grade == "03",
                                                        DriveCount.school_id == student.school_id)).one()
    assert f'id="count-{count.id}"' in swapped and 'hx-swap-oob="true"' in swapped and 'id="school-progress"' in swapped
    assert "<template>" in swapped


def test_a_whole_grade_in_one_step(world, login):
    _programme, drive = set_up_cards(world)
    import_roster(world, users_csv([("a", "sch-north", "Ann", "Lee", "03", "1"), ("b", "sch-north", "Bo", "Kim", "03", "2"),
                                    ("c", "sch-north", "Cy", "Ng", "04", "3")]))
    drives.enrolment_from_roster(SETUP, drive)
    north = world.orgs["north"].id
    a = db.session.scalars(select(Student).where(Student.source_id == "a")).one()
    drives.set_card_status(SETUP, drive, a, "already_had")
    staff = login(world.emails["library_staff"])
    response = staff.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{north}/cards",
                          {"grade": "03", "status": "issued"})
    assert response.status_code == 303
    db.session.expire_all()
    assert {s.source_id: s.card_status for s in db.session.scalars(select(Student))} == {"a": "issued", "b": "issued", "c": ""}
    row = db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.grade == "03",
                                                      DriveCount.school_id == north)).one()
    assert (row.issued, row.already_had) == (2, 0)
    assert "2 students of grade 03 recorded." in staff.get(response.headers["Location"]).text
