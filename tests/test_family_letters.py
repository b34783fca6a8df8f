"""Letters home: one sheet per student in English, Spanish, both or the home language, parsed back with pypdf; the
QR code read back with zxing-cpp from the rendered page; the wording edited in the clause language, refused when it
names an unknown value, failing in its place; a print run as a job; who may print what; a code revoked and its
letter printed again; the roster's home language."""
import io
import re
from datetime import date, timedelta

import pypdf
from babel.dates import format_date
import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

from tests.card_fixtures import ALL_FIELDS, SETUP, import_roster, set_up_cards
from tests.world import agreement
from tracker.audit.models import AuditEvent
from tracker.cards import optouts
from tracker.cards.models import Student
from tracker.extensions import db
from tracker.families import codes, letter_service, letter_texts, letters
from tracker.families.models import FamilyCode, FamilyLetter
from tracker.validation import Invalid

BASE = "https://tracker.example.org"
HEADER = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,"
          "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,metadata.homeLanguage")
STUDENTS = [  # sourcedId, school, given, family, grade, home language
    ("s-1", "sch-north", "Ana", "Alvarez", "03", "spa-US"),
    ("s-2", "sch-north", "Ben", "Brennan", "03", "en"),
    ("s-3", "sch-north", "Chloé", "Castellanos", "04", "Español"),
    ("s-4", "sch-north", "Dev", "Dunmore", "04", ""),
    ("s-5", "sch-north", "Eve", "Eastwood", "05", "Vietnamese"),  # opted out below: no letter
]
SURNAMES = [s[3] for s in STUDENTS]


def users_csv(rows) -> bytes:
    lines = [HEADER] + [f'{sid},,,true,"{org}",student,{sid}@s.example,,{given},{family},,{sid[2:]}00,,,,,{grade},,{language}'
                        for sid, org, given, family, grade, language in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def public_base(app, monkeypatch):
    """Links from one base, in requests and in jobs alike."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE)


@pytest.fixture
def loaded(world):
    """North School's grades 03-05 on the own agreement, a home language allowed, one family opted out."""
    _programme, drive = set_up_cards(world, spec={"allowed_fields": ALL_FIELDS + ["home_language", "class_name"],
                                                  "subprocessors": "Koha hosting by ByWater"})
    import_roster(world, users_csv(STUDENTS))
    optouts.record(SETUP, drive.agreement_id, ["s-5"], drive.starts_on, "paper form", None)
    return drive


def north(world) -> int:
    return world.orgs["north"].id


def run(drive, school_id, run_language="en", grade="", class_name="", schools=None) -> tuple[bytes, list]:
    """A print run made at once (what the job does, without the job): the PDF and the students it covers."""
    selection = letters.Selection(school_id, grade, class_name, run_language)
    found = letters.students(drive, selection, schools)
    issued = letters.codes_for(drive, [s.id for s in found])
    builder = letters.Run(drive.agreement, drive)
    pages = []
    for student in found:
        pages += builder.pages(student, run_language, codes.code_of(issued[student.id].seed))
    return letters.pdf(builder.html(pages)), found


def texts(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def qr_links(data: bytes) -> list[str]:
    """The QR code of each page, read from the page as a printer would print it."""
    found = []
    document = pypdfium2.PdfDocument(data)
    for index in range(len(document)):
        image = document[index].render(scale=2).to_pil()
        found.append([b.text for b in zxingcpp.read_barcodes(image)])
    return found


def live_code(drive, source_id: str) -> FamilyCode:
    student_id = db.session.scalar(select(Student.id).where(Student.source_id == source_id))
    return db.session.scalar(select(FamilyCode).where(FamilyCode.drive_id == drive.id, FamilyCode.student_id == student_id,
                                                      FamilyCode.revoked_at.is_(None)))


# ---- languages -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, language", [
    ("es", "es"), ("ES", "es"), ("spa", "es"), ("spa-US", "es"), ("es-MX", "es"), ("es_419", "es"), ("Spanish", "es"),
    ("Español", "es"), ("espanol", "es"), ("Spanish (Mexico)", "es"), (" castellano ", "es"),
    ("", "en"), (None, "en"), ("en", "en"), ("eng", "en"), ("Vietnamese", "en"), ("fr", "en"), ("esperanto", "en"),
])
def test_a_home_language_reads_as_spanish_or_english(value, language):
    assert letters.letter_language(value) == language


# ---- the letters -------------------------------------------------------------------------------

def test_one_sheet_per_student_with_first_name_initial_school_code_and_a_qr_code_to_the_family_page(loaded, world):
    data, found = run(loaded, north(world))
    assert [s.given_name for s in found] == ["Ana", "Ben", "Chloé", "Dev"]  # Eve's family opted out
    pages = texts(data)
    assert len(pages) == 4
    qr = qr_links(data)
    for page, links, student in zip(pages, qr, found):
        code = codes.code_of(live_code(loaded, _source(student.id)).seed)
        assert f"{student.given_name} {student.family_name[0]}." in page
        assert "North School" in page and codes.shown(code) in page and f"{BASE}/family" in page
        assert "Dear family of" in page and "Lakeside Library System" in page
        assert "up to 10 items" in page and "no late fines" in page and "Koha hosting by ByWater" in page
        assert "No library card for my child" in page  # what the family may do: opt out
        assert links == [codes.page_link(code)] == [f"{BASE}/family/{codes.shown(code)}"]
        assert not any(surname in page for surname in SURNAMES)  # never a whole last name
    printed = db.session.scalars(select(FamilyCode).where(FamilyCode.drive_id == loaded.id)).all()
    assert len(printed) == 4
    again, _found = run(loaded, north(world))  # printed again: the same codes
    assert qr_links(again) == qr


def _source(student_id: int) -> str:
    return db.session.scalar(select(Student.source_id).where(Student.id == student_id))


def test_both_languages_put_english_and_spanish_back_to_back_on_each_sheet(loaded, world):
    loaded.ends_on = date.today() + timedelta(days=60)  # a drive still ahead: its letters ask for an answer by its end
    db.session.commit()
    data, found = run(loaded, north(world), "both", grade="03")
    pages = texts(data)
    assert len(pages) == 2 * len(found) == 4
    for index, student in enumerate(found):
        front, back = pages[2 * index], pages[2 * index + 1]
        assert "Dear family of" in front and "Estimada familia de" not in front
        assert "Estimada familia de" in back and "Dear family of" not in back
        assert f"{student.given_name} {student.family_name[0]}." in front and f"{student.given_name} {student.family_name[0]}." in back
        assert "No hay multas por retraso" in back  # Spanish words and dates
        assert f"a más tardar el {format_date(loaded.ends_on, 'long', locale='es')}" in back
    qr = qr_links(data)
    assert qr[0] == qr[1] and qr[2] == qr[3] and qr[0] != qr[2]  # one code per student, on both sides


def test_each_students_home_language_when_the_roster_has_one(loaded, world):
    data, found = run(loaded, north(world), "home")
    pages = texts(data)
    assert [s.given_name for s in found] == ["Ana", "Ben", "Chloé", "Dev"]
    assert ["Estimada familia" in p for p in pages] == [True, False, True, False]
    assert ["Dear family" in p for p in pages] == [False, True, False, True]


def test_a_home_language_run_needs_the_spec_to_allow_one(world):
    drive = set_up_cards(world)[1]
    import_roster(world, users_csv(STUDENTS[:1]))
    assert db.session.scalar(select(Student.home_language)) == ""  # not kept: the spec does not allow it
    with pytest.raises(Invalid, match="does not allow a home language"):
        run(drive, north(world), "home")
    data, _found = run(drive, north(world), "es")
    assert "Estimada familia de Ana" in texts(data)[0]


def test_a_grade_or_a_class_narrows_the_run_and_leavers_get_none(loaded, world):
    db.session.execute(Student.__table__.update().where(Student.source_id == "s-1").values(class_name="Room 4"))
    db.session.execute(Student.__table__.update().where(Student.source_id == "s-2").values(active=False))
    assert [s.given_name for s in run(loaded, north(world), grade="04")[1]] == ["Chloé", "Dev"]
    assert [s.given_name for s in letters.students(loaded, letters.Selection(north(world), "", "Room 4"), None)] == ["Ana"]
    assert [s.given_name for s in letters.students(loaded, letters.Selection(north(world), "03"), None)] == ["Ana"]
    with pytest.raises(Invalid, match="Choose one of the schools listed"):
        letters.students(loaded, letters.Selection(world.orgs["south"].id), None)


# ---- the wording -------------------------------------------------------------------------------

def test_a_wording_with_an_unknown_variable_is_refused_beside_the_field(loaded, login, world):
    staff = login(world.emails["library_staff"])
    url = f"/agreements/{loaded.agreement_id}/letters/es"
    page = staff.get(url)
    assert page.status_code == 200 and "Estimada familia de" in page.text and "student.last_initial" in page.text
    response = staff.post(url, data={"body": "Hola {{ student.last_name }}", "version": "0"})
    assert response.status_code == 422
    assert re.search(r'class="error"[^>]*>[^<]*Unknown variable: {{ student.last_name }}', response.text)
    assert db.session.scalar(select(FamilyLetter.id)) is None
    refused = staff.post(url, data={"body": "{% include 'x' %}", "version": "0"})
    assert refused.status_code == 422 and "{% include %} is not allowed" in refused.text


def test_a_saved_wording_is_printed_audited_and_checked_against_its_version(loaded, login, world):
    staff = login(world.emails["library_staff"])
    url = f"/agreements/{loaded.agreement_id}/letters/en"
    preview = staff.post(url, data={"body": "Hello {{ student.first_name }} of {{ school.name }}.", "version": "0",
                                    "preview": "1"})
    assert preview.status_code == 200 and "Hello Alex of North School." in preview.text
    assert db.session.scalar(select(FamilyLetter.id)) is None  # a preview saves nothing
    saved = staff.post(url, data={"body": "Hello {{ student.first_name }} of {{ school.name }}.", "version": "0"})
    assert saved.status_code == 303
    letter = db.session.scalar(select(FamilyLetter))
    assert (letter.language, letter.version) == ("en", 1)
    stale = staff.post(url, data={"body": "Hi {{ student.first_name }}.", "version": "0"})
    assert stale.status_code == 409 and "Someone else saved this letter" in stale.text
    assert staff.post(url, data={"body": "Hi {{ student.first_name }}.", "version": "1"}).status_code == 303
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("family_letter.%")).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["family_letter.created", "family_letter.updated"]
    assert events[1].changes["body"] == ["Hello {{ student.first_name }} of {{ school.name }}.", "Hi {{ student.first_name }}."]
    db.session.expire_all()
    page = texts(run(loaded, north(world), grade="03")[0])[0]
    assert "Hi Ana." in page and "Dear family" not in page
    assert "Estimada familia de Ana" in texts(run(loaded, north(world), "es", grade="03")[0])[0]  # Spanish: still standard


def test_a_wording_that_fails_when_written_out_shows_the_error_in_its_place(loaded, world):
    letter_service.save_wording(SETUP, loaded.agreement, "en", "Reply by {{ school.name | date(\"short\") }}.", 0)
    data, found = run(loaded, north(world), grade="03")
    pages = texts(data)
    assert len(pages) == 2
    assert all("could not be written out" in p and "North School" in p for p in pages)
    code = codes.code_of(live_code(loaded, "s-1").seed)
    assert codes.shown(code) in pages[0] and qr_links(data)[0] == [codes.page_link(code)]


# ---- printing as a job -------------------------------------------------------------------------

@pytest.mark.committed  # the job runs in a thread
def test_printing_a_school_is_a_job_whose_pdf_downloads(loaded, login, world):
    from tests.test_jobs import wait_for

    staff = login(world.emails["library_staff"])
    page = staff.get(f"/agreements/{loaded.agreement_id}/drives/{loaded.id}/letters")
    assert page.status_code == 200 and "North School" in page.text
    response = staff.post(f"/agreements/{loaded.agreement_id}/drives/{loaded.id}/letters",
                          data={"school_id": north(world), "grade": "", "class_name": "", "language": "both"})
    assert response.status_code == 303
    job = wait_for(int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1)), timeout=60)
    assert job.status == "done", job.message
    assert (job.result["letters"], job.result["pages"]) == (4, 8)
    download = staff.get(job.result["url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    pages = texts(download.data)
    assert len(pages) == 8 and "Estimada familia de Ana" in pages[1]
    assert all(c.printed_at is not None for c in db.session.scalars(select(FamilyCode)))
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.letters_printed")).all()
    assert event.changes["letters"] == [None, 4] and not any(n in str(event.changes) for n in ("Ana", "Alvarez"))
    assert login(world.emails["administrator"]).get(job.result["url"]).status_code == 404  # someone else's run
    progress = staff.post(f"/agreements/{loaded.agreement_id}/drives/{loaded.id}/letters", htmx=True,
                          data={"school_id": north(world), "grade": "03", "class_name": "", "language": "en"})
    assert progress.status_code == 200 and 'id="letters-print"' in progress.text and "<progress" in progress.text
    wait_for(int(re.search(r"/jobs/(\d+)", progress.text).group(1)), timeout=60)
    # The privacy purge destroys the printed letters with the roster they were made from.
    from tracker.cards import privacy, programme

    spec = programme.spec_of(loaded.agreement_id)
    spec.destroy_on, spec.retention_days_after_end = date(2026, 10, 1), None
    db.session.commit()
    [done] = privacy.purge(SETUP, today=date(2026, 10, 2))
    assert staff.get(job.result["url"]).status_code == 404
    purged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.purged")).one()
    assert purged.changes["letter_files_deleted"] == [None, 2] and purged.changes["family_codes_deleted"][1] >= 4


# ---- who may print -----------------------------------------------------------------------------

@pytest.fixture
def district(world, monkeypatch):
    """A partnership of the library with the whole district: North and South, a student at each."""
    made = agreement("Lakeside District Letters", [world.orgs["library"], world.orgs["district"]])
    monkeypatch.setitem(world.agreements, "district", made)
    drive = set_up_cards(world, "district")[1]
    import_roster(world, users_csv([STUDENTS[0], ("s-9", "sch-south", "Sam", "Yardley", "03", "")]), "district")
    return drive


def test_a_viewer_cannot_print_and_a_school_librarian_prints_only_her_school(district, login, world, monkeypatch):
    url = f"/agreements/{district.agreement_id}/drives/{district.id}/letters"
    viewer = login(world.emails["viewer"])
    assert viewer.get(url).status_code == 403
    assert viewer.post(url, data={"school_id": north(world), "language": "en"}).status_code == 403
    librarian = login(world.emails["school_librarian"])
    page = librarian.get(url)
    assert page.status_code == 200 and "North School" in page.text and "South School" not in page.text
    refused = librarian.post(url, data={"school_id": world.orgs["south"].id, "language": "en"})
    assert refused.status_code == 422 and "Choose one of the schools listed." in refused.text
    started = []
    monkeypatch.setattr(letter_service.jobs, "start", lambda *args, **kwargs: started.append(args) or _queued_job())
    assert librarian.post(url, data={"school_id": north(world), "language": "en"}).status_code == 303
    assert started[0][3]["schools"] is not None and started[0][3]["school_id"] == north(world)
    staff = login(world.emails["library_staff"])
    assert "South School" in staff.get(url).text
    assert librarian.get(f"/agreements/{district.agreement_id}/letters/en").status_code == 403  # the wording: card.manage


def _queued_job():
    from tracker.jobs.models import Job

    job = Job(kind=letter_service.KIND, title="Letters", task=letter_service.TASK, status="queued")
    db.session.add(job)
    db.session.commit()
    return job


# ---- a code revoked, its letter printed again --------------------------------------------------

def test_revoking_a_code_prints_the_letter_again_with_a_new_code(loaded, login, world):
    run(loaded, north(world), grade="03")
    old = live_code(loaded, "s-1")
    student_id = old.student_id
    url = f"/agreements/{loaded.agreement_id}/drives/{loaded.id}/students/{student_id}/letter"
    assert login(world.emails["school_librarian"]).post(url, data={"language": "en"}).status_code == 403
    response = login(world.emails["library_staff"]).post(url, data={"language": "both"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    db.session.expire_all()
    new = live_code(loaded, "s-1")
    assert new.id != old.id and db.session.get(FamilyCode, old.id).revoked_at is not None and new.printed_at is not None
    pages = texts(response.data)
    assert len(pages) == 2 and codes.shown(codes.code_of(new.seed)) in pages[0]
    assert qr_links(response.data) == [[codes.page_link(codes.code_of(new.seed))]] * 2
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.code_revoked")).all()
    assert event.changes["family_code"] == [old.id, new.id] and "Alvarez" not in str(event.changes)
    assert "Ana" not in str(event.changes)
    opted_out = db.session.scalar(select(Student.id).where(Student.source_id == "s-5"))
    refused = login(world.emails["library_staff"]).post(
        f"/agreements/{loaded.agreement_id}/drives/{loaded.id}/students/{opted_out}/letter", data={"language": "en"})
    assert refused.status_code == 422 and "gets no letter" in refused.text


def test_a_students_row_can_carry_the_reprint_button(loaded, app):
    from flask import render_template_string

    student = db.session.scalar(select(Student).where(Student.source_id == "s-1"))
    with app.test_request_context():
        html = render_template_string('{% from "families/_letter_reprint.html" import reprint_letter %}'
                                      '{{ reprint_letter(drive, student, true) }}', drive=loaded, student=student)
    assert f'action="/agreements/{loaded.agreement_id}/drives/{loaded.id}/students/{student.id}/letter"' in html
    assert 'value="home"' in html and 'name="csrf_token"' in html


# ---- the roster's home language ---------------------------------------------------------------

@pytest.mark.parametrize("header", ["homeLanguage", "metadata.homeLanguage", "home_language", "Home Language",
                                    "primaryLanguage", "language"])
def test_a_oneroster_home_language_column_is_kept_when_the_spec_allows_it(world, header):
    set_up_cards(world, spec={"allowed_fields": ALL_FIELDS + ["home_language"]})
    import_roster(world, users_csv(STUDENTS[:2]).replace(b"metadata.homeLanguage", header.encode()))
    assert dict(db.session.execute(select(Student.source_id, Student.home_language)).all()) == {"s-1": "spa-US", "s-2": "en"}


def test_a_plain_csv_home_language_column_is_mapped_and_stored(world):
    from tracker.cards import rosterfile

    parsed = rosterfile.read(b"Student ID,First,Last,Grade,Lang\n7,Ana,Alvarez,3,Spanish\n", "north.csv",
                             {"Student ID": "source_id", "First": "given_name", "Last": "family_name", "Grade": "grade",
                              "Lang": "home_language"})
    assert parsed.records[0]["home_language"] == "Spanish"


def test_a_letter_asks_for_an_answer_by_the_drives_end_only_while_it_is_ahead(loaded, app):
    from tracker import clock

    with app.test_request_context():
        loaded.ends_on = clock.today() + timedelta(days=20)
        assert letters.shared_values(loaded.agreement, loaded, "en")["reply_by"] == loaded.ends_on
        loaded.ends_on = clock.today() - timedelta(days=1)
        assert letters.shared_values(loaded.agreement, loaded, "en")["reply_by"] is None
        values = letters.shared_values(loaded.agreement, loaded, "en")
        assert values["data"]["subprocessors"] == "Koha hosting by ByWater"


def test_the_history_tells_printing_and_wording_in_words(loaded, world, app):
    from tests.test_audit_changes import newest

    letter_service.save_wording(SETUP, loaded.agreement, "es", letter_texts.standard("es"), 0)
    lines = " ".join(newest(app, "agreement", loaded.agreement_id))
    assert "Español" in lines and "'es'" not in lines and " es " not in f" {lines} "
    from tracker.jobs.models import Job

    job = Job(kind=letter_service.KIND, title="Letters", task=letter_service.TASK, status="running", params={})
    db.session.add(job)
    db.session.commit()
    letter_service.print_job(job.id, loaded.agreement_id, loaded.id, None, north(world), "", "", "both", None)
    lines = " ".join(newest(app, "card_drive", loaded.id))
    assert "printed letters home" in lines and "English and Spanish, back to back" in lines and "both" not in lines
