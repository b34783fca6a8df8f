"""Passwords without an admin: a forgotten one reset through an emailed link, one's own changed on /profile."""
import re
import time
from datetime import datetime

from sqlalchemy import select, update

from tests.conftest import PASSWORD
from tracker.audit.models import AuditEvent
from tracker.auth.models import AccountLink
from tracker.extensions import db

NEW = "a fresh long password"


def signs_in(email, password, login) -> bool:
    visitor = login(None)
    response = visitor.post("/login", {"email": email, "password": password})
    return response.status_code == 303 and visitor.get("/").status_code == 200


def reset_path(mailbox, index=-1) -> str:
    return re.search(r"/password/[A-Za-z0-9_-]+", mailbox.text(index)).group(0)


def test_a_forgotten_password_is_reset_through_the_emailed_link_once(world, login, mailbox):
    visitor = login(None)
    response = visitor.post("/password/forgot", {"email": world.emails["viewer"].upper()})
    assert response.status_code == 303
    assert "an email with a link to choose a new password is on its way" in visitor.get("/login").text
    mailbox.wait(1)
    assert mailbox.envelopes[0][1] == [world.emails["viewer"]]
    path = reset_path(mailbox)
    other_browser = login(world.emails["viewer"])
    assert visitor.post(path, {"password": NEW, "confirm": "something else"}).status_code == 422
    assert visitor.post(path, {"password": "short", "confirm": "short"}).status_code == 422
    assert visitor.post(path, {"password": NEW, "confirm": NEW}).status_code == 303
    assert other_browser.get("/").status_code == 302  # every session of the account ended
    assert signs_in(world.emails["viewer"], NEW, login)
    assert not signs_in(world.emails["viewer"], PASSWORD, login)
    again = visitor.post(path, {"password": "yet another long one", "confirm": "yet another long one"})
    assert again.status_code == 410 and "already been used" in again.text
    assert signs_in(world.emails["viewer"], NEW, login)  # nothing changed


def test_an_unknown_address_gets_the_same_answer_in_about_the_same_time(world, login, mailbox):
    visitor = login(None)

    def ask(email):
        started = time.perf_counter()
        response = visitor.post("/password/forgot", {"email": email})
        return response, time.perf_counter() - started

    known, known_time = ask(world.emails["viewer"])
    unknown, unknown_time = ask("nobody@lakeside.example")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert abs(known_time - unknown_time) < 0.25
    mailbox.wait(2)
    assert "no active account uses this address" in mailbox.text(1)
    assert "/password/" not in mailbox.text(1)
    assert db.session.scalar(select(db.func.count(AccountLink.id))) == 1  # only the known account got a link


def test_expired_withdrawn_and_unknown_links_show_a_clear_page_and_change_nothing(world, login, mailbox):
    visitor = login(None)
    visitor.post("/password/forgot", {"email": world.emails["viewer"]})
    visitor.post("/password/forgot", {"email": world.emails["viewer"]})
    mailbox.wait(2)
    first, second = reset_path(mailbox, 0), reset_path(mailbox, 1)
    withdrawn = visitor.post(first, {"password": NEW, "confirm": NEW})
    assert withdrawn.status_code == 410 and "replaced by a newer one" in withdrawn.text
    db.session.execute(update(AccountLink).values(expires_at=datetime(2000, 1, 1)))
    db.session.commit()
    expired = visitor.post(second, {"password": NEW, "confirm": NEW})
    assert expired.status_code == 410 and "has expired" in expired.text
    unknown = visitor.get("/password/not-a-real-token")
    assert unknown.status_code == 404 and "is not valid" in unknown.text
    assert signs_in(world.emails["viewer"], PASSWORD, login)


def test_repeated_resets_are_limited_per_address_and_per_mailbox(app, world, login, mailbox):
    saved = app.config["RATE_LIMIT_PASSWORD_RESET"], app.config["RATE_LIMIT_PASSWORD_RESET_ACCOUNT"]
    app.config.update(RATE_LIMIT_PASSWORD_RESET="4 per hour", RATE_LIMIT_PASSWORD_RESET_ACCOUNT="2 per hour")
    try:
        visitor = login(None)
        answers = [visitor.post("/password/forgot", {"email": world.emails["viewer"]}).status_code for _ in range(3)]
        assert answers == [303, 303, 429]  # one mailbox
        others = [visitor.post("/password/forgot", {"email": f"p{i}@lakeside.example"}).status_code for i in range(3)]
        assert others == [303, 303, 429]  # one address: 4 per hour
        assert "Try again in" in visitor.post("/password/forgot", {"email": "q@lakeside.example"}).text
    finally:
        app.config["RATE_LIMIT_PASSWORD_RESET"], app.config["RATE_LIMIT_PASSWORD_RESET_ACCOUNT"] = saved


def test_changing_ones_own_password_needs_the_current_one_and_ends_every_other_session(world, login):
    me = login(world.emails["library_staff"])
    elsewhere = login(world.emails["library_staff"])
    assert "Change your password" in me.get("/profile").text
    wrong = me.post("/profile/password", {"current_password": "not it at all", "new_password": NEW})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    short = me.post("/profile/password", {"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    assert elsewhere.get("/").status_code == 200  # nothing changed yet
    assert me.post("/profile/password", {"current_password": PASSWORD, "new_password": NEW}).status_code == 303
    assert me.get("/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/").status_code == 302  # the other one is signed out
    assert signs_in(world.emails["library_staff"], NEW, login)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("auth.password%"))).all()
    assert actions == ["auth.password_change_failed", "auth.password_changed"]
