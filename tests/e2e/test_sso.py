"""Single sign-on in the browser, through a real OpenID Connect provider running locally (Google-shaped)."""
import re

import pytest
from playwright.sync_api import expect

from tests import oidc


@pytest.fixture
def google(app, live_server):
    with oidc.running() as provider:
        saved = {k: app.config[k] for k in ("SSO_PROVIDERS", "SSO_SIGNUP_DOMAINS", "PUBLIC_BASE_URL")}
        app.config.update(SSO_PROVIDERS={"google": oidc.settings(provider, "Google")},
                          SSO_SIGNUP_DOMAINS=frozenset({"washington.rusd.test"}), PUBLIC_BASE_URL=live_server)
        yield provider
        app.config.update(saved)


def through_google(page, sub: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name="Sign in with Google").click()
    page.locator("input[name=sub]").fill(sub)  # the provider's own sign-in page
    page.get_by_role("button", name="Authorize").click()


def test_an_existing_account_signs_in_with_google(page, demo, google):
    google.add_user("g-librarian", email="librarian@demo.test", email_verified=True, name="Lee Librarian")
    through_google(page, "g-librarian")
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text("Lee Librarian")


def test_a_new_person_of_an_allowed_domain_waits_for_approval(page, demo, google):
    google.add_user("g-maria", email="mgonzalez@washington.rusd.test", email_verified=True, name="Maria Gonzalez")
    through_google(page, "g-maria")
    expect(page.get_by_role("status")).to_contain_text("your account is made and waits for an admin to approve it")
    expect(page.locator("header .who")).to_have_count(0)
    page.goto("/agreements")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_domain_not_allowed_is_refused(page, demo, google):
    google.add_user("g-out", email="someone@elsewhere.test", email_verified=True)
    through_google(page, "g-out")
    expect(page.get_by_role("alert")).to_contain_text("There is no account for someone@elsewhere.test")
    expect(page.locator("header .who")).to_have_count(0)
