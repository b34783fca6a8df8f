"""Calendar feeds (RFC 5545, parsed back with icalendar) behind revocable tokens, and the profile page."""
import re
from datetime import date, timedelta

from icalendar import Calendar
from sqlalchemy import select

from tracker.auth.models import User
from tracker.calendar.models import CalendarFeed
from tracker.extensions import db
from tracker.milestones.models import Milestone


def feed_path(html: str) -> str:
    match = re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', html)
    assert match, "no feed link on the page"
    return match.group(1)


def events(client, path) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def setup_dates(world):
    own, other = world.agreements["own"], world.agreements["other"]
    for a in (own, other):
        a.status = "active"
        a.end_date = date.today() + timedelta(days=100)
        a.notice_days = 30
    db.session.add_all([Milestone(agreement_id=own.id, title="Send roster", due_date=date.today() + timedelta(days=12)),
                        Milestone(agreement_id=other.id, title="Their milestone", due_date=date.today() + timedelta(days=12))])
    db.session.commit()


def test_the_users_feed_lists_their_key_dates_with_stable_uids(world, login, client):
    setup_dates(world)
    session = login(world.emails["viewer"])
    assert "You have no calendar feed yet." in session.get("/profile").get_data(as_text=True)
    session.post("/profile/calendar")
    path = feed_path(session.get("/profile").get_data(as_text=True))

    first = events(client, path)  # no sign-in: calendar apps cannot
    summaries = {str(e["SUMMARY"]) for e in first.values()}
    assert "Milestone due: Send roster" in summaries and "End of term: Lakeside Card MOU" in summaries
    assert not any("Their milestone" in s or "Hill" in s for s in summaries)
    roster = next(e for e in first.values() if str(e["SUMMARY"]) == "Milestone due: Send roster")
    assert roster.decoded("DTSTART") == date.today() + timedelta(days=12)
    assert roster.decoded("DTEND") == date.today() + timedelta(days=13)

    milestone = db.session.execute(select(Milestone).where(Milestone.title == "Send roster")).scalar_one()
    milestone.due_date = date.today() + timedelta(days=14)
    db.session.commit()
    second = events(client, path)
    assert set(second) == set(first), "the same UIDs, so calendar apps update the events"
    moved = next(e for e in second.values() if str(e["SUMMARY"]) == "Milestone due: Send roster")
    assert moved.decoded("DTSTART") == date.today() + timedelta(days=14)


def test_revoked_regenerated_and_unknown_tokens_give_404(world, login, client):
    session = login(world.emails["viewer"])
    session.post("/profile/calendar")
    old = feed_path(session.get("/profile").get_data(as_text=True))
    assert client.get(old).status_code == 200
    session.post("/profile/calendar/regenerate")
    new = feed_path(session.get("/profile").get_data(as_text=True))
    assert new != old
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    session.post("/profile/calendar/revoke")
    response = client.get(new)
    assert response.status_code == 404 and b"Lakeside" not in response.data
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert "You have no calendar feed yet." in session.get("/profile").get_data(as_text=True)


def test_a_deactivated_users_feed_stops(world, login, client):
    session = login(world.emails["viewer"])
    session.post("/profile/calendar")
    path = feed_path(session.get("/profile").get_data(as_text=True))
    user = db.session.execute(select(User).where(User.email == world.emails["viewer"])).scalar_one()
    user.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_an_agreements_feed(world, login, client):
    setup_dates(world)
    session = login(world.emails["school_librarian"])
    own = world.agreements["own"]
    html = session.post(f"/agreements/{own.id}/calendar", htmx=True).get_data(as_text=True)
    path = feed_path(html)
    found = events(client, path)
    assert {str(e["SUMMARY"]) for e in found.values()} >= {"Milestone due: Send roster", "End of term: Lakeside Card MOU"}
    assert all(str(e["URL"]).endswith(f"/agreements/{own.id}") for e in found.values())
    # Asking again gives the same address, not a new one each time.
    assert feed_path(session.post(f"/agreements/{own.id}/calendar", htmx=True).get_data(as_text=True)) == path
    assert db.session.execute(select(CalendarFeed)).scalars().all().__len__() == 1
    assert session.post(f"/agreements/{world.agreements['other'].id}/calendar").status_code == 404


def test_reminder_preferences_per_kind(world, login):
    session = login(world.emails["school_librarian"])
    page = session.get("/profile").get_data(as_text=True)
    assert 'id="kind-milestone" name="kinds" value="milestone" checked' in page
    session.post("/profile/reminders", {"kinds": ["end_of_term", "renewal_notice"]})
    page = session.get("/profile").get_data(as_text=True)
    assert 'value="milestone" checked' not in page and 'value="end_of_term" checked' in page
