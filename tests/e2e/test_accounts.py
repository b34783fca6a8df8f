"""Accounts in the browser, with mail through a real local SMTP server: an invitation, a forgotten password,
changing one's own password."""
import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

NEW = "a long new password 42"


def link_in(mailbox, index: int = -1) -> str:
    return re.search(r"/password/[A-Za-z0-9_-]+", mailbox.text(index)).group(0)


def test_an_invited_person_chooses_a_password_and_signs_in(new_page, demo, mailbox):
    admin = new_page()
    sign_in(admin, "admin@demo.test")
    admin.goto("/users/new")
    expect(admin.get_by_label("Role")).to_have_value("viewer")
    admin.get_by_label("Name").fill("Maria Gonzalez")
    admin.get_by_label("Email").fill("mgonzalez@washington.rusd.test")
    admin.get_by_label("Works for").fill("Lincoln Elem")  # a type-ahead: the matches come as boxes to tick
    admin.get_by_role("checkbox", name=re.compile(r"^Lincoln Elementary School \(School")).check()
    admin.get_by_role("button", name="Add user").click()
    expect(admin.get_by_role("status")).to_contain_text("Invitation sent to mgonzalez@washington.rusd.test")

    mailbox.wait(1)
    assert mailbox.envelopes[0][1] == ["mgonzalez@washington.rusd.test"]
    invitee = new_page()
    invitee.goto(link_in(mailbox))
    expect(invitee.get_by_text("Welcome, Maria Gonzalez.")).to_be_visible()
    invitee.get_by_label("New password").fill(NEW)
    invitee.get_by_label("The same password again").fill(NEW)
    invitee.get_by_role("button", name="Set my password").click()
    expect(invitee.get_by_role("status")).to_have_text("Your password is set. Sign in with it.")
    sign_in(invitee, "mgonzalez@washington.rusd.test", NEW)
    expect(invitee.locator("header .who")).to_contain_text("Maria Gonzalez")

    invitee.goto(link_in(mailbox))  # a link works once
    expect(invitee.get_by_role("alert")).to_contain_text("already been used")


def test_a_forgotten_password_is_reset_by_email(page, demo, mailbox):
    page.goto("/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("librarian@demo.test")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If librarian@demo.test has an account")

    mailbox.wait(1)
    page.goto(link_in(mailbox))
    page.get_by_label("New password").fill(NEW)
    page.get_by_label("The same password again").fill(NEW)
    page.get_by_role("button", name="Set my password").click()
    page.get_by_label("Email").fill("librarian@demo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an active account.")
    sign_in(page, "librarian@demo.test", NEW)


def test_changing_ones_own_password_signs_out_the_other_browser(signed_in):
    here = signed_in("staff@demo.test")
    there = signed_in("staff@demo.test")
    here.goto("/profile")
    here.get_by_label("Current password").fill(PASSWORD)
    here.get_by_label("New password").fill(NEW)
    here.get_by_role("button", name="Change password").click()
    expect(here.get_by_role("status")).to_contain_text("Your password is changed.")

    there.goto("/agreements")
    expect(there.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    here.goto("/agreements")
    expect(here.get_by_role("heading", level=1, name="Agreements")).to_be_visible()
