"""Signing in and out: redirects, audit, the slowdown after failures, inactive accounts, `next`, cookies, hashes."""
import re
import time
from html import unescape
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
from sqlalchemy import select, text
from werkzeug.security import check_password_hash

from tests.conftest import PASSWORD
from tracker import create_app
from tracker.audit.models import AuditEvent
from tracker.auth import service as accounts
from tracker.auth.models import User
from tracker.extensions import db


def body(response) -> str:
    return response.get_data(as_text=True)


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def login_token(client, url="/login") -> str:
    page = body(client.get(url))
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(client, email, password=PASSWORD, url="/login", headers=None, **extra):
    token = login_token(client, url)
    return client.post(url, data={"email": email, "password": password, "csrf_token": token, **extra},
                       headers=headers or {})


def events(action=None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.execute(query).scalars())


def signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "Sign out" in body(response)


def user(email) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


# ---- signing in --------------------------------------------------------------------------------

def test_login_redirects_to_the_dashboard_and_is_audited(world, client):
    email = world.emails["library_staff"]
    response = sign_in(client, email, headers={"User-Agent": "AuthTest/2.0"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/"
    assert signed_in(client)
    [event] = events("auth.login")
    u = user(email)
    assert (event.actor_id, event.entity_type, event.entity_id) == (u.id, "user", str(u.id))
    assert email in event.actor_label
    assert event.ip == "127.0.0.1" and event.user_agent == "AuthTest/2.0"


def test_login_is_case_insensitive_on_the_email(world, client):
    assert sign_in(client, "  Viewer@Test.Example ").status_code == 303


def test_wrong_password_is_refused_with_a_message_and_audited(world, client):
    email = world.emails["viewer"]
    response = sign_in(client, email, "not the password")
    page = body(response)
    assert response.status_code == 422
    assert "That email and password do not match an active account." in flat(page)
    assert 'value="viewer@test.example"' in page, "the email stays typed in"
    assert "not the password" not in page, "the password is not echoed back"
    assert not signed_in(client)
    [event] = events("auth.login_failed")
    assert event.entity_id == email and event.actor_id is None
    assert events("auth.login") == []


def test_unknown_email_gets_the_same_message(world, client):
    response = sign_in(client, "nobody@test.example")
    assert response.status_code == 422
    assert "That email and password do not match an active account." in flat(body(response))
    assert [e.entity_id for e in events("auth.login_failed")] == ["nobody@test.example"]


def test_empty_form_is_422(world, client):
    token = login_token(client)
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    assert 'id="email-error"' in body(response)


@pytest.fixture
def quick_slowdown(app, monkeypatch):
    """Three free failures per account, five per address, then a one-second wait (doubling). Counts start
    afresh in every test (tests/conftest.py)."""
    for name, value in {"LOGIN_FREE_FAILURES_PER_ACCOUNT": 3, "LOGIN_FREE_FAILURES_PER_ADDRESS": 5,
                        "LOGIN_FIRST_WAIT_SECONDS": 1, "LOGIN_LONGEST_WAIT_SECONDS": 4}.items():
        monkeypatch.setitem(app.config, name, value)


def test_failures_past_the_free_ones_make_the_next_attempt_wait_and_nobody_is_locked_out(world, client, quick_slowdown):
    email = world.emails["school_librarian"]
    for attempt in range(4):  # three free failures, then one that costs a wait
        assert sign_in(client, email, f"guess {attempt}").status_code == 422
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts. Try again in 1 second." in flat(body(response))
    assert response.headers["Retry-After"] == "1"
    assert "<html" in body(response) and 'class="site-footer"' in body(response), "the page is inside the layout"
    assert '<a href="/login">Try again</a>' in body(response)
    assert not signed_in(client)
    assert len(events("auth.login_failed")) == 4, "failures are audited; the refused attempt checked no password"
    time.sleep(1.05)
    assert sign_in(client, email, PASSWORD).status_code == 303
    assert signed_in(client)


def test_the_slowdown_is_per_account(world, app, quick_slowdown):
    waiting, other = app.test_client(), app.test_client()
    for attempt in range(4):
        sign_in(waiting, world.emails["school_librarian"], f"guess {attempt}")
    assert sign_in(waiting, world.emails["school_librarian"]).status_code == 429
    assert sign_in(other, world.emails["viewer"]).status_code == 303


def test_many_failures_from_one_address_slow_that_address_down_not_the_librarians_own(world, app, quick_slowdown):
    attacker, librarian = app.test_client(), app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    librarian.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for attempt in range(6):  # five free failures per address, the sixth costs a wait
        assert sign_in(attacker, f"nobody{attempt}@test.example", "guess").status_code == 422
    response = sign_in(attacker, world.emails["viewer"])
    assert response.status_code == 429
    assert "Too many attempts. Try again in 1 second." in flat(body(response))
    assert sign_in(librarian, world.emails["school_librarian"]).status_code == 303


def test_a_successful_sign_in_wipes_the_accounts_failures(world, app, quick_slowdown):
    email = world.emails["school_librarian"]
    first, second = app.test_client(), app.test_client()
    second.environ_base["REMOTE_ADDR"] = "198.51.100.8"  # this address's own failures are not wiped
    for attempt in range(3):
        assert sign_in(first, email, f"guess {attempt}").status_code == 422
    assert sign_in(first, email).status_code == 303
    for attempt in range(4):  # free again
        assert sign_in(second, email, f"guess {attempt}").status_code == 422
    assert sign_in(second, email).status_code == 429


def test_inactive_user_cannot_log_in(world, client):
    email = world.emails["library_staff"]
    u = user(email)
    u.active = False
    db.session.commit()
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 422
    assert "do not match an active account" in flat(body(response))
    assert not signed_in(client)
    assert [e.entity_id for e in events("auth.login_failed")] == [email]


def test_user_deactivated_while_signed_in_is_signed_out(world, login):
    s = login(world.emails["library_staff"])
    assert s.get("/").status_code == 200
    u = user(world.emails["library_staff"])
    u.active = False
    db.session.commit()
    response = s.get("/organisations")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_signed_in_user_visiting_login_goes_to_the_dashboard(world, login):
    response = login(world.emails["viewer"]).get("/login")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"


# ---- where to go after signing in --------------------------------------------------------------

def test_next_local_path_is_followed(world, client):
    response = sign_in(client, world.emails["viewer"], url="/login?next=/organisations%3Fkind%3Dschool")
    assert response.status_code == 303
    assert response.headers["Location"] == "/organisations?kind=school"


OUTSIDE = [
    "https://evil.example/steal",
    "//evil.example/steal",
    "/\\evil.example/steal",
    "\\\\evil.example/steal",
    "javascript:alert(1)",
    "evil.example",
]


def test_next_outside_the_site_is_ignored(world, app, subtests):
    for target in OUTSIDE:
        with subtests.test(target=target):
            response = sign_in(app.test_client(), world.emails["viewer"], url=f"/login?next={quote(target, safe='')}")
            assert response.status_code == 303
            location = response.headers["Location"]
            assert "\\" not in location
            assert urlsplit(urljoin("http://tracker.test/login", location)).netloc == "tracker.test", location
            assert location == "/" or location.startswith("/%5C"), location


def test_logged_out_visit_redirects_to_login_and_back(world, client):
    response = client.get("/organisations?kind=school")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"][0].startswith("/organisations?kind=school")
    login_url = f"{location.path}?{location.query}"
    response = sign_in(client, world.emails["viewer"], url=login_url)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/organisations?kind=school")


def test_logged_out_visit_says_why(client):
    response = client.get("/organisations", follow_redirects=True)
    assert "Sign in" in flat(body(response))
    assert "Please sign in to see that page." in flat(body(response))


def test_logged_out_htmx_request_gets_401_with_hx_redirect(client):
    response = client.get("/organisations?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


# ---- signing out -------------------------------------------------------------------------------

def test_logout_is_post_only(world, login):
    s = login(world.emails["viewer"])
    assert s.get("/logout").status_code == 405
    assert signed_in(s.client)
    assert events("auth.logout") == []


def test_logout_signs_out_and_is_audited(world, login):
    s = login(world.emails["viewer"])
    response = s.post("/logout")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert "You are signed out." in flat(body(s.get("/login")))
    assert s.get("/").status_code == 302
    [event] = events("auth.logout")
    assert event.actor_id == user(world.emails["viewer"]).id


def test_logout_also_forgets_the_remembered_device(world, client):
    assert sign_in(client, world.emails["viewer"], remember="y").status_code == 303
    page = body(client.get("/"))
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    client.delete_cookie("session")  # a new browser session: only the remember cookie could sign in
    assert client.get("/").status_code == 302


# ---- cookies and passwords ---------------------------------------------------------------------

def _cookie_header(response, name):
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))


def test_session_cookie_is_httponly_and_samesite_lax(world, client):
    response = sign_in(client, world.emails["viewer"])
    cookie = _cookie_header(response, "session")
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"


def test_keep_me_signed_in_makes_the_session_cookie_outlive_the_browser_and_nothing_else(world, client):
    response = sign_in(client, world.emails["viewer"], remember="y")
    cookie = _cookie_header(response, "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]


def test_passwords_are_stored_hashed(world, client):
    sign_in(client, world.emails["viewer"], "a wrong guess 123")
    for u in db.session.execute(select(User)).scalars():
        assert PASSWORD not in u.password_hash
        assert u.password_hash.startswith("pbkdf2:sha256:")
        assert check_password_hash(u.password_hash, PASSWORD)
    hashes = {u.password_hash for u in db.session.execute(select(User)).scalars()}
    assert len(hashes) == len(world.emails), "each hash is salted"
    dumped = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM audit_event")))
    assert PASSWORD not in dumped and "a wrong guess 123" not in dumped


def test_production_hashes_with_scrypt(app):
    production = create_app("production", {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                         "PUBLIC_BASE_URL": "https://tracker.example.org"})
    with production.app_context():
        hashed = accounts.hash_password("s3cret")
    assert hashed.startswith("scrypt:") and "s3cret" not in hashed
    assert check_password_hash(hashed, "s3cret")
