"""Pages served again from Redis (tracker/pagecache): every kind of change shows at once, each reader gets their own
page and CSRF token, and nothing private or one-time is kept. (The whole suite runs with the cache on, so every test
that changes something and then reads a page checks this too.)"""
import re
from datetime import date

import pytest
from redis import Redis
from sqlalchemy import event, select, text, update

from tests.card_fixtures import import_roster, set_up_cards, users_csv
from tests.conftest import Session
from tests.world import SETUP
from tracker import create_app
from tracker.agreements.models import Goal
from tracker.auth import accounts
from tracker.auth.models import User
from tracker.cards.models import DriveCount
from tracker.extensions import db
from tracker.milestones.models import Milestone


@pytest.fixture
def statements(app):
    """How many SQL statements the requests made (the test's own are not counted: only those during `counting`)."""
    seen = {"on": False, "count": 0}

    def count(*_args):
        if seen["on"]:
            seen["count"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def statements_for(statements, fetch) -> int:
    statements.update(on=True, count=0)
    fetch()
    statements["on"] = False
    return statements["count"]


def test_a_page_seen_again_is_not_rendered_again(world, login, statements):
    s = login(world.emails["viewer"])
    url = f"/agreements/{world.agreements['own'].id}"
    first = statements_for(statements, lambda: s.get(url))
    again = statements_for(statements, lambda: s.get(url))
    assert again < first
    assert s.get(url).text == s.get(url).text


def test_an_edit_shows_at_once_on_the_agreement_and_in_the_lists(world, login):
    s = login(world.emails["admin"])
    agreement = world.agreements["own"]
    for url in (f"/agreements/{agreement.id}", "/agreements", "/agreements?q=lake"):
        assert "Lakeside Card MOU" in s.get(url).text
    agreement.title = "Lakeside Reading MOU"
    db.session.commit()
    assert "Lakeside Reading MOU" in s.get(f"/agreements/{agreement.id}").text
    assert "Lakeside Reading MOU" in s.get("/agreements").text
    assert "Lakeside Reading MOU" in s.get("/agreements?q=lake").text


def test_something_added_to_a_part_shows_on_its_page(world, login):
    s = login(world.emails["admin"])
    agreement = world.agreements["own"]
    url = f"/agreements/{agreement.id}/milestones"
    assert "Author visit booked" not in s.get(url).text
    db.session.add(Milestone(agreement=agreement, title="Author visit booked", due_date=date(2027, 3, 1)))
    db.session.commit()
    assert "Author visit booked" in s.get(url).text


def test_a_statement_that_names_no_agreement_shows_everywhere(world, login):
    s = login(world.emails["admin"])
    agreement = world.agreements["own"]
    db.session.add(Goal(agreement=agreement, statement="Every fourth grader holds a card"))
    db.session.commit()
    url = f"/agreements/{agreement.id}/details"
    assert "Every fourth grader holds a card" in s.get(url).text
    db.session.execute(update(Goal).where(Goal.agreement_id == agreement.id).values(statement="Every third grader holds a card"))
    db.session.commit()
    assert "Every third grader holds a card" in s.get(url).text


def test_a_tally_on_a_drive_shows_on_its_page(world, login):
    _programme, drive = set_up_cards(world)
    s = login(world.emails["admin"])
    url = f"/agreements/{world.agreements['own'].id}/drives/{drive.id}"
    before = s.get(url).text
    count = db.session.query(DriveCount).filter_by(drive_id=drive.id).first()
    count.issued = 17
    count.enrolment = 40
    db.session.commit()
    after = s.get(url).text
    assert after != before and ">17<" in after.replace(" ", "")


def test_a_partner_renamed_shows_on_the_agreement(world, login):
    s = login(world.emails["viewer"])
    agreement = world.agreements["own"]
    assert "North Elementary" not in s.get(f"/agreements/{agreement.id}").text
    world.orgs["north"].name = "North Elementary"
    db.session.commit()
    assert "North Elementary" in s.get(f"/agreements/{agreement.id}").text


def test_each_reader_gets_their_own_page(world, login):
    agreement = world.agreements["own"]
    url = f"/agreements/{agreement.id}/details"
    admin = login(world.emails["admin"]).get(url).text
    viewer = login(world.emails["viewer"]).get(url).text
    assert admin != viewer
    assert "/sections/summary/edit" in admin and "/sections/summary/edit" not in viewer
    assert login(world.emails["admin"]).get(url).text.count("/sections/summary/edit") == admin.count("/sections/summary/edit")


def test_a_kept_page_is_served_to_no_other_reader(world, login):
    other = world.agreements["other"]
    assert login(world.emails["admin"]).get(f"/agreements/{other.id}").status_code == 200
    assert login(world.emails["school_librarian"]).get(f"/agreements/{other.id}").status_code == 404


def _moved_to_south(world):
    user = db.session.scalar(select(User).where(User.email == world.emails["school_librarian"]))
    admin = db.session.scalar(select(User).where(User.email == world.emails["admin"]))
    accounts.update_account(SETUP, user, {"name": user.name, "email": user.email, "role": user.role, "active": True,
                                          "organisation_ids": [world.orgs["south"].id]}, by=admin)


def _school_no_longer_a_party(world):
    agreement = world.agreements["own"]
    db.session.delete(next(p for p in agreement.parties if p.organisation_id == world.orgs["north"].id))
    db.session.commit()


@pytest.mark.parametrize("taken_away", [_moved_to_south, _school_no_longer_a_party])
def test_a_kept_page_is_not_served_to_a_reader_who_lost_access(world, login, taken_away):
    """A kept page skips the access check (tracker/auth/access.py): whatever takes the page away must take it out
    of the cache too."""
    overview = f"/agreements/{world.agreements['own'].id}"
    pages = (overview, f"{overview}/milestones", "/agreements")
    s = login(world.emails["school_librarian"])
    for url in pages * 2:  # the second time, from the cache
        assert s.get(url).status_code == 200
    taken_away(world)
    assert s.get(pages[0]).status_code == 404
    assert s.get(pages[1]).status_code == 404
    assert "Lakeside Card MOU" not in s.get(pages[2]).text


def token_in(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def test_a_kept_page_carries_the_readers_own_csrf_token(world, login):
    url = f"/agreements/{world.agreements['own'].id}"
    first = login(world.emails["viewer"])
    second = login(world.emails["viewer"])  # another browser: its own session and token
    kept = token_in(first.get(url).text)
    served = second.get(url).text
    assert token_in(served) != kept and "pagecache-csrf" not in served
    signed_out = second.client.post("/logout", data={"csrf_token": token_in(served)})
    assert signed_out.status_code in (302, 303)
    assert second.get(url).status_code in (302, 401)  # signed out: the kept page is not served to no one


def test_a_message_shown_once_is_not_kept(world, login):
    s = login(world.emails["admin"])
    agreement = world.agreements["own"]
    url = f"/agreements/{agreement.id}/details"
    s.get(url)
    with s.client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved the term.")]
    assert "Saved the term." in s.get(url).text
    assert "Saved the term." not in s.get(url).text


def kept_values(app) -> bytes:
    redis = Redis.from_url(app.config["PAGE_CACHE_URL"])
    return b"".join(redis.get(k) or b"" for k in redis.scan_iter(match="*:page:*"))


def test_students_names_are_never_kept(world, login, app):
    set_up_cards(world)
    import_roster(world, users_csv([("s-1", "sch-north", "Philippa", "Quartermaine", "04", "1001")]))
    s = login(world.emails["admin"])
    agreement = world.agreements["own"]
    roster = s.get(f"/agreements/{agreement.id}/roster")
    assert roster.status_code == 200 and "Quartermaine" in roster.text
    s.get(f"/agreements/{agreement.id}")
    assert b"Quartermaine" not in kept_values(app)


def test_pages_are_served_when_redis_cannot_be_reached(world, app):
    unreachable = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                         "PAGE_CACHE_URL": "redis://127.0.0.1:1/13"})
    unreachable.instance_path = app.instance_path
    s = Session(unreachable.test_client(), world.emails["viewer"])
    agreement = world.agreements["own"]
    assert "Lakeside Card MOU" in s.get(f"/agreements/{agreement.id}").text
    agreement.title = "Lakeside Reading MOU"
    db.session.commit()  # the stamps cannot move: logged, and the commit stands
    assert "Lakeside Reading MOU" in s.get(f"/agreements/{agreement.id}").text


def test_the_cache_clear_command_forgets_every_page(world, login, app):
    s = login(world.emails["viewer"])
    agreement = world.agreements["own"]
    s.get(f"/agreements/{agreement.id}")
    # Written past the session (as a restore would): no stamp moves, the kept page stays.
    db.session.connection().execute(text("UPDATE agreement SET title = 'Restored from a backup' WHERE id = :id"),
                                    {"id": agreement.id})
    db.session.commit()
    assert "Restored from a backup" not in s.get(f"/agreements/{agreement.id}").text
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0 and "forgotten" in result.output
    assert "Restored from a backup" in s.get(f"/agreements/{agreement.id}").text
