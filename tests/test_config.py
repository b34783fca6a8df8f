"""Settings per environment: production refuses laptop secrets, database URLs are normalised,
an unknown environment is named."""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import config
from tracker import create_app

ROOT = Path(__file__).resolve().parent.parent
MEMORY = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUBLIC_BASE_URL": "https://tracker.example.org"}
GOOD_KEY = secrets.token_urlsafe(48)


@pytest.fixture(autouse=True)
def _clean():
    """These tests build their own apps and never touch the test database: nothing to empty."""
    yield


@pytest.mark.parametrize("key", [config.DEFAULT_SECRET_KEY, "", None, "short", "x" * 31], ids=["default", "empty", "none", "short", "31 chars"])
def test_production_refuses_a_default_or_short_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {**MEMORY, "SECRET_KEY": key})


def test_production_starts_with_a_long_random_key_and_secure_cookies():
    app = create_app("production", {**MEMORY, "SECRET_KEY": GOOD_KEY})
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.config.get("DEBUG") and not app.config.get("TESTING")
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"


@pytest.mark.parametrize("url", [None, "", "tracker.example.org", "ftp://tracker.example.org", "/tracker", "https://",
                                 "https://tracker.example.org/?x=1"])
def test_production_refuses_a_missing_or_relative_public_base_url(url):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production", {**MEMORY, "SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": url})


def test_production_takes_an_absolute_public_base_url_with_a_path():
    app = create_app("production", {**MEMORY, "SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://city.example.gov/tracker/"})
    with app.app_context():
        from tracker import outward

        assert outward.link("calendar.feed", token="abc") == "https://city.example.gov/tracker/calendar/abc.ics"
        assert outward.uid_domain() == "city.example.gov"


def test_a_32_character_key_is_enough():
    create_app("production", {**MEMORY, "SECRET_KEY": "k" * 32})


def test_production_secure_cookie_is_sent_with_secure_flag(tmp_path):
    from flask_migrate import upgrade

    app = create_app("production", {**MEMORY, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'sessions.db'}", "SECRET_KEY": GOOD_KEY})
    with app.app_context():
        upgrade()  # the session is a row of the database
    client = app.test_client()
    response = client.get("/login", base_url="https://tracker.example")
    assert "csrf_token" in response.get_data(as_text=True)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_reads_its_settings_from_the_environment(tmp_path):
    """A fresh process, as gunicorn starts it: TRACKER_ENV, SECRET_KEY and DATABASE_URL from the environment."""
    script = (
        "import json; from tracker import create_app; app = create_app(); "
        "print(json.dumps({k: app.config[k] for k in ('ENVIRONMENT', 'SECRET_KEY', 'SQLALCHEMY_DATABASE_URI', "
        "'SESSION_COOKIE_SECURE', 'PUBLIC_BASE_URL')}))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "SESSION_COOKIE_SECURE")},
        "TRACKER_ENV": "production", "SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://app:pw@db.internal:5432/tracker",
        "PUBLIC_BASE_URL": "https://tracker.example.org",
        "TRACKER_INSTANCE": str(tmp_path),
    }
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    settings = json.loads(done.stdout.strip().splitlines()[-1])
    assert settings == {
        "ENVIRONMENT": "production", "SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://tracker.example.org",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app:pw@db.internal:5432/tracker", "SESSION_COOKIE_SECURE": True,
    }


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@db.example:5432/tracker", "postgresql+psycopg://u:p@db.example:5432/tracker"),
    ("postgresql://u:p@db.example/tracker?sslmode=require", "postgresql+psycopg://u:p@db.example/tracker?sslmode=require"),
    ("postgresql+psycopg://u@db.example/tracker", "postgresql+psycopg://u@db.example/tracker"),
    ("sqlite:///tmp/tracker.db", "sqlite:///tmp/tracker.db"),
])
def test_database_url_is_normalised_to_psycopg3(url, expected):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    with app.app_context():
        from tracker.extensions import db

        assert db.engine.url.drivername == expected.split(":")[0]


def test_no_database_url_means_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.setattr(config.Testing, "SQLALCHEMY_DATABASE_URI", None)
    app = create_app("testing")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'tracker.db'}"
    assert (tmp_path / "inst").is_dir()


def test_unknown_tracker_env_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "staging")
    with pytest.raises(RuntimeError) as raised:
        create_app(None, MEMORY)
    message = str(raised.value)
    assert "TRACKER_ENV" in message and "'staging'" in message
    for known in ("development", "production", "testing"):
        assert known in message


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="Unknown TRACKER_ENV 'prod'"):
        create_app("prod", MEMORY)


def test_tracker_env_chooses_the_settings(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "testing")
    app = create_app(None, MEMORY)
    assert app.config["TESTING"] is True and app.config["ENVIRONMENT"] == "testing"


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    app = create_app(None, MEMORY)
    assert app.config["ENVIRONMENT"] == "development" and app.config["DEBUG"] is True
