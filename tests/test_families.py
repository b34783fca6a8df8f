"""The family page: a code per student's letter (60 random bits, forgiving typing), what a code shows (never a
last name or an id), the answers the consent model offers, opt-outs out of every patron format, the drive's
counts moving, the one message for a wrong, revoked or purged code, and the rate limit."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
from tests.test_limits import wait_shown
from tracker.audit.models import AuditEvent
from tracker.cards import patrons, privacy, programme
from tracker.cards.models import Consent, DriveCount, OptOut, Student
from tracker.extensions import db, limiter
from tracker.families import answers, choices, codes
from tracker.families.models import FamilyCode

FORMATS = ["koha", "evergreen", "polaris", "generic"]
ROWS = [("stu-1", "sch-north", "Lucía", "Hernández", "03", "1001"),
        ("stu-2", "sch-north", "Ben", "Okafor", "03", "1002"),
        ("stu-3", "sch-north", "Ada", "Smith", "04", "1003")]


@pytest.fixture
def drive(world):
    card_programme, drive = set_up_cards(world, prog={"patron_category": "STUDENT"})
    import_roster(world, users_csv(ROWS))
    return drive


def student(source_id: str) -> Student:
    return db.session.scalar(select(Student).where(Student.source_id == source_id))


def code_for(drive, source_id: str) -> str:
    """A letter's code for the student, as printed."""
    found = codes.issue(drive.id, drive.agreement_id, [student(source_id).id])
    db.session.commit()
    return codes.shown(codes.code_of(next(iter(found.values())).seed))


def exported(drive, file_format: str) -> str:
    card_programme = programme.programme_of(drive.agreement_id)
    if file_format == "polaris":
        card_programme.patron_category = "3"
        card_programme.polaris_branch_ids = {str(b.id): 17 for b in programme.home_branches(drive.agreement_id)}
    return patrons.export(SETUP, card_programme, file_format, patrons.Filters(drive_id=drive.id),
                          today=date(2026, 9, 10)).data.decode("utf-8")


def opted_out_count(drive, grade="03") -> int:
    return db.session.scalar(select(func.sum(DriveCount.opted_out)).where(DriveCount.drive_id == drive.id,
                                                                          DriveCount.grade == grade))


def test_a_code_has_60_random_bits_in_twelve_characters_read_one_way(app):
    with app.test_request_context():
        made = {codes.code_of(f"{n:032x}") for n in range(2000)}
    assert len(made) == 2000 and all(len(c) == 12 and set(c) <= set(codes.ALPHABET) for c in made)
    assert codes.LENGTH * 5 >= 60 and not set("ILOU") & set(codes.ALPHABET)
    code = sorted(made)[0]
    shown = codes.shown(code)
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", shown)
    assert codes.typed(f"  {shown.lower()} ") == code
    assert codes.typed(code.replace("0", "O").replace("1", "l")) == code
    assert codes.typed("ABC") is None and codes.typed("ABCD-EFGH-IJKU") is None


def test_a_letter_printed_again_carries_the_same_code_and_each_student_has_one(drive):
    first = code_for(drive, "stu-1")
    assert code_for(drive, "stu-1") == first and code_for(drive, "stu-2") != first
    assert db.session.scalar(select(func.count(FamilyCode.id))) == 2
    # Only the seed and a digest are stored, never the code.
    stored = db.session.scalars(select(FamilyCode)).all()
    assert all(first.replace("-", "") not in (c.seed + c.digest) for c in stored)


def test_a_family_opts_out_on_the_page_and_the_student_leaves_every_patron_format(drive, login):
    code = code_for(drive, "stu-1")
    for file_format in FORMATS:
        assert "21001001" in exported(drive, file_format)
    family = login(None)
    page = family.get(f"/family/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lucía H." in text and "North School" in text
    assert "Hernández" not in text and "stu-1" not in text and "1001" not in text
    assert page.headers["Cache-Control"] == "no-store" and "noindex" in page.headers["X-Robots-Tag"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "No library card for my child" in text and "Yes, a library card" not in text  # opt-out model
    before = opted_out_count(drive)
    answered = family.post(f"/family/{code}", {"choice": "opt_out"})
    assert answered.status_code == 303
    confirmation = family.get(answered.headers["Location"]).get_data(as_text=True)
    assert "Your answer is recorded" in confirmation and "your child is opted out" in confirmation and code in confirmation
    assert opted_out_count(drive) == before + 1
    assert db.session.scalar(select(OptOut.source).where(OptOut.source_id == "stu-1")) == "family page"
    for file_format in FORMATS:
        assert "21001001" not in exported(drive, file_format) and "21001002" in exported(drive, file_format)
    event_ = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.answered")).one()
    assert event_.changes["answer"] == [None, "opt_out"]
    assert "Lucía" not in str(event_.changes) and "Hernández" not in str(event_.changes) and "stu-1" not in str(event_.changes)


def test_a_family_that_opted_out_may_take_it_back_and_the_count_follows(drive, app):
    code = code_for(drive, "stu-2")
    before = opted_out_count(drive)
    with app.test_request_context():
        answers.answer(SETUP, code, choices.OPT_OUT, "en")
        assert answers.look_up(code)[1].offered == (choices.CONSENT,)
        answers.answer(SETUP, code, choices.CONSENT, "es")
    assert opted_out_count(drive) == before
    assert db.session.scalar(select(OptOut.id).where(OptOut.source_id == "stu-2")) is None
    assert db.session.scalar(select(Consent.source).where(Consent.source_id == "stu-2")) == "family page"
    assert "21001002" in exported(drive, "koha")


def test_a_student_counted_as_issued_who_opts_out_is_counted_once(drive, app):
    from tracker.cards import drives
    drives.set_card_status(SETUP, drive, student("stu-1"), "issued")
    row = lambda: db.session.scalar(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.grade == "03",
                                                             DriveCount.school_id == student("stu-1").school_id))
    issued, out = row().issued, row().opted_out
    with app.test_request_context():
        answers.answer(SETUP, code_for(drive, "stu-1"), choices.OPT_OUT, "en")
    db.session.expire_all()
    assert (row().issued, row().opted_out) == (issued - 1, out + 1)
    assert student("stu-1").card_status == ""


def test_under_opt_in_only_consent_reaches_the_patron_file(world, app, login):
    set_up_cards(world, prog={"consent_model": "opt_in"})
    drive_ = db.session.scalars(select(DriveCount.drive_id)).first()
    from tracker.cards.models import CardDrive
    drive = db.session.get(CardDrive, drive_)
    import_roster(world, users_csv(ROWS))
    code = code_for(drive, "stu-3")
    assert "21001003" not in exported(drive, "koha")
    family = login(None)
    text = family.get(f"/family/{code}").get_data(as_text=True)
    assert "Yes, a library card for my child" in text and "only if you say yes" in text
    assert family.post(f"/family/{code}", {"choice": "consent"}).status_code == 303
    assert "21001003" in exported(drive, "koha") and "21001001" not in exported(drive, "koha")


def test_a_choice_the_consent_model_does_not_offer_is_refused_and_nothing_is_written(drive, login):
    code = code_for(drive, "stu-1")
    family = login(None)
    for choice in ("consent", "activate", "delete_everything", ""):
        refused = family.post(f"/family/{code}", {"choice": choice})
        assert refused.status_code == 422
        assert "Choose one of the answers on this page." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Consent.id))) == 0
    assert db.session.scalar(select(FamilyCode.answer).where(FamilyCode.student_id == student("stu-1").id)) == ""
    assert family.post(f"/family/{code}", {"choice": "opt_out"}, csrf=False).status_code == 400  # no CSRF token
    assert db.session.scalar(select(func.count(OptOut.id))) == 0


def test_wrong_revoked_and_purged_codes_get_one_message(drive, login, app):
    family = login(None)
    message = "We could not find this code."
    wrong = family.post("/family", {"code": "7KQ2-XM9D-4TRB"})
    assert wrong.status_code == 422 and message in wrong.get_data(as_text=True)
    assert 'name="next" value="/family"' in wrong.get_data(as_text=True)  # switching language stays on the page
    assert message in family.post("/family", {"code": "not a code"}).get_data(as_text=True)
    code = code_for(drive, "stu-2")
    right = family.post("/family", {"code": code.lower().replace("-", " ")})
    assert right.status_code == 303 and right.headers["Location"].endswith(f"/family/{code}")
    db.session.execute(FamilyCode.__table__.update().values(revoked_at=datetime.utcnow()))
    db.session.commit()
    revoked = family.get(f"/family/{code}")
    assert revoked.status_code == 404 and message in revoked.get_data(as_text=True)
    assert family.post(f"/family/{code}", {"choice": "opt_out"}).status_code == 404
    # A new letter's code works until the roster's data is purged.
    code = code_for(drive, "stu-2")
    assert family.get(f"/family/{code}").status_code == 200
    spec = programme.spec_of(drive.agreement_id)
    spec.destroy_on, spec.retention_days_after_end = date(2026, 10, 1), None
    db.session.commit()
    privacy.purge(SETUP, today=date(2026, 10, 2))
    assert db.session.scalar(select(func.count(FamilyCode.id))) == 0
    purged = family.get(f"/family/{code}")
    assert purged.status_code == 404 and message in purged.get_data(as_text=True)


def test_right_and_wrong_codes_cost_the_same_queries(drive, app):
    code = code_for(drive, "stu-1")
    statements = []

    def count(*args):
        statements.append(1)

    engine = db.engine
    with app.test_request_context():
        event.listen(engine, "before_cursor_execute", count)
        try:
            answers.look_up(code)
            right = len(statements)
            statements.clear()
            answers.look_up("7KQ2-XM9D-4TRB")
            wrong = len(statements)
            statements.clear()
            answers.look_up("nonsense")
            nonsense = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert right == wrong == nonsense == 1


def test_guessing_codes_is_limited_per_address(drive, app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_FAMILY_CODE", "4 per minute")
    family = login(None)
    limiter.reset()
    here, there = {"REMOTE_ADDR": "192.0.2.40"}, {"REMOTE_ADDR": "192.0.2.41"}
    try:
        assert [client.get(f"/family/7KQ2-XM9D-4TR{c}", environ_base=here).status_code for c in "ABCD"] == [404] * 4
        assert 1 <= wait_shown(client.get("/family/7KQ2-XM9D-4TRE", environ_base=here)) <= 61
        assert 1 <= wait_shown(family.post("/family", {"code": code_for(drive, "stu-1")}, environ_base=here)) <= 61
        assert client.get("/family", environ_base=there).status_code == 200
    finally:
        limiter.reset()


def test_staff_see_the_answers_by_school_grade_and_class_and_a_librarian_only_her_school(world, app, login):
    from tracker.agreements import service as agreements

    agreement = world.agreements["own"]
    agreements.add_party(SETUP, agreement, {"organisation_id": world.orgs["south"].id, "role": "partner"}, agreement.version)
    _programme, drive = set_up_cards(world)
    north = [("stu-1", "sch-north", "Lucía", "Hernández", "03", "1001"), ("stu-2", "sch-north", "Ben", "Okafor", "03", "1002")]
    south = [("stu-9", "sch-south", "Ana", "Ruiz", "03", "1009")]
    import_roster(world, users_csv(north + south))
    with app.test_request_context():
        answers.answer(SETUP, code_for(drive, "stu-1"), choices.OPT_OUT, "es")
        code_for(drive, "stu-2")
        answers.answer(SETUP, code_for(drive, "stu-9"), choices.OPT_OUT, "en")
    url = f"/agreements/{drive.agreement_id}/drives/{drive.id}"
    text = login(world.emails["library_staff"]).get(url).get_data(as_text=True)
    section = text[text.index('id="family-answers"'):]
    assert "2 families opted out" in section and "1 not answered yet" in section
    assert "North School" in section and "South School" in section and "Grade 03" in section
    assert "Lucía" not in section
    own = login(world.emails["school_librarian"]).get(url).get_data(as_text=True)
    own = own[own.index('id="family-answers"'):]
    assert "North School" in own and "South School" not in own and "1 family opted out" in own
    # Each school's page shows its own answers and prints its own letters.
    north_page = login(world.emails["library_staff"]).get(f"{url}/schools/{world.orgs['north'].id}").get_data(as_text=True)
    section = north_page[north_page.index('id="family-answers"'):]
    assert "1 family opted out" in section and "South School" not in section
    assert f"letters?school_id={world.orgs['north'].id}" in section and "Print letters home for North School" in section
    printing = login(world.emails["library_staff"]).get(f"{url}/letters?school_id={world.orgs['south'].id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{world.orgs["south"].id}">South School', printing)


def test_the_history_tells_a_familys_answer_in_words_without_the_students_name(drive, app):
    from tests.test_audit_changes import newest

    with app.test_request_context():
        answers.answer(SETUP, code_for(drive, "stu-1"), choices.OPT_OUT, "es")
    lines = newest(app, "card_drive", drive.id)
    assert "recorded a family's answer to the letter home" in lines[0]
    text = " ".join(lines)
    assert "No library card for my child" in text and "Español" in text and "North School" in text
    assert "opt_out" not in text and "Lucía" not in text and "Hernández" not in text
