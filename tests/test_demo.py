"""`flask seed-demo`: the demo partnership, loaded once, and what each demo role sees."""
import os
import re
import stat
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, _empty_tables
from tracker.agreements.models import Agreement
from tracker.audit.service import Actor
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Organisation

DEMO_EMAILS = {
    "admin@demo.test": "admin", "director@demo.test": "administrator", "superintendent@demo.test": "administrator",
    "staff@demo.test": "library_staff", "librarian@demo.test": "school_librarian", "viewer@demo.test": "viewer",
}
ALL_DEMO_AGREEMENTS = {
    "Student Library Card Partnership MOU", "Lincoln Elementary Class Visits", "Student Data-Sharing Agreement",
    "Jefferson Middle Joint-Use Library Space",
}


@pytest.fixture(autouse=True)
def _no_demo_password_around(monkeypatch, app):
    """No DEMO_PASSWORD in the environment and no password file left by another test."""
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    saved = Path(app.instance_path) / "demo-password.txt"
    saved.unlink(missing_ok=True)
    yield
    saved.unlink(missing_ok=True)


def seed(app, *args, env=None):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo", *args], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    return result.output


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    counts = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
              for t in db.Model.metadata.sorted_tables}
    db.session.commit()
    return counts


def printed_password(output: str) -> str:
    return re.search(r"^Password: (.+)$", output, re.M).group(1)


def by_name(name) -> Organisation:
    return db.session.execute(select(Organisation).where(Organisation.name == name)).scalar_one()


def listed_agreements(session) -> set[str]:
    page = session.get("/agreements").get_data(as_text=True)
    return {unescape(t) for t in re.findall(r'<td><a href="/agreements/\d+">([^<]+)</a>', page)}


def test_seed_creates_the_demo_partnership(app):
    output = seed(app, "--password", "demo pass 123")
    assert "Demo data loaded." in output
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    assert {e: u.role for e, u in users.items()} == DEMO_EMAILS
    for email in DEMO_EMAILS:
        assert email in output
    assert "Lee Librarian, School librarian" in output  # names and roles in words, not role codes
    assert "school_librarian" not in output and "library_staff" not in output

    [library] = db.session.execute(select(Organisation).where(Organisation.kind == "library_system")).scalars()
    branches = [o for o in library.children if o.kind == "branch"]
    assert len(branches) == 3
    assert all(b.ils_branch_code for b in branches)
    assert db.session.execute(select(func.count()).select_from(Organisation).where(Organisation.kind == "branch")).scalar() == 3

    [district] = db.session.execute(select(Organisation).where(Organisation.kind == "district")).scalars()
    schools = [o for o in district.children if o.kind == "school"]
    assert len(schools) == 8
    for school in schools:
        assert school.home_branch is not None and school.home_branch.kind == "branch", school.name
        assert school.home_branch.parent_id == library.id

    agreements = list(db.session.execute(select(Agreement)).scalars())
    assert len(agreements) >= 3
    assert len({a.status for a in agreements}) >= 3
    assert {a.title for a in agreements} == ALL_DEMO_AGREEMENTS


def test_seeding_twice_changes_nothing(app):
    seed(app, "--password", "demo pass 123")
    before = row_counts()
    assert before["user"] == 6 and before["audit_event"] > 0
    output = seed(app, "--password", "demo pass 123")
    assert "nothing changed" in output
    assert "Demo data loaded." not in output
    assert row_counts() == before
    # Loading went through the audited services, and the chain holds.
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact: {before['audit_event']} events" in result.output


def test_without_a_password_one_is_generated_printed_and_works(app, client):
    output = seed(app)
    password = printed_password(output)
    assert len(password) >= 12
    saved = Path(app.instance_path) / "demo-password.txt"
    assert saved.read_text().strip() == password
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "librarian@demo.test", "password": password, "csrf_token": token})
    assert response.status_code == 303
    again = seed(app)
    assert printed_password(again) == password, "the second run reminds of the same password"


def test_the_printed_password_is_the_one_that_works_on_a_second_run(app, client):
    """Running again with another password changes nothing, so it must not claim the new one works."""
    seed(app, "--password", "first demo password")
    output = seed(app, "--password", "second demo password")
    assert "nothing changed" in output
    match = re.search(r"^Password: (.+)$", output, re.M)
    if match and "(" not in match.group(1):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"email": "viewer@demo.test", "password": match.group(1),
                                               "csrf_token": token})
        assert response.status_code == 303, f"printed {match.group(1)!r}, which does not sign in"


def test_generated_passwords_differ_between_installations(app):
    first = printed_password(seed(app))
    db.session.remove()
    _empty_tables()
    (Path(app.instance_path) / "demo-password.txt").unlink()
    db.session.commit()
    second = printed_password(seed(app))
    assert first != second


def test_demo_password_from_the_environment(app, login):
    output = seed(app, env={"DEMO_PASSWORD": PASSWORD})
    assert printed_password(output) == PASSWORD
    assert not (Path(app.instance_path) / "demo-password.txt").exists(), "a given password is not written to disk"
    assert login("viewer@demo.test").get("/").status_code == 200


# ---- what each demo role sees ------------------------------------------------------------------

@pytest.fixture
def demo(app):
    seed(app, "--password", PASSWORD)
    # Someone else's partnership, which no demo user outside the admin should see.
    from tracker.agreements import service as agreements
    from tracker.orgs import service as orgs

    actor = Actor(label="test setup")
    library = orgs.create_organisation(actor, {"name": "Far Valley Library", "kind": "library_system"})
    district = orgs.create_organisation(actor, {"name": "Far Valley District", "kind": "district"})
    agreements.create(actor, {"title": "Far Valley Card MOU", "kind": "mou", "purpose": "Cards.", "term_kind": "ongoing",
                              "renewal": "none", "notice_days": 30, "collaboration_level": "networking"},
                      [{"organisation_id": library.id, "role": "lead"}, {"organisation_id": district.id, "role": "partner"}])


def test_each_demo_role_sees_its_own_agreements(demo, login, subtests):
    expected = {
        # the librarian's school is party to the class visits, and below the district, which is party to the
        # card MOU and the data-sharing agreement (she sees those for what concerns her school)
        "librarian@demo.test": {"Lincoln Elementary Class Visits", "Student Library Card Partnership MOU",
                                "Student Data-Sharing Agreement"},
        # the district and its schools are party to all four demo agreements
        "superintendent@demo.test": ALL_DEMO_AGREEMENTS,
        "viewer@demo.test": ALL_DEMO_AGREEMENTS,
        # so are the library system and its branches
        "director@demo.test": ALL_DEMO_AGREEMENTS,
        "staff@demo.test": ALL_DEMO_AGREEMENTS,
        # the admin sees everything, someone else's partnership too
        "admin@demo.test": ALL_DEMO_AGREEMENTS | {"Far Valley Card MOU"},
    }
    for email, titles in expected.items():
        with subtests.test(email=email):
            assert listed_agreements(login(email)) == titles
    mou, far = (db.session.execute(select(Agreement).where(Agreement.title == title)).scalar_one()
                for title in ("Student Library Card Partnership MOU", "Far Valley Card MOU"))
    db.session.commit()
    librarian = login("librarian@demo.test")
    with subtests.test("the librarian opens the district's card MOU, without its history or health survey"):
        page = librarian.get(f"/agreements/{mou.id}")
        assert page.status_code == 200 and "Student Library Card Partnership MOU" in page.text
        assert "section-history" not in page.text and "section-health" not in page.text
    with subtests.test("the librarian cannot open someone else's partnership"):
        assert librarian.get(f"/agreements/{far.id}").status_code == 404


# ---- the demo drive: counts and card statuses agree ----------------------------------------------

def test_the_demo_drives_counts_are_what_its_students_card_statuses_say(demo):
    from tracker.cards import drives
    from tracker.cards.models import CardDrive, DriveCount, OptOut, Student

    db.session.expire_all()
    drive = db.session.scalars(select(CardDrive).where(CardDrive.name.like("Library Card Sign-up Month%"))).one()
    opted_out = set(db.session.scalars(select(OptOut.source_id)))
    students = db.session.scalars(select(Student).where(Student.agreement_id == drive.agreement_id, Student.active.is_(True))).all()
    rows = db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id)).all()
    assert rows and students
    for row in rows:
        grade = [s for s in students if (s.school_id, s.grade) == (row.school_id, row.grade)]
        assert row.enrolment == len(grade)
        for status in ("issued", "already_had", "cannot_issue"):
            assert getattr(row, status) == sum(s.card_status == status for s in grade), (row.school.name, row.grade, status)
        assert row.opted_out == sum(s.source_id in opted_out for s in grade)
        assert row.issued > 0 and row.issued + row.already_had + row.opted_out <= row.enrolment
    assert not any(s.card_status for s in students if s.source_id in opted_out)  # nobody opted out holds a card

    # Lee Librarian records "Issued" for a whole class of Lincoln's grade 01: only those not yet issued move, and
    # the grade's count is the number of its students with an issued card, never over its enrolment.
    lincoln = by_name("Lincoln Elementary School")
    row = next(r for r in rows if (r.school_id, r.grade) == (lincoln.id, "01"))
    issued_before = row.issued
    homeroom = sorted({s.class_name for s in students if (s.school_id, s.grade) == (lincoln.id, "01")})[0]
    in_class = [s for s in students if s.school_id == lincoln.id and s.class_name == homeroom]
    moving = [s for s in in_class if s.card_status != "issued" and s.source_id not in opted_out]
    already = sum(s.card_status == "issued" for s in in_class)
    assert already > 0 and moving  # the class holds students already issued and some not yet
    lee = db.session.scalars(select(User).where(User.email == "librarian@demo.test")).one()
    assert drives.set_class_status(Actor(user_id=lee.id, label=lee.email), drive, lincoln.id, homeroom, "issued") == len(moving)
    db.session.expire_all()
    row = db.session.get(DriveCount, row.id)
    issued_now = db.session.scalar(select(func.count()).select_from(Student).where(
        Student.school_id == lincoln.id, Student.grade == "01", Student.active.is_(True), Student.card_status == "issued"))
    assert row.issued == issued_now == issued_before + len(moving)
    assert row.issued + row.already_had + row.cannot_issue + row.opted_out <= row.enrolment
    assert drives.percent(row.issued + row.already_had, row.enrolment) <= 100
