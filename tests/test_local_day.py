"""Each person's own day: at 17:38 Pacific on 1 December (01:38 UTC on the 2nd, the server's day), a user whose
organisation is in Los Angeles works on 1 December everywhere: done dates, default dates, overdue, the export's
file name and dateenrolled, reminders; times read in their zone with its abbreviation."""
import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from tests import documents as docs
from tests.card_fixtures import import_roster, set_up_cards
from tests.test_cards_roster import fixture
from tests.test_orgs import new_org_data
from tracker import clock
from tracker.auth.models import User
from tracker.calendar import key_dates, reminders
from tracker.extensions import db
from tracker.milestones.models import Milestone
from tracker.orgs.models import Organisation
from tracker.documents.models import SigningLink
from tracker.scope.users import scope_of

PACIFIC_EVENING = datetime(2026, 12, 2, 1, 38, tzinfo=timezone.utc)  # 17:38 PST on 1 December
DEC_1, NOV_30 = date(2026, 12, 1), date(2026, 11, 30)


@pytest.fixture
def pacific(world):
    """Our partnership's organisations in Los Angeles, and the clock at 17:38 there on 1 December."""
    for key in ("library", "branch", "district", "north", "south"):
        world.orgs[key].time_zone = "America/Los_Angeles"
    db.session.commit()
    with time_machine.travel(PACIFIC_EVENING, tick=False):
        assert date.today() == date(2026, 12, 2)  # the server's day is already the 2nd
        yield world


def milestone(title: str, due: date) -> dict:
    return {"title": title, "party_id": "", "owner_user_id": "", "owner_contact_id": "", "due_date": due.isoformat(),
            "status": "planned", "done_date": "", "evidence": ""}


def user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def test_today_is_the_day_of_the_users_first_organisation_else_the_default_zone(pacific, app):
    assert clock.today(user(pacific.emails["library_staff"])) == DEC_1
    default = app.config["DEFAULT_TIME_ZONE"]
    app.config["DEFAULT_TIME_ZONE"] = "Europe/Berlin"
    try:
        assert clock.today(user(pacific.emails["admin"])) == date(2026, 12, 2)  # no organisation: the default zone
    finally:
        app.config["DEFAULT_TIME_ZONE"] = default


def test_done_date_and_overdue_follow_the_users_day(pacific, login):
    staff, own = login(pacific.emails["library_staff"]), pacific.agreements["own"]
    staff.post(f"/agreements/{own.id}/milestones/new", milestone("Hand out the forms", DEC_1), htmx=True)
    page = staff.post(f"/agreements/{own.id}/milestones/new", milestone("Count the forms", NOV_30), htmx=True)
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr[^>]*>.*?(Hand out the forms|Count the forms).*?</tr>",
                                                          page.get_data(as_text=True), re.S)}
    assert "Overdue" not in rows["Hand out the forms"]  # due today, in Los Angeles
    assert "Overdue" in rows["Count the forms"]
    due_today = db.session.scalars(select(Milestone).where(Milestone.title == "Hand out the forms")).one()
    assert staff.post(f"/agreements/{own.id}/milestones/{due_today.id}/done", htmx=True).status_code == 200
    db.session.expire_all()
    assert due_today.done_date == DEC_1


def test_default_dates_are_the_users_today(pacific, login):
    staff, own = login(pacific.emails["library_staff"]), pacific.agreements["own"]
    meeting = staff.get(f"/agreements/{own.id}/communications/new").get_data(as_text=True)
    assert re.search(r'name="held_on"[^>]*value="2026-12-01"', meeting) or re.search(r'value="2026-12-01"[^>]*name="held_on"', meeting)


def test_the_patron_file_is_named_and_enrolled_on_the_users_day(pacific, login):
    set_up_cards(pacific)
    import_roster(pacific, fixture("oneroster11_users.csv"))
    staff = login(pacific.emails["library_staff"])
    response = staff.post(f"/agreements/{pacific.agreements['own'].id}/patrons/export",
                          {"file_format": "koha", "school_id": "", "drive_id": ""})
    assert response.status_code == 200
    assert "patrons-koha-2026-12-01.csv" in response.headers["Content-Disposition"]
    header, first = response.get_data(as_text=True).splitlines()[:2]
    enrolled = first.split(",")[header.split(",").index("dateenrolled")]
    assert enrolled.startswith("2026-12-01")


def test_times_read_in_the_users_zone_with_its_abbreviation(pacific, login):
    staff, own = login(pacific.emails["library_staff"]), pacific.agreements["own"]
    staff.post(f"/agreements/{own.id}/milestones/new", milestone("Hand out the forms", DEC_1), htmx=True)
    history = staff.get(f"/agreements/{own.id}/history").get_data(as_text=True)
    assert "Dec 1, 2026, 5:38 PM PST" in history and "2026-12-02 01:38" not in history


def test_the_reminder_digest_is_sent_on_each_readers_day(pacific, login, mailbox):
    staff, own = login(pacific.emails["library_staff"]), pacific.agreements["own"]
    staff.post(f"/agreements/{own.id}/milestones/new", milestone("Hand out the forms", DEC_1), htmx=True)
    reminders.send_all()
    digest = next(m for m in mailbox.to(pacific.emails["library_staff"]))
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "2026-12-01" in text and "Hand out the forms" in text
    assert "Overdue" not in text  # due today in Los Angeles; the server's day (the 2nd) would call it overdue


@pytest.mark.parametrize("zone", ["Mars/Olympus", "-08:00", "PST8PDT ", "america/los_angeles", ""])
def test_the_organisation_form_refuses_a_time_zone_that_is_not_an_iana_name(world, login, zone):
    admin = login(world.emails["admin"])
    response = admin.post("/organisations/new", new_org_data(name="Zone School", time_zone=zone))
    assert response.status_code == 422
    assert "IANA name" in response.get_data(as_text=True)
    assert db.session.scalars(select(Organisation).where(Organisation.name == "Zone School")).first() is None


def test_the_organisation_form_takes_any_iana_zone(world, login):
    admin = login(world.emails["admin"])
    assert admin.post("/organisations/new", new_org_data(name="Zone School", time_zone="Pacific/Honolulu")).status_code == 303
    assert admin.post("/organisations/new", new_org_data(name="Far School", time_zone="Asia/Tokyo")).status_code == 303
    assert db.session.scalars(select(Organisation.time_zone).where(Organisation.name == "Far School")).one() == "Asia/Tokyo"


def test_a_signing_links_expiry_is_a_key_date_on_the_readers_day(world, mailbox):
    """A link that expires at 01:38 UTC on 16 December expires at 17:38 on the 15th in Los Angeles: someone there
    reads it on the 15th, in their reminders and feeds and on the agreement."""
    docs.out_for_signature(world, [docs.outside()])
    first, *others = db.session.scalars(select(SigningLink).order_by(SigningLink.id))
    first.expires_at = datetime(2026, 12, 16, 1, 38)
    for link in others:  # the other party's signer (every party signs): their link expires well after the window
        link.expires_at = datetime(2027, 1, 31, 12, 0)
    world.orgs["library"].time_zone = "America/Los_Angeles"
    db.session.commit()
    reader, dec_15 = scope_of(user(world.emails["library_staff"])), date(2026, 12, 15)
    with time_machine.travel(PACIFIC_EVENING, tick=False):
        [expiry] = key_dates.collect(None, DEC_1, dec_15, kinds={"signing_link"}, scope=reader)
        assert expiry.on == dec_15
        assert key_dates.collect(None, DEC_1, date(2026, 12, 14), kinds={"signing_link"}, scope=reader) == []
        [by_default] = key_dates.collect(None, DEC_1, date(2026, 12, 16), kinds={"signing_link"})  # New York's day
        assert by_default.on == dec_15  # 20:38 on the 15th there, not the UTC date
