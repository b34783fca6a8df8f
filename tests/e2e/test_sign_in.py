"""Signing in through the login form as each demo role, and signing out."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import DEMO_ACCOUNTS, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("email", list(DEMO_ACCOUNTS))
def test_each_role_signs_in_sees_who_they_are_and_signs_out(page, demo, email):
    name, role_label = DEMO_ACCOUNTS[email]

    sign_in(page, email)

    header = page.locator("header.site-header")
    who = header.locator(".who")
    expect(who).to_contain_text(name)
    expect(who.locator(".role")).to_have_text(role_label)
    expect(header.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements")).to_be_visible()

    header.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(header.locator(".who")).to_have_count(0)
    expect(page.get_by_text(name)).to_have_count(0)

    # Signed out means signed out: a member page sends them back to the login form.
    page.goto("/agreements")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text("Please sign in to see that page.")).to_be_visible()


def test_wrong_password_is_refused_on_the_form(page, demo):
    page.goto("/login")
    page.get_by_label("Email").fill("staff@demo.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an active account.")
    expect(page.get_by_label("Email")).to_have_value("staff@demo.test")
    expect(page.locator("header .who")).to_have_count(0)


def test_sign_in_returns_to_the_page_asked_for(page, demo):
    page.goto("/organisations")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill("viewer@demo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/organisations$"))
    expect(page.get_by_role("heading", level=1, name="Organisations")).to_be_visible()


def test_signing_out_also_signs_out_a_browser_holding_a_copy_of_the_cookie(new_page, demo):
    """Someone copied the librarian's cookies (a shared computer, a stolen laptop backup): once she signs
    out, the copy is worth nothing, "keep me signed in" or not."""
    page = new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("librarian@demo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()

    copy = new_page()
    copy.context.add_cookies(page.context.cookies())
    copy.goto("/")
    expect(copy.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    copy.goto("/")
    expect(copy.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_ending_a_session_from_the_profile_signs_that_browser_out(new_page, demo):
    laptop, phone = new_page(), new_page()
    sign_in(laptop, "director@demo.test")
    sign_in(phone, "director@demo.test")
    laptop.goto("/profile")
    sessions = laptop.locator("#sessions")
    expect(sessions.locator("tbody tr")).to_have_count(2)
    other = sessions.locator("tbody tr", has_not=laptop.get_by_text("This browser"))
    other.get_by_role("button", name="End this session").click()
    expect(laptop.get_by_text("The session was ended: that browser is signed out.")).to_be_visible()
    expect(laptop.locator("#sessions tbody tr")).to_have_count(1)
    phone.goto("/agreements")
    expect(phone.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
