"""Rate limits (tracker/limits.py): the sign-in slowdown as a person meets it, its numbers, the shared
counts in Redis, and the page limits later public pages wear. Counts are real Flask-Limiter storages:
the in-memory one, its clock driven forward where waiting for real would take minutes, and the local Redis."""
import re
import time
from html import unescape

import limits.storage.memory
import pytest
from flask import Flask

import tracker.limits
from tests.conftest import PASSWORD
from tracker import create_app
from tracker.extensions import db, limiter
from tracker.limits import SIGN_IN, TooManyAttempts, page_limit

REDIS_URL = "redis://127.0.0.1:6379/14"  # the jobs test uses 15


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def sign_in(client, email, password=PASSWORD, address="192.0.2.10", headers=None):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


def wait_shown(response) -> int:
    """The seconds the page asks the person to wait, checked against Retry-After."""
    assert response.status_code == 429, response.status_code
    match = re.search(r"Too many attempts\. Try again in (\d+) seconds?\.", flat(response.get_data(as_text=True)))
    assert match, flat(response.get_data(as_text=True))
    assert response.headers["Retry-After"] == match.group(1)
    return int(match.group(1))


class Clock:
    """The time the in-memory storage (and the module's "seconds left") read, moved by the test."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)  # the storage's own time source
    monkeypatch.setattr(tracker.limits, "time", clock)
    return clock


# ---- the sign-in slowdown with the shipped numbers ---------------------------------------------

def fail_again_and_again(client, email, times, address="192.0.2.10", clock=None) -> list[int]:
    """Wrong passwords, each as soon as allowed; the waits the person was shown on the way."""
    waits = []
    for attempt in range(times):
        response = sign_in(client, email, f"guess {attempt}", address=address)
        if response.status_code == 429:
            waits.append(wait_shown(response))
            clock.advance(waits[-1])
            response = sign_in(client, email, f"guess {attempt}", address=address)
        assert response.status_code == 422
    return waits


def test_the_wait_doubles_after_three_free_failures_up_to_five_minutes(world, client, clock):
    email = world.emails["school_librarian"]
    assert fail_again_and_again(client, email, 12, clock=clock) == [5, 10, 20, 40, 80, 160, 300, 300]
    assert wait_shown(sign_in(client, email)) == 300, "even the right password waits its turn"


def test_an_account_is_never_locked_out(world, client, clock):
    email = world.emails["school_librarian"]
    fail_again_and_again(client, email, 40, clock=clock)
    assert wait_shown(sign_in(client, email)) == 300, "the longest wait, however many failures"
    clock.advance(300)
    assert sign_in(client, email).status_code == 303


def test_failures_older_than_an_hour_no_longer_count(world, app, clock):
    email = world.emails["school_librarian"]
    for attempt in range(4):
        assert sign_in(app.test_client(), email, f"guess {attempt}").status_code == 422
    assert wait_shown(sign_in(app.test_client(), email)) == 5
    clock.advance(61 * 60)
    for attempt in range(4):  # free again
        assert sign_in(app.test_client(), email, f"again {attempt}").status_code == 422


def test_an_attacker_on_one_address_is_slowed_there_and_the_librarian_waits_no_more_than_her_account_says(
        world, app, clock):
    attacker, librarian = app.test_client(), app.test_client()
    email, there, hers = world.emails["school_librarian"], "203.0.113.66", "198.51.100.7"
    for attempt in range(21):  # twenty free failures per address, here on accounts that do not exist
        assert sign_in(attacker, f"nobody{attempt}@test.example", "guess", address=there).status_code == 422
    assert wait_shown(sign_in(attacker, world.emails["viewer"], address=there)) == 5, "the address waits, any account"
    clock.advance(5)
    # Now at her account: his address's waits double from 10 s, her account's only starts after 3 failures.
    assert fail_again_and_again(attacker, email, 4, address=there, clock=clock) == [10, 20, 40]
    assert wait_shown(sign_in(attacker, email, "guess", address=there)) == 80
    assert wait_shown(sign_in(librarian, email, address=hers)) == 5
    clock.advance(5)
    assert sign_in(librarian, email, address=hers).status_code == 303
    assert wait_shown(sign_in(attacker, world.emails["viewer"], address=there)) == 75


def test_an_htmx_request_gets_the_message_without_the_layout(world, client, clock):
    for attempt in range(4):
        sign_in(client, world.emails["viewer"], f"guess {attempt}")
    response = sign_in(client, world.emails["viewer"], headers={"HX-Request": "true"})
    assert wait_shown(response) == 5
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'class="error-page"' in page


# ---- the module: one attempt at a time past the free failures, nothing held -------------------

def test_past_the_free_failures_one_attempt_at_a_time_goes_through(app, clock):
    with app.test_request_context():
        for _ in range(3):
            with SIGN_IN.attempt(account="a@test.example", address="192.0.2.1") as attempt:
                attempt.failed()
        with SIGN_IN.attempt(account="a@test.example", address="192.0.2.1"):
            # while this one checks its password, a concurrent attempt at the account is refused
            with pytest.raises(TooManyAttempts) as refused:
                SIGN_IN.attempt(account="a@test.example", address="192.0.2.2")
            assert refused.value.seconds == 5
        # the first one ended without an answer (an error): it gave its turn back
        with SIGN_IN.attempt(account="a@test.example", address="192.0.2.2") as attempt:
            attempt.succeeded()
        with SIGN_IN.attempt(account="a@test.example", address="192.0.2.2") as attempt:
            attempt.failed()  # the success wiped the account's failures: free again


def test_without_a_client_address_only_the_account_counts(app):
    """No address at all (a proxy not declared in PROXY_COUNT would give everyone one address; none gives none):
    failures are not pooled into one key that would slow everyone down."""
    with app.test_request_context():
        for n in range(25):
            with SIGN_IN.attempt(account=f"someone{n}@test.example", address="") as attempt:
                attempt.failed()


def test_a_refused_attempt_does_not_make_the_wait_longer(world, client, clock):
    email = world.emails["viewer"]
    for attempt in range(4):
        sign_in(client, email, f"guess {attempt}")
    assert wait_shown(sign_in(client, email)) == 5
    clock.advance(3)
    assert wait_shown(sign_in(client, email)) == 2
    clock.advance(2)
    assert sign_in(client, email).status_code == 303


def test_no_email_or_address_is_kept_in_the_counts(world, app, client):
    for attempt in range(5):
        sign_in(client, world.emails["viewer"], f"guess {attempt}", address="192.0.2.55")
    with app.app_context():
        kept = " ".join(str(key) for key in limiter.storage.events) + " ".join(limiter.storage.storage)
    assert kept and "viewer" not in kept and "192.0.2.55" not in kept


# ---- Redis: every worker and machine shares the counts ----------------------------------------

@pytest.fixture
def redis_apps(app):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (see the README: the suite needs it)")
    connection.flushdb()
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
                "LOGIN_FIRST_WAIT_SECONDS": 1}
    apps = create_app("testing", settings), create_app("testing", settings)
    yield apps
    for each in apps:
        with each.app_context():
            db.engine.dispose()
    connection.flushdb()


def test_with_redis_two_app_instances_share_the_counts(world, app, redis_apps):
    one, two = redis_apps
    assert one.extensions["limiter.counts"] is not two.extensions["limiter.counts"], "two separate apps"
    email = world.emails["library_staff"]
    for attempt in range(4):
        assert sign_in(one.test_client(), email, f"guess {attempt}").status_code == 422
    response = sign_in(two.test_client(), email)
    assert wait_shown(response) == 1
    assert sign_in(app.test_client(), email).status_code == 303, "the session's app counts in its own memory"
    time.sleep(1.1)
    assert sign_in(two.test_client(), email).status_code == 303


def test_when_redis_cannot_be_reached_people_still_sign_in_and_it_is_logged(world, app, caplog):
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "REDIS_URL": "redis://127.0.0.1:1/14"}  # nothing listens there: refused at once
    down = create_app("testing", settings)
    email = world.emails["library_staff"]
    for attempt in range(5):
        assert sign_in(down.test_client(), email, f"guess {attempt}").status_code == 422
    assert sign_in(down.test_client(), email).status_code == 303
    assert "Rate-limit storage unreachable, sign-in not slowed down" in caplog.text
    with down.app_context():
        db.engine.dispose()


# ---- page limits: the seam later public pages use ----------------------------------------------

def test_a_page_limit_answers_429_with_the_wait_per_address(monkeypatch):
    monkeypatch.setitem(tracker.limits.PAGES, "test-page", "RATE_LIMIT_TEST_PAGE")
    other: Flask = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATE_LIMIT_TEST_PAGE": "2 per minute"})

    @page_limit("test-page")
    def looked_up():
        return "found"

    other.add_url_rule("/looked-up", "looked_up", looked_up)
    client = other.test_client()
    here = {"REMOTE_ADDR": "192.0.2.20"}
    assert [client.get("/looked-up", environ_base=here).status_code for _ in range(2)] == [200, 200]
    response = client.get("/looked-up", environ_base=here)
    assert 55 <= wait_shown(response) <= 61
    assert "Try again" in flat(response.get_data(as_text=True))
    assert client.get("/looked-up", environ_base={"REMOTE_ADDR": "192.0.2.21"}).status_code == 200


def test_verify_and_signing_links_are_limited_per_address_through_the_one_limiter(app, client, monkeypatch):
    """/verify and /sign/<token> wear the module's page limits: past the limit an address gets the 429 page
    that says how long to wait; another address is not slowed."""
    monkeypatch.setitem(app.config, "RATE_LIMIT_VERIFY", "3 per minute")
    monkeypatch.setitem(app.config, "RATE_LIMIT_SIGNING_LINK", "2 per minute")
    limiter.reset()
    here, there = {"REMOTE_ADDR": "192.0.2.30"}, {"REMOTE_ADDR": "192.0.2.31"}
    try:
        assert [client.get("/verify", environ_base=here).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/verify?id=MOU-0000000000", environ_base=here)
        assert 1 <= wait_shown(refused) <= 61
        assert client.get("/verify", environ_base=there).status_code == 200
        assert [client.get("/sign/no-such-token", environ_base=here).status_code for _ in range(2)] == [404, 404]
        assert 1 <= wait_shown(client.get("/sign/another-token", environ_base=here)) <= 61
        assert client.get("/sign/no-such-token", environ_base=there).status_code == 404
    finally:
        limiter.reset()
