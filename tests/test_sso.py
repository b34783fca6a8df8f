"""Single sign-on against a real OpenID Connect provider running locally (tests/oidc.py), Google- and Entra-shaped."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from tests import oidc
from tracker.audit.models import AuditEvent
from tracker.auth import sso
from tracker.auth.models import User
from tracker.extensions import db


@pytest.fixture(scope="module")
def google_shaped():
    with oidc.running() as provider:
        yield provider


@pytest.fixture(scope="module")
def entra_shaped():
    with oidc.running(entra=True) as provider:
        yield provider


@pytest.fixture
def sso_config(app, google_shaped, entra_shaped):
    saved = {k: app.config[k] for k in ("SSO_PROVIDERS", "SSO_SIGNUP_DOMAINS", "PUBLIC_BASE_URL", "PASSWORD_SIGN_IN")}
    app.config.update(SSO_PROVIDERS={"google": oidc.settings(google_shaped, "Google"),
                                     "microsoft": oidc.settings(entra_shaped, "Microsoft")},
                      SSO_SIGNUP_DOMAINS=frozenset({"lakeside.test"}), PUBLIC_BASE_URL="http://localhost")
    yield
    app.config.update(saved)


def authorize(client, key: str, sub: str) -> tuple[str, str]:
    """Start signing in with `key` and let the provider authorize `sub`: (the callback path, its query)."""
    start = client.get(f"/login/sso/{key}")
    assert start.status_code == 302, start.status_code
    answer = requests.post(start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return back.path, back.query


def sign_in_with(client, key: str, sub: str):
    path, query = authorize(client, key, sub)
    return client.get(f"{path}?{query}")


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_a_verified_google_email_of_an_account_signs_its_owner_in(world, client, sso_config, google_shaped):
    google_shaped.add_user("g-viewer", email=world.emails["viewer"].upper(), email_verified=True, hd="test.example")
    assert "Sign in with Google" in client.get("/login").text
    response = sign_in_with(client, "google", "g-viewer")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Dashboard" in client.get("/").text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login").order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"with": [None, "Google"]}


def test_an_unverified_email_is_refused_and_nobody_is_signed_in(world, client, sso_config, google_shaped):
    google_shaped.add_user("g-unverified", email=world.emails["viewer"], email_verified=False)
    response = sign_in_with(client, "google", "g-unverified")
    assert response.status_code == 403 and "has not verified the email address" in response.text
    assert client.get("/").status_code == 302


def test_a_domain_not_allowed_is_refused_and_no_account_is_made(world, client, sso_config, google_shaped):
    before = users()
    google_shaped.add_user("g-stranger", email="someone@elsewhere.test", email_verified=True)
    response = sign_in_with(client, "google", "g-stranger")
    assert response.status_code == 403 and "There is no account for someone@elsewhere.test" in response.text
    assert users() == before


def test_an_allowed_domain_asks_for_an_account_that_waits_for_approval(world, client, sso_config, google_shaped, login):
    google_shaped.add_user("g-new", email="maria@lakeside.test", email_verified=True, name="Maria Gonzalez")
    response = sign_in_with(client, "google", "g-new")
    assert response.status_code == 200 and "waits for an admin to approve it" in response.text
    maria = db.session.scalar(select(User).where(User.email == "maria@lakeside.test"))
    assert (maria.name, maria.role, maria.active, maria.pending_approval) == ("Maria Gonzalez", "viewer", False, True)
    assert client.get("/").status_code == 302
    again = sign_in_with(client, "google", "g-new")
    assert "waiting for an admin to approve it" in again.text and users() == db.session.scalar(select(func.count(User.id)))

    admin = login(world.emails["admin"])
    assert "waiting for approval" in admin.get("/users").text
    approved = admin.post(f"/users/{maria.id}", {"name": "Maria Gonzalez", "email": "maria@lakeside.test", "role": "viewer",
                                                 "organisation_ids": [str(world.orgs["north"].id)], "active": "y"})
    assert approved.status_code == 303
    assert sign_in_with(client, "google", "g-new").status_code == 303


def test_a_state_that_does_not_match_is_refused(world, client, sso_config, google_shaped):
    google_shaped.add_user("g-state", email=world.emails["viewer"], email_verified=True)
    path, query = authorize(client, "google", "g-state")
    params = parse_qs(query)
    response = client.get(f"{path}?code={params['code'][0]}&state=not-the-state")
    assert response.status_code == 400 and "could not be checked" in response.text
    assert client.get("/").status_code == 302


def test_a_nonce_that_does_not_match_is_refused(world, client, sso_config, google_shaped):
    """Two sign-ins started in one browser: the first one's code with the second one's state (and nonce)."""
    google_shaped.add_user("g-nonce", email=world.emails["viewer"], email_verified=True)
    first_path, first = authorize(client, "google", "g-nonce")
    _second_path, second = authorize(client, "google", "g-nonce")
    response = client.get(f"{first_path}?code={parse_qs(first)['code'][0]}&state={parse_qs(second)['state'][0]}")
    assert response.status_code == 400 and "could not be checked" in response.text
    assert client.get("/").status_code == 302


def test_entra_without_email_verified_and_a_tenant_issuer_signs_in(world, app, client, sso_config, entra_shaped):
    metadata = requests.get(entra_shaped.base + "/.well-known/openid-configuration", timeout=5).json()
    assert "{tenantid}" in metadata["issuer"]  # a strict issuer check could never pass
    entra_shaped.add_user("e-staff", email=world.emails["library_staff"], name="Library Staff",
                           preferred_username=world.emails["library_staff"])
    response = sign_in_with(client, "microsoft", "e-staff")
    assert response.status_code == 303
    assert "Dashboard" in client.get("/").text


def test_entra_from_a_tenant_not_trusted_is_refused(world, app, client, sso_config, entra_shaped):
    entra_shaped.add_user("e-other", email=world.emails["library_staff"], tid="localhost")
    response = sign_in_with(client, "microsoft", "e-other")
    assert response.status_code == 400 and client.get("/").status_code == 302


def test_the_entra_issuer_template_is_filled_with_the_tokens_tenant():
    entra = sso.Provider("microsoft", "Microsoft", "entra", "https://login.microsoftonline.com/organizations/v2.0", "id", "s")
    options = sso.issuer_options(entra, {"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"})
    check = options["iss"]["validate"]
    tid = oidc.ENTRA_TENANT
    assert check({"tid": tid}, f"https://login.microsoftonline.com/{tid}/v2.0")
    assert not check({"tid": tid}, "https://login.microsoftonline.com/{tenantid}/v2.0")
    assert not check({"tid": "other"}, f"https://login.microsoftonline.com/{tid}/v2.0")
    assert not check({}, "https://login.microsoftonline.com//v2.0")
    assert sso.issuer_options(entra, {"issuer": "https://accounts.google.com"}) is None  # Authlib's exact check


def test_a_deployment_can_turn_password_sign_in_off(world, app, client, sso_config):
    app.config["PASSWORD_SIGN_IN"] = False
    page = client.get("/login").text
    assert "Sign in with Google" in page and 'type="password"' not in page
    assert client.post("/login", data={"email": world.emails["viewer"], "password": "x"}).status_code in (400, 404)
    assert client.get("/password/forgot").status_code == 404


def test_a_provider_that_cannot_be_reached_is_said_so(world, app, client, sso_config):
    app.config["SSO_PROVIDERS"] = {"district": {**oidc.settings(oidc.Provider("http://127.0.0.1:9", False), "Riverside USD"),
                                                "kind": "oidc"}}
    response = client.get("/login/sso/district")
    assert response.status_code == 503 and "Riverside USD cannot be reached just now" in response.text
