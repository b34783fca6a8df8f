"""Test fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), its schema built
by the migrations. Each test runs in a transaction rolled back after it, on top of the worlds it asks for, built
once per session (tests/database.py); a test marked `committed`, and every browser test, commits for real and
every table is emptied after it."""
import copy
import os
import re
import secrets
import time

import pytest
from flask import current_app, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select, text

from config import Testing
from tracker import create_app
from tracker.auth.models import User
from tracker.extensions import db, limiter
from tests import database
from tests.world import World, build_world, ids_of, world_of

# The tests' own "today" (date.today(), datetime.now(), Chromium's clock, commands they start) is the app's default
# day, whatever the hour in UTC: otherwise, between midnight UTC and midnight in that zone, a date a test types is
# "tomorrow" to the app.
os.environ["TZ"] = Testing.DEFAULT_TIME_ZONE
time.tzset()

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
        if has_app_context() and db.session.registry.has():
            database.release(db.session())  # what the test read is not a transaction the request nests in
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


@pytest.fixture(scope="session")
def _shared(app):
    shared = database.Database(app, {"world": _world_layer, "matrix": _matrix_layer})
    yield shared
    shared.close()


def _layers_for(fixtures) -> list[str]:
    if "matrix" in fixtures:
        return ["world", "matrix"]
    return ["world"] if "world" in fixtures else []


def pytest_terminal_summary(terminalreporter):
    if database.BUILT:
        built = ", ".join(f"{name} {times}x" for name, times in database.BUILT.items())
        terminalreporter.write_line(f"shared worlds built: {built}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests commit (the app serves the browser from another thread). Tests run grouped by the worlds
    they share, each group in the order collected: those on an empty database, on the world, on the matrix,
    then the committed ones; so each world is built once."""
    for item in items:
        if "e2e" in item.path.parts and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)  # every test under tests/e2e is a browser test, marked or not
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.committed)

    def group(item) -> int:
        if item.get_closest_marker("committed"):
            return 3
        return len(_layers_for(getattr(item, "fixturenames", ())))

    items.sort(key=group)


@pytest.fixture(autouse=True)
def _database(app, _shared, request):
    """The test's transaction (or, marked `committed`, empty tables after it), and the state kept outside the
    database put back: rate-limit counts, the audit checkpoint file, the scopes this worker keeps."""
    from tracker.pagecache import store as pagecache
    from tracker.scope import users

    committed = request.node.get_closest_marker("committed") is not None
    with app.app_context():
        _shared.begin_test(_layers_for(request.fixturenames), committed)
        yield _shared
        db.session.remove()
        if committed:
            _empty_tables()
            # Audit checkpoints describe rows that are gone now (the audit key may stay: it describes nothing).
            _shared.checkpoint_file.unlink(missing_ok=True)
        else:
            _shared.end_test()  # rolled back, and the checkpoint file as the test's layers left it
        limiter.reset()  # rate-limit counts start afresh, like the tables
        pagecache.forget_all()  # the pages kept show what the rolled-back test wrote
        with users._kept._lock:
            users._kept._entries.clear()


def _world_layer(_below: dict) -> dict:
    return ids_of(build_world(PASSWORD))


def _matrix_layer(below: dict) -> dict:
    """The matrix's partnership and users, what its URLs name (made once here rather than in the first request
    of each test), and a signed-in session for each of its users."""
    from tests.routes import build_matrix, card_values, document_values, signing_token

    matrix = build_matrix(world_of(below["world"]), PASSWORD)
    card_values(matrix, fresh_import=False)
    document_values(matrix)
    signing_token(matrix)
    sessions = {}
    for user in matrix.users.values():
        made = Session.signed_in(current_app.test_client(), user)
        sessions[user.id] = (made.client.get_cookie(current_app.config["SESSION_COOKIE_NAME"]).value, made.token)
    return {"world": ids_of(matrix.world), "users": {key: user.id for key, user in matrix.users.items()},
            "ids": copy.deepcopy(matrix.ids), "sessions": sessions}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app, _database) -> World:
    """Two partnerships, one "own" and one "other", and a user per role at the own organisations."""
    if _database.committed:
        return build_world(PASSWORD)
    return world_of(_database.layer("world"))


@pytest.fixture
def matrix(world, _database):
    """The permission matrix (tests/routes.py): the world, the subject partnership, a user per role at each home."""
    from tests.routes import Matrix, build_matrix

    if _database.committed:
        return build_matrix(world, PASSWORD)
    data = _database.layer("matrix")
    world_of(data["world"], into=world)
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(data["users"].values())))}
    return Matrix(world, {key: users[i] for key, i in data["users"].items()}, copy.deepcopy(data["ids"]))


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

    @classmethod
    def resumed(cls, client, email: str, cookie: str, token: str) -> "Session":
        """A session made earlier (its row, cookie and CSRF token), in a client of its own."""
        client.set_cookie(client.application.config["SESSION_COOKIE_NAME"], cookie)
        made = cls.__new__(cls)
        made.client, made.email, made.token = client, email, token
        return made


@pytest.fixture
def login(app):
    """login(email) -> a Session for that user, through the sign-in form (login(None) for a visitor)."""

    def make(email):
        return Session(app.test_client(), email)

    return make


@pytest.fixture
def signed_in(app, _database):
    """signed_in(user) -> a Session for that User, made directly (no sign-in requests); for a user of the
    permission matrix, the session made once when the matrix was built."""

    def make(user):
        kept = _database.kept_session(user.id)
        if kept:
            return Session.resumed(app.test_client(), user.email, *kept)
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
