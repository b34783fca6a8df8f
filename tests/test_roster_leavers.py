"""Imports that never surprise: the preview counts, per school, the students a file would mark as left (with
their names for staff), warns when a file covers only some schools or would mark more than 10 % of a school
as left, and the commit then waits for an explicit choice, "mark them as left" or "this file is partial"."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.card_fixtures import SETUP, import_roster, set_up_cards, users_csv
from tests.test_cards_roster import students
from tracker.agreements.models import Party
from tracker.audit.models import AuditEvent
from tracker.cards import privacy, roster, undo
from tracker.extensions import db
from tracker.validation import Invalid

NORTH = [(f"n{i}", "sch-north", f"Nia{i}", "North", "03", f"10{i:02d}") for i in range(20)]
SOUTH = [(f"s{i}", "sch-south", f"Sam{i}", "South", "04", f"20{i:02d}") for i in range(10)]


@pytest.fixture
def district(world):
    """The own agreement with its district as a party: North and South School."""
    db.session.add(Party(agreement_id=world.agreements["own"].id, organisation_id=world.orgs["district"].id, role="partner"))
    db.session.commit()
    set_up_cards(world)
    import_roster(world, users_csv(NORTH + SOUTH))
    return world


def test_a_file_of_one_school_of_two_warns_and_counts_leavers_per_school(district):
    staged = import_roster(district, users_csv(NORTH[:17]), commit=False)
    s = staged.summary
    assert s["left"] == 3 and [(r["name"], r["on_roster"], r["left"]) for r in s["left_by_school"]] == [("North School", 20, 3)]
    assert "covers 1 of the agreement's 2 schools" in s["warnings"][0] and "South School" in s["warnings"][0]
    assert "North School: 3 of its 20 students (15%) would be marked as left." in s["warnings"]
    with pytest.raises(Invalid, match="choose"):
        roster.commit(SETUP, staged)
    assert all(st.active for st in students().values())


def test_partial_marks_nobody_as_left_and_says_so_in_the_history(district):
    staged = import_roster(district, users_csv(NORTH[:17] + [("n99", "sch-north", "Neo", "New", "03", "1099")]), commit=False)
    counts = roster.commit(SETUP, staged, choice="partial")
    assert counts == {"new": 1, "updated": 0, "left": 0}
    assert all(st.active for st in students().values()) and len(students()) == 31
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.imported")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes["partial"] == [None, True]


def test_mark_as_left_once_chosen(district):
    staged = import_roster(district, users_csv(NORTH[:17] + SOUTH), commit=False)
    assert not any("covers" in w for w in staged.summary["warnings"])  # both schools are in the file
    assert roster.commit(SETUP, staged, choice="mark")["left"] == 3
    assert sorted(k for k, st in students().items() if not st.active) == ["n17", "n18", "n19"]


def test_a_small_change_needs_no_choice(district):
    staged = import_roster(district, users_csv(NORTH[:19] + SOUTH), commit=False)  # 1 of 20: 5 %
    assert staged.summary["warnings"] == [] and roster.commit(SETUP, staged)["left"] == 1


def test_the_preview_page_shows_the_warning_names_and_needs_the_choice(district, login):
    staged = import_roster(district, users_csv(NORTH[:17]), commit=False)
    staff = login(district.emails["library_staff"])
    url = f"/agreements/{district.agreements['own'].id}/roster/imports/{staged.id}"
    page = staff.get(url).text
    assert "Check before you commit" in page and "covers 1 of the agreement&#39;s 2 schools" in page
    assert "North, Nia17 (n17)" in page and "This file is partial: mark nobody as left" in page
    refused = staff.post(url + "/commit", {})
    assert refused.status_code == 422 and "Read the warnings, then choose" in refused.text
    assert staff.post(url + "/commit", {"leavers": "partial"}).status_code == 303
    assert all(st.active for st in students().values())


# ---- undo, for 30 days ----------------------------------------------------------------------------

def snapshot() -> dict:
    return {k: (s.id, s.school_id, s.active, s.left_on, s.family_name, s.grade, s.updated_at) for k, s in students().items()}


def test_undo_restores_the_previous_roster_exactly_and_is_in_the_history(district):
    before = snapshot()
    changed = [("n0", "sch-north", "Nia0", "Renamed", "04", "1000")] + NORTH[1:15] + [("n99", "sch-north", "Neo", "New", "03", "1099")]
    staged = import_roster(district, users_csv(changed + SOUTH), commit=False)
    assert roster.commit(SETUP, staged, choice="mark") == {"new": 1, "updated": 1, "left": 5}
    assert snapshot() != before
    counts = undo.undo(SETUP, staged)
    assert counts == {"removed": 1, "restored": 1, "back": 5}
    assert snapshot() == before
    db.session.expire_all()
    assert staged.is_undone and staged.undo is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.import_undone")).one()
    assert event.changes["back"] == [None, 5]


def test_an_undo_older_than_30_days_or_built_on_is_refused_and_says_why(district):
    first = import_roster(district, users_csv(NORTH + SOUTH + [("n98", "sch-north", "Ola", "One", "03", "1098")]))
    second = import_roster(district, users_csv(NORTH + SOUTH + [("n98", "sch-north", "Ola", "Two", "03", "1098")]))
    with pytest.raises(Invalid, match="Later imports build on this one: users.csv"):
        undo.undo(SETUP, first)
    later = datetime.utcnow() + timedelta(days=31)
    with pytest.raises(Invalid, match="more than 30 days ago"):
        undo.undo(SETUP, second, now=later)
    undo.undo(SETUP, second)
    assert students()["n98"].family_name == "One"
    undo.undo(SETUP, first)
    assert "n98" not in students()


def test_the_kept_changes_go_after_30_days_and_with_the_purge(district):
    staged = import_roster(district, users_csv(NORTH + SOUTH + [("n97", "sch-north", "Pia", "New", "03", "1097")]))
    assert staged.undo
    privacy.drop_stale_uploads(SETUP, datetime.utcnow() + timedelta(days=31))
    db.session.expire_all()
    assert staged.undo is None and "no longer kept" in undo.refusal(staged, datetime.utcnow())


def test_undo_from_the_import_page(district, login):
    staged = import_roster(district, users_csv(NORTH + SOUTH + [("n96", "sch-north", "Ray", "New", "03", "1096")]))
    staff = login(district.emails["library_staff"])
    url = f"/agreements/{district.agreements['own'].id}/roster/imports/{staged.id}"
    assert "Undo this import" in staff.get(url).text
    done = staff.post(url + "/undo")
    assert done.status_code == 303 and "n96" not in students()
    page = staff.get(url).text
    assert "undone on" in page and "Undo this import" not in page
    assert staff.post(url + "/undo").status_code == 422
