"""axe-core finds no serious or critical accessibility violations on the main pages and forms."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU, axe_violations, describe_violations, sign_in

pytestmark = pytest.mark.e2e

LIBRARY = "Riverside Public Library"


def login_page(page, demo):
    page.goto("/login")


def login_page_with_errors(page, demo):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field .error").first).to_be_visible()


def dashboard(page, demo):
    page.goto("/")


def agreements_list(page, demo):
    page.goto("/agreements")


def agreements_list_after_search(page, demo):
    page.goto("/agreements")
    page.get_by_label("Search title or party").fill("Riverside")
    expect(page).to_have_url(re.compile(r"q=Riverside"))
    expect(page.locator("#agreement-results.htmx-request")).to_have_count(0)


def agreement_detail(page, demo):
    page.goto(f"/agreements/{demo.agreements[MOU]}")


def agreement_term_form(page, demo):
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    page.get_by_role("link", name="Edit term").click()
    expect(page.get_by_role("button", name="Save term")).to_be_visible()


def agreement_summary_form(page, demo):
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    page.get_by_role("link", name="Edit summary").click()
    expect(page.get_by_role("button", name="Save summary")).to_be_visible()


def agreement_term_form_with_errors(page, demo):
    agreement_term_form(page, demo)
    page.get_by_label("End date").fill("2000-01-01")
    page.get_by_role("button", name="Save term").click()
    expect(page.locator("#section-term .error")).to_be_visible()


def agreement_add_party_form(page, demo):
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    page.get_by_role("link", name="Add a party").click()
    expect(page.get_by_role("button", name="Add party")).to_be_visible()


def agreement_term_edit_page(page, demo):
    """The same form as a page of its own, where the Edit link leads without JavaScript."""
    page.goto(f"/agreements/{demo.agreements[MOU]}/sections/term/edit")


def organisations_list(page, demo):
    page.goto("/organisations")


def organisation_detail(page, demo):
    page.goto(f"/organisations/{demo.orgs[LIBRARY]}")


def new_agreement_form(page, demo):
    page.goto("/agreements/new")


def new_agreement_form_with_errors(page, demo):
    page.goto("/agreements/new")
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".error").first).to_be_visible()


def organisation_edit_form(page, demo):
    page.goto(f"/organisations/{demo.orgs[LIBRARY]}/edit")


def users_list(page, demo):
    page.goto("/users")


def new_user_form_with_errors(page, demo):
    page.goto("/users/new")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".field .error").first).to_be_visible()


def not_found_page(page, demo):
    page.goto("/agreements/999999")


PAGES = [
    (login_page, None),
    (login_page_with_errors, None),
    (dashboard, "admin@demo.test"),
    (agreements_list, "admin@demo.test"),
    (agreements_list_after_search, "admin@demo.test"),
    (agreement_detail, "admin@demo.test"),
    (agreement_term_form, "admin@demo.test"),
    (agreement_summary_form, "admin@demo.test"),
    (agreement_term_form_with_errors, "admin@demo.test"),
    (agreement_add_party_form, "admin@demo.test"),
    (agreement_term_edit_page, "admin@demo.test"),
    (organisations_list, "admin@demo.test"),
    (organisation_detail, "admin@demo.test"),
    (new_agreement_form, "admin@demo.test"),
    (new_agreement_form_with_errors, "admin@demo.test"),
    (organisation_edit_form, "admin@demo.test"),
    (not_found_page, "librarian@demo.test"),
    (users_list, "admin@demo.test"),
    (new_user_form_with_errors, "admin@demo.test"),
]


@pytest.mark.parametrize("visit, email", PAGES, ids=[visit.__name__ for visit, _ in PAGES])
def test_no_serious_accessibility_violations(page, demo, visit, email):
    if email:
        sign_in(page, email)
    visit(page, demo)
    page.wait_for_load_state("load")
    expect(page.locator("main h1")).to_have_count(1)

    violations = axe_violations(page)

    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"
