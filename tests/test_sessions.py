"""Sessions kept on the server: a copied cookie stops working at sign-out, a new password or an ended
session signs the other browsers out, nothing of a signed-in page is cached, and a bad cookie is simply
no session."""
import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import event, select, update

from tests.test_auth import body, sign_in, signed_in, user
from tests.documents import out_for_signature, outside, sign_all
from tracker.auth import sessions
from tracker.auth.models import UserSession
from tracker.extensions import db

ALICE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
BOB = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def copy_of(app, client):
    """A second client (another machine) holding a copy of the first one's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_of(client))
    return thief


def csrf(client) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', body(client.get("/"))).group(1)


def rows() -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession)))


def test_the_cookie_holds_a_random_token_and_the_table_only_its_hash(world, client):
    sign_in(client, world.emails["viewer"])
    token = cookie_of(client)
    assert len(token) >= 40 and "." not in token  # no signed payload, nothing of the user in it
    [row] = [r for r in rows() if r.user_id is not None]
    assert row.id == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row.data) and token != row.id


def test_signing_in_starts_a_new_session_so_a_planted_token_is_worthless(app, world, client):
    client.get("/login")  # the sign-in form's CSRF token: a session before signing in
    before = cookie_of(client)
    planted = app.test_client()
    planted.set_cookie("session", before)
    sign_in(client, world.emails["viewer"])
    assert cookie_of(client) != before
    assert signed_in(client) and not signed_in(planted)


def test_sign_out_ends_the_session_for_a_copied_cookie_too(app, world, client):
    assert sign_in(client, world.emails["viewer"]).status_code == 303
    thief = copy_of(app, client)
    assert signed_in(thief)  # a copy works while the session lasts
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 303
    assert not signed_in(thief)
    assert not signed_in(client)


def test_sign_out_ends_a_kept_session_for_a_copied_cookie_too(app, world, client):
    """"Keep me signed in" is the same session, kept longer: there is no second cookie to forget."""
    assert sign_in(client, world.emails["viewer"], remember="y").status_code == 303
    thief = copy_of(app, client)
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 303
    assert not signed_in(thief)


def test_a_new_password_ends_the_other_sessions(app, world, login):
    staff_here, staff_there = login(world.emails["library_staff"]), login(world.emails["library_staff"])
    admin = login(world.emails["admin"])
    staff = user(world.emails["library_staff"])
    assert admin.post(f"/users/{staff.id}/password", {"password": "a brand new password"}).status_code == 303
    assert not signed_in(staff_here.client) and not signed_in(staff_there.client)
    assert signed_in(admin.client)


def test_an_admin_setting_their_own_password_stays_signed_in_here_only(app, world, login):
    here, there = login(world.emails["admin"]), login(world.emails["admin"])
    me = user(world.emails["admin"])
    assert here.post(f"/users/{me.id}/password", {"password": "a brand new password"}).status_code == 303
    assert signed_in(here.client) and not signed_in(there.client)


def test_deactivation_ends_every_session(world, login):
    staff = login(world.emails["library_staff"])
    admin = login(world.emails["admin"])
    u = user(world.emails["library_staff"])
    page = admin.get(f"/users/{u.id}").get_data(as_text=True)
    organisations = re.findall(r'<option selected value="(\d+)"', page) or [str(world.orgs["library"].id)]
    response = admin.post(f"/users/{u.id}", {"name": u.name, "email": u.email, "role": u.role,
                                             "organisation_ids": organisations})  # "May sign in" left unticked
    assert response.status_code == 303, response.get_data(as_text=True)
    assert not user(world.emails["library_staff"]).active
    assert not signed_in(staff.client)
    assert not [r for r in rows() if r.user_id == u.id]


def test_profile_lists_the_sessions_and_ends_one(app, world, client):
    sign_in(client, world.emails["viewer"], headers={"User-Agent": ALICE})
    phone = app.test_client()
    sign_in(phone, world.emails["viewer"], headers={"User-Agent": BOB}, remember="y")
    page = body(client.get("/profile", headers={"User-Agent": ALICE}))
    listed = re.search(r'<section class="card" id="sessions".*?</section>', page, re.S).group(0)
    assert "Chrome · Windows" in listed and "This browser" in listed
    assert "Safari · iPhone" in listed and "kept signed in" in listed
    phone_handle = next(r.id for r in rows() if r.user_agent == BOB)
    response = client.post("/profile/sessions/end", data={"csrf_token": csrf(client), "session": phone_handle})
    assert response.status_code == 303
    assert "that browser is signed out" in body(client.get("/profile"))
    assert not signed_in(phone) and signed_in(client)


def test_nobody_ends_someone_elses_session(app, world, client):
    sign_in(client, world.emails["viewer"])
    other = app.test_client()
    sign_in(other, world.emails["library_staff"])
    theirs = next(r.id for r in rows() if r.user_id == user(world.emails["library_staff"]).id)
    client.post("/profile/sessions/end", data={"csrf_token": csrf(client), "session": theirs})
    assert signed_in(other)


def test_sign_out_everywhere_else(app, world, client):
    sign_in(client, world.emails["viewer"])
    others = [app.test_client() for _ in range(2)]
    for other in others:
        sign_in(other, world.emails["viewer"])
    assert client.post("/profile/sessions/end-others", data={"csrf_token": csrf(client)}).status_code == 303
    assert signed_in(client) and not any(signed_in(o) for o in others)


def test_an_unknown_garbled_or_expired_cookie_is_no_session(app, world, client):
    for value in ("nonsense", "x" * 4000, "%00%ff", ""):
        visitor = app.test_client()
        visitor.set_cookie("session", value)
        response = visitor.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"], value
        assert visitor.get("/login").status_code == 200
    sign_in(client, world.emails["viewer"])
    db.session.execute(update(UserSession).values(expires_at=datetime.utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert client.get("/").status_code == 302


def test_an_idle_session_ends(app, world, client):
    sign_in(client, world.emails["viewer"])
    idle = timedelta(hours=app.config["SESSION_IDLE_HOURS"])
    [row] = [r for r in rows() if r.user_id is not None]
    assert row.expires_at - row.last_seen_at == idle
    assert not row.remember


def test_last_seen_is_written_at_most_every_few_minutes(app, world, client):
    sign_in(client, world.emails["viewer"])
    client.get("/")
    writes = []

    def watch(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("UPDATE USER_SESSION", "INSERT INTO USER_SESSION", 'UPDATE "USER_SESSION"')):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        for _ in range(5):
            assert client.get("/agreements").status_code == 200
        assert writes == []
        db.session.execute(update(UserSession).values(last_seen_at=datetime.utcnow() - timedelta(minutes=6)))
        db.session.commit()
        writes.clear()
        client.get("/agreements")
        client.get("/agreements")
        assert len(writes) == 1  # six minutes on: written once, then not again
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)


def test_signed_in_pages_are_not_cached(world, login, client):
    s = login(world.emails["school_librarian"])
    for url in ("/", "/agreements", f"/agreements/{world.agreements['own'].id}", "/profile"):
        assert s.get(url).headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")  # a visitor's page holds nothing
    assert "no-store" not in s.get("/static/app.css").headers.get("Cache-Control", "")  # the same for everyone


def test_a_sealed_pdf_may_be_kept_and_is_served_again_only_when_changed(world, login):
    version = sign_all(out_for_signature(world, [outside()]))
    s = login(world.emails["library_staff"])
    url = f"/agreements/{world.agreements['own'].id}/versions/{version.id}/pdf"
    response = s.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["ETag"].strip('"') == version.pdf_sha256
    again = s.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_browser_names(world):
    assert sessions.browser_of(ALICE) == "Chrome · Windows"
    assert sessions.browser_of(BOB) == "Safari · iPhone"
    assert sessions.browser_of("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") == "Firefox · Linux"
    assert sessions.browser_of("") == "?"


def test_expired_sessions_are_deleted_as_new_ones_start(app, world, client, monkeypatch):
    sign_in(client, world.emails["viewer"])
    db.session.execute(update(UserSession).values(expires_at=datetime.utcnow() - timedelta(minutes=1)))
    db.session.commit()
    monkeypatch.setattr(sessions, "_purged", [datetime.min])  # this worker has not purged yet
    sign_in(app.test_client(), world.emails["library_staff"])
    assert [r.user_id for r in rows()] == [user(world.emails["library_staff"]).id]
