"""Below a party: what the school librarian of Lincoln Elementary reaches of her district's card MOU, and
what she is refused, with nothing written. (The whole matrix is tests/test_permissions.py; the journey in
the browser is tests/e2e/test_access.py.)"""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.test_demo import seed
from tracker.agreements.models import Agreement
from tracker.auth.models import User
from tracker.calendar import key_dates
from tracker.cards.models import CardDrive, DriveCount, OptOut, Student
from tracker.extensions import db
from tracker.milestones.models import Milestone
from tracker.orgs.models import Organisation
from tracker.scope import agreements as scoped
from tracker.scope.users import scope_of

MOU = "Student Library Card Partnership MOU"


@pytest.fixture
def demo(app, login):
    seed(app, "--password", PASSWORD)
    found = {
        "mou": db.session.scalar(select(Agreement).where(Agreement.title == MOU)),
        "lincoln": db.session.scalar(select(Organisation).where(Organisation.name == "Lincoln Elementary School")),
        "washington": db.session.scalar(select(Organisation).where(Organisation.name == "Washington Elementary School")),
        "drive": db.session.scalar(select(CardDrive)),
        "librarian": db.session.scalar(select(User).where(User.email == "librarian@demo.test")),
    }
    db.session.commit()
    found["session"] = login("librarian@demo.test")
    return found


def counts_of(school_id: int) -> dict:
    db.session.expire_all()
    return {c.grade: (c.issued, c.already_had) for c in db.session.scalars(select(DriveCount).where(DriveCount.school_id == school_id))}


def test_counts_and_card_statuses_of_another_school_are_refused_and_nothing_is_written(demo):
    s, drive = demo["session"], demo["drive"]
    washington = demo["washington"].id
    before = counts_of(washington)
    count = db.session.scalar(select(DriveCount).where(DriveCount.school_id == washington, DriveCount.grade == "01"))
    student = db.session.scalar(select(Student).where(Student.school_id == washington, Student.card_status == ""))
    db.session.commit()
    for htmx in (False, True):
        assert s.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{count.id}", {"read_issued": "0", "issued": "50"}, htmx=htmx).status_code == 404
        assert s.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{count.id}/edit", htmx=htmx).status_code == 404
        assert s.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/students/{student.id}/card", {"status": "issued"}, htmx=htmx).status_code == 404
        response = s.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{washington}", htmx=htmx)
        assert response.status_code == 404 and "Washington" not in response.text
    assert counts_of(washington) == before
    db.session.expire_all()
    assert db.session.get(Student, student.id).card_status == ""


def test_her_own_school_she_records(demo):
    s, drive = demo["session"], demo["drive"]
    lincoln = demo["lincoln"].id
    count = db.session.scalar(select(DriveCount).where(DriveCount.school_id == lincoln, DriveCount.grade == "02"))
    read = {f"read_{f}": str(getattr(count, f) or "") for f in ("enrolment", "classrooms", "issued", "already_had",
                                                                  "cannot_issue", "opted_out", "target_percent")}
    issued = count.issued
    db.session.commit()
    response = s.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{count.id}", {**read, "read_cannot_issue_reason": "", "cannot_issue_reason": "",
                                                               **{k[5:]: v for k, v in read.items()}, "issued": str(issued + 3)}, htmx=True)
    assert response.status_code == 200, response.text
    assert counts_of(lincoln)["02"][0] == issued + 3


def test_opting_out_another_schools_student_is_refused_with_a_message(demo):
    s, mou = demo["session"], demo["mou"]
    other = db.session.scalar(select(Student.source_id).where(Student.school_id == demo["washington"].id))
    mine = db.session.scalar(select(Student.source_id).where(Student.school_id == demo["lincoln"].id))
    before = db.session.scalar(select(func.count(OptOut.id)))
    db.session.commit()
    response = s.post(f"/agreements/{mou.id}/roster/opt-outs", {"source_ids": f"{mine}\n{other}", "opted_out_on": "2026-12-01"})
    assert response.status_code == 422
    assert "students of other schools" in response.text and other in response.text
    assert db.session.scalar(select(func.count(OptOut.id))) == before  # not even her own: all or nothing
    response = s.post(f"/agreements/{mou.id}/roster/opt-outs", {"source_ids": mine, "opted_out_on": "2026-12-01"})
    assert response.status_code == 303


def test_the_agreements_own_forms_answer_403_and_write_nothing(demo):
    s, mou = demo["session"], demo["mou"]
    version = mou.version
    milestone = db.session.scalar(select(Milestone).where(Milestone.agreement_id == mou.id, Milestone.party_id != demo["lincoln"].id))
    db.session.commit()
    for url, data in [
        (f"/agreements/{mou.id}/sections/summary/edit", {"title": "Taken over", "version": version}),
        (f"/agreements/{mou.id}/status/submit", {"version": version}),
        (f"/agreements/{mou.id}/goals", {"statement": "Ours now", "version": version}),
        (f"/agreements/{mou.id}/milestones/new", {"title": "Ours now", "due_date": "2027-01-01", "status": "planned"}),
        (f"/agreements/{mou.id}/milestones/{milestone.id}/edit", {"title": "Ours now"}),
        (f"/agreements/{mou.id}/resources/new", {"kind": "ebooks"}),
        (f"/agreements/{mou.id}/card-programme", {"checkout_limit": "99"}),
        (f"/agreements/{mou.id}/roster/imports", {}),
        (f"/agreements/{mou.id}/patrons/export", {"file_format": "koha"}),
        (f"/agreements/{mou.id}/documents", {"title": "Ours now"}),
    ]:
        assert s.post(url, data).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(Agreement, mou.id).version == version
    for path in ("/health", "/history"):
        assert s.get(f"/agreements/{mou.id}{path}").status_code == 403, path
    assert s.get(f"/reports/agreements/{mou.id}").status_code == 403


def test_milestones_she_owes_she_marks_done_others_she_does_not_see(demo):
    s, mou = demo["session"], demo["mou"]
    hers = db.session.scalar(select(Milestone).where(Milestone.party_id == demo["lincoln"].id))
    theirs = db.session.scalar(select(Milestone).where(Milestone.agreement_id == mou.id, Milestone.party_id != demo["lincoln"].id,
                                                       Milestone.status != "done"))
    db.session.commit()
    page = s.get(f"/agreements/{mou.id}").text
    assert hers.title in page and theirs.title not in page
    assert s.post(f"/agreements/{mou.id}/milestones/{theirs.id}/done").status_code == 404
    assert s.post(f"/agreements/{mou.id}/milestones/{hers.id}/done").status_code == 303
    db.session.expire_all()
    assert db.session.get(Milestone, hers.id).status == "done"
    assert db.session.get(Milestone, theirs.id).status != "done"


def test_her_key_dates_and_feed_are_what_concerns_her(demo):
    librarian, mou = demo["librarian"], demo["mou"]
    today = date.today()
    scope = scope_of(librarian)
    dates = key_dates.collect(scoped.agreement_ids(scope), today - timedelta(days=400), today + timedelta(days=1200), scope=scope)
    of_mou = [d for d in dates if d.agreement_id == mou.id]
    kinds = {d.kind for d in of_mou}
    assert "end_of_term" in kinds and "survey" not in kinds and "signing_link" not in kinds
    milestones = {d.title for d in of_mou if d.kind == "milestone"}
    assert milestones == {"Milestone due: Lincoln Elementary: sign-up forms back to the library"}
    everything = key_dates.collect([mou.id], today - timedelta(days=400), today + timedelta(days=1200))
    assert len([d for d in everything if d.kind == "milestone"]) > 1  # others' milestones exist; she does not get them
    assert "survey" in {d.kind for d in everything}  # and the health survey has its date; not hers either
