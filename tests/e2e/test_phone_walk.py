"""The walk of issue 15's list on a 390 px phone, for the pages the main-page test leaves out: the audit log's
filters (a long option), the clause form (its example), a signed version's history (long hashes). None scrolls
sideways."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_admin_pages_with_long_options_examples_and_hashes_fit_a_phone(signed_in, demo):
    page = signed_in("admin@demo.test", viewport=PHONE)
    page.goto(f"/agreements/{demo.agreements[MOU]}/documents")
    page.get_by_role("link", name="Original").first.click()
    page.get_by_role("heading", name="History of this version").wait_for()
    versions = page.url
    for path in ("/audit", "/clauses/new", versions):
        page.goto(path)
        assert sideways(page) <= 0, f"{path} scrolls sideways by {sideways(page)}px at 390 px"
    assert "sha-256" in page.locator("#section-history").inner_text().lower()  # the hashes are there, wrapped


def test_a_school_librarian_records_cards_on_a_phone_and_the_saved_row_keeps_its_column_names(signed_in, demo):
    page = signed_in("librarian@demo.test", viewport=PHONE)
    page.goto(f"/agreements/{demo.agreements[MOU]}/drives")
    page.get_by_role("link", name="Library Card Sign-up Month 2026").first.click()
    page.get_by_role("link", name="Lincoln Elementary School").first.click()
    page.get_by_role("link", name="Edit grade 03").click()
    editing = page.locator("tr.editing")
    expect(editing.get_by_label("Enrolment")).to_be_focused()  # the first field of the opened form
    assert editing.locator("td[data-label]").count() == 0  # the form's row is not squeezed under one column's name
    assert sideways(page) <= 0
    editing.get_by_label("Issued").fill("21")
    editing.get_by_role("button", name="Save").click()
    saved = page.locator("tr.saved")
    expect(saved).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Updated: Grade 03")
    assert saved.locator("[data-label='Issued']").inner_text().strip() == "21"  # it stacks as "Issued 21" on a phone
    page.screenshot(path="/tmp/shots-words/e2e-saved-row-librarian-390.png", full_page=False)


def test_a_rows_own_button_leaves_focus_on_that_row_in_the_updated_section(signed_in, demo):
    """"Mark done" swaps the whole milestones section; focus comes back to the milestone's row, not the section."""
    page = signed_in("director@demo.test", viewport={"width": 1280, "height": 900})
    page.goto(f"/agreements/{demo.agreements[MOU]}/milestones")
    row = page.locator("tr", has_text="Teacher sets delivered to every school")
    row_id = row.get_attribute("id")
    row.get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#{row_id}")).to_be_focused()
    expect(page.locator(f"#{row_id}")).to_contain_text("Done")
    expect(page.locator("#announcer")).to_contain_text("Updated:")


def test_saving_a_rows_edit_form_leaves_focus_on_that_row(signed_in, demo):
    """A milestone's Edit opens a form in the section's place; once saved, focus is on that milestone's row."""
    page = signed_in("director@demo.test", viewport={"width": 1280, "height": 900})
    page.goto(f"/agreements/{demo.agreements[MOU]}/milestones")
    row = page.locator("tr", has_text="Teacher sets delivered to every school")
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile("^Edit")).click()
    form = page.locator("#section-milestones form")
    expect(form.get_by_label("What is owed")).to_be_focused()
    form.get_by_label("What is owed").fill("Teacher sets delivered to every school and branch")
    form.get_by_role("button", name="Save milestone").click()
    expect(page.locator(f"#{row_id}")).to_be_focused()
    expect(page.locator(f"#{row_id}")).to_contain_text("every school and branch")
