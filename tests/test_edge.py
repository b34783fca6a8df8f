"""Input checked at the edge: each way a careless user or an attacker broke a page (a 500) when the issue was
filed, on SQLite and PostgreSQL alike. tests/test_fuzz.py throws hostile values at every route; these are the
cases found by hand, each with what the person sees instead."""
import io

import openpyxl
import pytest
from sqlalchemy import select, update

from tests.card_fixtures import import_roster, set_up_cards, users_csv
from tracker.agreements.models import Agreement
from tracker.cards.models import DriveCount, OptOut
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.resources.models import ResourceShare

CONTROL_MESSAGE = "Remove the control characters (such as NUL) from this text."
HUGE = (2**31, 2**63, 2**70)


def summary_form(agreement, **changes) -> dict:
    return {"version": agreement.version, "title": agreement.title, "kind": agreement.kind, "purpose": agreement.purpose or "",
            "collaboration_level": agreement.collaboration_level, "manager_id": "", **changes}


# ---- NUL bytes and other control characters ------------------------------------------------------------------

def test_a_calendar_feed_address_with_a_nul_is_not_found(client):
    assert client.get("/calendar/%00.ics").status_code == 404
    assert client.get("/calendar/abc%01def.ics").status_code == 404


def test_signing_in_with_a_nul_in_the_email_is_refused_like_any_wrong_address(login):
    visitor = login(None)
    response = visitor.post("/login", {"email": "admin@test.example\x00", "password": "whatever it is"})
    assert response.status_code == 422
    assert CONTROL_MESSAGE in response.text


@pytest.mark.parametrize("path, listed", [("/agreements", "Hill Card MOU"), ("/organisations", "Hill School"),
                                          ("/users", "viewer@test.example"), ("/documents", "Documents")])
def test_a_search_for_a_nul_counts_as_no_search(world, login, path, listed):
    response = login(world.emails["admin"]).get(f"{path}?q=%00&sort=%00&status=%00&kind=%00&role=%00")
    assert response.status_code == 200 and listed in response.text  # the whole list, as without a search


def test_a_roster_search_for_a_nul_counts_as_no_search(world, login):
    set_up_cards(world)
    import_roster(world, users_csv([("n-1", "sch-north", "Ann", "Lee", "03", "1001")]))
    response = login(world.emails["library_staff"]).get(f"/agreements/{world.agreements['own'].id}/roster?q=%00&school=%00")
    assert response.status_code == 200 and "Ann" in response.text


@pytest.mark.parametrize("text", ["Card\x00MOU", "Card\x1bMOU", "Card\x7fMOU", "Card\nMOU"])
def test_a_title_with_a_control_character_is_refused_and_not_stored(world, login, text):
    agreement = world.agreements["own"]
    response = login(world.emails["admin"]).post(f"/agreements/{agreement.id}/sections/summary/edit",
                                                 summary_form(agreement, title=text))
    assert response.status_code == 422 and CONTROL_MESSAGE in response.text
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).title == "Lakeside Card MOU"


def test_a_multi_line_field_keeps_its_tabs_and_line_breaks_but_not_a_nul(world, login):
    agreement = world.agreements["own"]
    admin = login(world.emails["admin"])
    url = f"/agreements/{agreement.id}/sections/summary/edit"
    refused = admin.post(url, summary_form(agreement, purpose="Cards\x00 for all"))
    assert refused.status_code == 422 and CONTROL_MESSAGE in refused.text
    assert admin.post(url, summary_form(agreement, purpose="Cards:\r\n\tfor all")).status_code == 303
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).purpose == "Cards:\r\n\tfor all"


def test_an_organisation_name_and_a_count_reason_with_a_nul_are_refused(world, login):
    admin = login(world.emails["admin"])
    library = world.orgs["library"]
    response = admin.post(f"/organisations/{library.id}/edit", {"name": "Lake\x00side", "kind": library.kind,
                                                                "time_zone": "America/New_York"})
    assert response.status_code == 422 and CONTROL_MESSAGE in response.text
    _programme, drive = set_up_cards(world)
    count = drive.counts[0]
    response = admin.post(f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{count.id}",
                          {"cannot_issue_reason": "no\x00address", "read_cannot_issue_reason": ""})
    assert response.status_code == 422 and CONTROL_MESSAGE in response.text
    db.session.expire_all()
    assert db.session.get(DriveCount, count.id).cannot_issue_reason == ""


# ---- ids too large -------------------------------------------------------------------------------------------

def test_an_id_too_large_for_the_database_is_not_found_on_every_kind_of_address(world, login):
    set_up_cards(world)
    a = world.agreements["own"].id
    admin = login(world.emails["admin"])
    for huge in (*HUGE, "9" * 5000):
        for path in (f"/agreements/{huge}", f"/agreements/{huge}/drives", f"/agreements/{a}/drives/{huge}",
                     f"/drives/{huge}", f"/jobs/{huge}", f"/organisations/{huge}", f"/agreements/{a}/versions/{huge}",
                     f"/agreements/{a}/drives/1/counts/{huge}/edit", f"/reports/agreements/{huge}.xlsx",
                     f"/reports/organisations/{huge}", f"/documents/exports/{huge}", f"/users/{huge}",
                     f"/clauses/{huge}/edit", f"/agreements/{a}/roster/imports/{huge}"):
            assert admin.get(path).status_code == 404, path


def test_an_organisation_filter_too_large_for_the_database_counts_as_none(world, login):
    admin = login(world.emails["admin"])
    for huge in HUGE:
        response = admin.get(f"/agreements?org={huge}&expiring={huge}")
        assert response.status_code == 200 and "Hill Card MOU" in response.text
        assert admin.get(f"/reports/agreements/{world.agreements['own'].id}?year={huge}").status_code == 200


def test_a_page_number_too_large_for_the_database_is_the_first_page(world, login):
    set_up_cards(world)
    import_roster(world, users_csv([("n-1", "sch-north", "Ann", "Lee", "03", "1001")]))
    admin = login(world.emails["admin"])
    for huge in (*HUGE, "abc", "-3", "1e400"):
        assert "Hill Card MOU" in admin.get(f"/agreements?page={huge}").text
        assert "Ann" in admin.get(f"/agreements/{world.agreements['own'].id}/roster?page={huge}").text


@pytest.mark.parametrize("manager", [str(2**31), "999999", str(2**70), "-1", "abc"])
def test_a_manager_who_is_not_in_the_list_is_a_message_beside_the_field(world, login, manager):
    agreement = world.agreements["own"]
    response = login(world.emails["admin"]).post(f"/agreements/{agreement.id}/sections/summary/edit",
                                                 summary_form(agreement, manager_id=manager))
    assert response.status_code == 422 and "Choose one of the list." in response.text


def test_a_party_or_a_milestone_owner_too_large_or_unknown_is_a_message_beside_the_field(world, login):
    agreement = world.agreements["own"]
    admin = login(world.emails["admin"])
    for organisation, message in ((str(2**31), "That organisation does not exist."), (str(2**70), "does not exist"),
                                  (str(world.orgs["north"].id), "already a party")):
        response = admin.post(f"/agreements/{agreement.id}/parties", {"version": agreement.version,
                                                                       "organisation_id": organisation, "role": "partner"})
        assert response.status_code == 422 and message in response.text
    for owner in (str(2**31), "999999"):
        response = admin.post(f"/agreements/{agreement.id}/milestones/new", {
            "version": agreement.version, "title": "Packets home", "due_date": "2027-09-01", "status": "planned",
            "owner_user_id": owner})
        assert response.status_code == 422 and "works for one of the parties" in response.text


def test_a_list_of_ids_too_large_for_the_database_is_a_message_beside_the_field(world, login):
    admin = login(world.emails["admin"])
    response = admin.post("/users/new", {"name": "X", "email": "x@example.org", "role": "viewer",
                                         "organisation_ids": [str(2**70)], "password": "a-long-password-123"})
    assert response.status_code == 422 and "Choose one of the list." in response.text
    set_up_cards(world)
    response = admin.post(f"/agreements/{world.agreements['own'].id}/drives/new", {
        "name": "D", "status": "planning", "target_percent": "90", "grades": ["03"], "school_ids": [str(2**70)]})
    assert response.status_code == 422 and "Choose one of the list." in response.text


# ---- numbers out of range ------------------------------------------------------------------------------------

def share_form(world, **changes) -> dict:
    agreement = world.agreements["own"]
    return {"version": agreement.version, "kind": "ebooks", "provider_id": world.orgs["library"].id,
            "recipient_id": world.orgs["north"].id, "value": "100", "period": "year", **changes}


@pytest.mark.parametrize("field, value, message", [
    *[("value", v, "Give an amount") for v in ("inf", "-inf", "nan", "1e400", str(10**30), "Infinity", "sNaN", "10000000.01")],
    *[("quantity", v, "Give a number from 0 to 1,000,000.") for v in (str(2**31), "1000001", str(2**70))]])
def test_a_resource_value_or_quantity_out_of_range_is_refused(world, login, field, value, message):
    agreement = world.agreements["own"]
    response = login(world.emails["admin"]).post(f"/agreements/{agreement.id}/resources/new",
                                                 share_form(world, **{field: value}))
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(ResourceShare).where(ResourceShare.agreement_id == agreement.id)) is None


def test_an_opt_out_id_longer_than_any_student_id_is_refused(world, login):
    set_up_cards(world)
    a = world.agreements["own"].id
    response = login(world.emails["library_staff"]).post(f"/agreements/{a}/roster/opt-outs", {
        "source_ids": "n-1\n" + "x" * 300, "opted_out_on": "2026-09-01", "source": "paper form"})
    assert response.status_code == 422 and "longer than 100 characters" in response.text
    assert db.session.scalar(select(OptOut).where(OptOut.agreement_id == a)) is None


# ---- counts --------------------------------------------------------------------------------------------------

def count_url(drive, count) -> str:
    return f"/agreements/{drive.agreement_id}/drives/{drive.id}/counts/{count.id}"


def test_a_count_too_large_for_any_school_is_refused(world, login):
    _programme, drive = set_up_cards(world)
    count = drive.counts[0]
    staff = login(world.emails["library_staff"])
    response = staff.post(count_url(drive, count), {"issued": "9223372036854775808", "read_issued": "0"})
    assert response.status_code == 422 and "Give a number from 0 to" in response.text
    db.session.expire_all()
    assert db.session.get(DriveCount, count.id).issued == 0
    assert "e+18" not in staff.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}").text


@pytest.mark.parametrize("read", ["abc", str(2**70), "-5", "1e3", "\x00"])
def test_what_the_count_editor_read_is_never_a_500(world, login, read):
    _programme, drive = set_up_cards(world)
    count = drive.counts[0]
    response = login(world.emails["library_staff"]).post(count_url(drive, count), {"issued": "3", "read_issued": read})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(DriveCount, count.id).issued == 0


def test_a_count_above_its_enrolment_needs_a_more_than_enrolled_confirmation(world, login):
    _programme, drive = set_up_cards(world)
    count = drive.counts[0]
    db.session.execute(update(DriveCount).where(DriveCount.id == count.id).values(enrolment=63))
    db.session.commit()
    staff = login(world.emails["library_staff"])
    asked = staff.post(count_url(drive, count), {"enrolment": "63", "read_enrolment": "63", "issued": "100000",
                                                  "read_issued": "0"})
    assert asked.status_code == 422
    assert "more than the 63 enrolled" in asked.text and 'name="more_than_enrolled"' in asked.text
    db.session.expire_all()
    assert db.session.get(DriveCount, count.id).issued == 0
    confirmed = staff.post(count_url(drive, count), {"enrolment": "63", "read_enrolment": "63", "issued": "70",
                                                      "read_issued": "0", "more_than_enrolled": "y"})
    assert confirmed.status_code == 303
    db.session.expire_all()
    assert db.session.get(DriveCount, count.id).issued == 70


# ---- spreadsheets --------------------------------------------------------------------------------------------

def test_a_title_stored_with_a_control_character_before_the_checks_still_exports_and_says_so(world, login):
    agreement = world.agreements["own"]
    db.session.execute(update(Agreement).where(Agreement.id == agreement.id).values(title="Lakeside\x01 Card\x1b MOU"))
    db.session.execute(update(Organisation).where(Organisation.id == world.orgs["north"].id).values(name="North\x0b School"))
    db.session.add(ResourceShare(agreement_id=agreement.id, kind="ebooks", provider_id=world.orgs["library"].id,
                                 recipient_id=world.orgs["north"].id, description="Teacher\x01 sets", value_cents=100,
                                 period="year"))
    db.session.commit()
    staff = login(world.emails["admin"])
    for path in (f"/reports/agreements/{agreement.id}.xlsx", f"/reports/organisations/{world.orgs['library'].id}.xlsx"):
        response = staff.get(path)
        assert response.status_code == 200, path
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
        assert not any("\x01" in c or "\x1b" in c or "\x0b" in c for c in cells)
        assert {"Lakeside\ufffd Card\ufffd MOU", "North\ufffd School", "Teacher\ufffd sets"} <= set(cells)
        assert "Note" in book.sheetnames and "replaced" in book["Note"]["A1"].value
    csv = staff.get(f"/reports/agreements/{agreement.id}.csv")
    assert csv.status_code == 200 and "\x01" not in csv.text and "Teacher\ufffd sets" in csv.text
