"""Test fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL),
its schema built by the migrations, every table emptied after each test."""
import os
import re
import secrets

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from tracker import create_app
from tracker.extensions import db, limiter
from tests.world import World, build_world

PASSWORD = "correct horse battery staple"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production, even while a test holds one
    (otherwise `g` — the CSRF token, the signed-in user, their scope — leaks between requests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    application = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    application.instance_path = str(instance)
    application.test_client_class = FreshContextClient
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return application


@pytest.fixture(scope="session")
def is_postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _empty_tables():
    tables = [t for t in reversed(db.Model.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean(app):
    with app.app_context():
        yield
        db.session.remove()
        _empty_tables()
        limiter.reset()  # rate-limit counts start afresh, like the tables


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> World:
    """Two partnerships, one "own" and one "other", and a user per role at the own organisations."""
    return build_world(PASSWORD)


class Session:
    """A signed-in test client that sends the CSRF token like the browser does."""

    def __init__(self, client, email):
        self.client = client
        self.email = email
        self.token = None
        if email:
            response = self.client.get("/login")
            token = self._token(response.get_data(as_text=True))
            response = self.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
            assert response.status_code == 303, response.get_data(as_text=True)
        self.refresh_token()

    @staticmethod
    def _token(html: str) -> str | None:
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
            r'"X-CSRFToken": "([^"]+)"', html
        ) or re.search(r'name="csrf_token" value="([^"]+)"', html)
        return match.group(1) if match else None

    def refresh_token(self):
        self.token = self._token(self.client.get("/login").get_data(as_text=True)) or self._token(
            self.client.get("/").get_data(as_text=True)
        )

    def get(self, url, htmx=False, **kw):
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.get(url, headers=headers, **kw)

    def post(self, url, data=None, htmx=False, csrf=True, **kw):
        data = dict(data or {})
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf and self.token:
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, headers=headers, **kw)


    @classmethod
    def signed_in(cls, client, user) -> "Session":
        """A session for `user` made as the sign-in form would leave it, without the round trips: the
        permission matrix needs hundreds of them."""
        from itsdangerous import URLSafeTimedSerializer

        raw = secrets.token_hex(20)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["csrf_token"] = raw
        made = cls.__new__(cls)
        made.client, made.email = client, user.email
        made.token = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token").dumps(raw)
        return made


@pytest.fixture
def login(app):
    """login(email) -> a Session for that user, through the sign-in form (login(None) for a visitor)."""

    def make(email):
        return Session(app.test_client(), email)

    return make


@pytest.fixture
def signed_in(app):
    """signed_in(user) -> a Session for that User, made directly (no sign-in requests)."""

    def make(user):
        return Session.signed_in(app.test_client(), user)

    return make


@pytest.fixture(scope="session")
def _smtp_server():
    from tests.mailbox import Mailbox

    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture
def mailbox(app, _smtp_server):
    """The app sends mail to a real local SMTP server for this test; read it from `mailbox.messages`."""
    _smtp_server.clear()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER=_smtp_server.host, MAIL_PORT=_smtp_server.port)
    yield _smtp_server
    app.config.update(saved)
