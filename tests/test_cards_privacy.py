"""Privacy duties and the command line: the purge, opt-outs in bulk, scheduled roster feeds."""
import io
from datetime import date

from sqlalchemy import func, select

from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
from tests.test_cards_roster import FIXTURES, fixture
from tracker.audit.models import AuditEvent
from tracker.cards import drives, privacy
from tracker.cards.models import DriveCount, OptOut, Student
from tracker.extensions import db


def student_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Student.id)))


def test_purge_deletes_students_past_their_destruction_date_and_keeps_the_counts(app, world):
    _p, drive = set_up_cards(world, spec={"retention_days_after_end": None, "destroy_on": date(2026, 6, 30)})
    set_up_cards(world, "other")  # destroyed 30 days after 31 July 2029: kept
    import_roster(world, fixture("oneroster11_users.csv"))
    import_roster(world, users_csv([("h1", "sch-hill", "Hal", "Hill", "03", "9")]), "other")
    row = drives.record_counts(SETUP, drive.counts[0], {}, {"enrolment": 30, "issued": 25})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "Lakeside Card MOU: 4 students deleted (destruction date 2026-06-30)" in result.output
    db.session.expire_all()
    left = {s.source_id for s in db.session.scalars(select(Student))}
    assert left == {"h1"}
    kept = db.session.get(DriveCount, row.id)
    assert (kept.enrolment, kept.issued) == (30, 25)  # aggregates survive
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.purged")).one()
    assert event.entity_id == str(world.agreements["own"].id)
    assert (event.changes["students_deleted"][1], event.changes["destruction_date"][1]) == (4, "2026-06-30")
    assert "command line" in event.changes["run_by"][1] and "Ann" not in str(event.changes)
    again = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "No roster is past its destruction date." in again.output


def test_bulk_opt_outs_from_a_csv_list(world, login):
    set_up_cards(world)
    import_roster(world, fixture("oneroster11_users.csv"))
    librarian = login(world.emails["school_librarian"])
    a = world.agreements["own"].id
    response = librarian.post(f"/agreements/{a}/roster/opt-outs", {
        "file": (io.BytesIO(fixture("opt_outs.csv")), "opt-outs.csv"), "source_ids": "stu-003", "opted_out_on": "2026-09-04",
        "source": "paper forms"}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert sorted(db.session.scalars(select(OptOut.source_id))) == ["stu-002", "stu-003", "stu-999"]
    empty = librarian.post(f"/agreements/{a}/roster/opt-outs", {"opted_out_on": "2026-09-04"}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Give at least one student id." in empty.text


def test_a_school_librarian_cannot_opt_out_another_schools_students(world, login):
    from tracker.cards.models import Student

    set_up_cards(world)
    import_roster(world, fixture("oneroster11_users.csv"))
    south_student = Student(agreement_id=world.agreements["own"].id, school_id=world.orgs["south"].id, source_id="stu-south-1",
                            given_name="Sol", family_name="Reyes", grade="04")
    db.session.add(south_student)
    db.session.commit()
    librarian = login(world.emails["school_librarian"])  # North School
    response = librarian.post(f"/agreements/{world.agreements['own'].id}/roster/opt-outs",
                              {"source_ids": f"stu-001 {south_student.source_id}", "opted_out_on": "2026-09-04"})
    assert response.status_code == 422 and "students of other schools" in response.text and south_student.source_id in response.text
    assert list(db.session.scalars(select(OptOut.source_id))) == []  # nothing written, not even North's


def test_roster_command_previews_and_writes_only_with_commit(app, world, tmp_path):
    card_programme, _drive = set_up_cards(world)
    db.session.commit()
    path = tmp_path / "users.csv"
    path.write_bytes(fixture("oneroster11_users.csv"))
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["roster", "import", str(path), "--program", str(card_programme.id)])
    assert preview.exit_code == 0, preview.output
    assert "6 rows read" in preview.output and "new                     4" in preview.output
    assert "Preview only" in preview.output and student_count() == 0
    written = runner.invoke(args=["roster", "import", str(path), "--program", str(card_programme.id), "--commit"])
    assert written.exit_code == 0 and "Written: 4 new" in written.output and student_count() == 4


def test_roster_command_exits_non_zero_on_errors_and_writes_nothing(app, world, tmp_path):
    card_programme, _drive = set_up_cards(world)
    db.session.commit()
    path = tmp_path / "bad.csv"
    path.write_bytes((FIXTURES / "bad_rows_users.csv").read_bytes())
    result = app.test_cli_runner().invoke(args=["roster", "import", str(path), "--program", str(card_programme.id), "--commit"])
    assert result.exit_code == 1
    assert "bad.csv row 3 column sourcedId: Duplicate id stu-301" in result.output
    assert "Nothing written" in result.output and student_count() == 0
    missing = app.test_cli_runner().invoke(args=["roster", "import", str(path), "--program", "999"])
    assert missing.exit_code != 0 and "No card programme with id 999" in missing.output


def test_purge_drops_uploads_nobody_committed_within_a_week(app, world):
    from datetime import datetime, timedelta

    from tracker.cards.models import RosterImport

    set_up_cards(world)
    old = import_roster(world, fixture("oneroster11_users.csv"), commit=False)
    fresh = import_roster(world, fixture("oneroster11_users.csv"), commit=False)
    old.created_at = datetime.utcnow() - timedelta(days=8)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "1 roster uploads left uncommitted for over 7 days were dropped." in result.output
    db.session.expire_all()
    gone, kept = db.session.get(RosterImport, old.id), db.session.get(RosterImport, fresh.id)
    assert (gone.upload, gone.parsed, gone.status) == (None, None, "discarded")
    assert kept.upload and kept.parsed and kept.status == "previewed"
