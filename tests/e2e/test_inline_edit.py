"""Inline edits on the agreement page: Edit swaps a section for its form, Save swaps it back, nothing else moves."""
import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU, mark_document, sign_in, still_same_document

pytestmark = pytest.mark.e2e


def long_date(value: datetime.date) -> str:
    return f"{value.strftime('%B')} {value.day}, {value.year}"


def open_mou(page, demo):
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()
    mark_document(page)
    # Tag the other sections: a section that is re-rendered loses its tag.
    page.evaluate("""() => document.querySelectorAll('section[id^="section-"]')
                              .forEach(s => s.dataset.untouched = 'yes')""")


def untouched(page, section_id: str) -> bool:
    """True if the section is still the element that was tagged; fails if the section is gone."""
    state = page.evaluate("id => { const s = document.getElementById(id); return s ? s.dataset.untouched || '' : null; }",
                          section_id)
    assert state is not None, f"#{section_id} is no longer on the page"
    return state == "yes"


def test_edit_term_swaps_only_that_section(signed_in, demo):
    page = signed_in("staff@demo.test")
    open_mou(page, demo)
    term = page.locator("#section-term")
    status_bar = page.locator("#section-status")
    expect(status_bar.locator(".badge", has_text="expiring")).to_have_count(0)
    new_end = datetime.date.today() + datetime.timedelta(days=30)

    term.get_by_role("link", name="Edit term").click()
    expect(term.get_by_role("heading", name="Edit term")).to_be_visible()
    term.get_by_label("End date").fill(new_end.isoformat())
    term.get_by_label("Termination notice (days)").fill("45")
    term.get_by_role("button", name="Save term").click()

    expect(term.get_by_role("heading", name="Term", exact=True)).to_be_visible()
    facts = term.locator("dl.facts")
    expect(facts).to_contain_text(long_date(new_end))
    expect(facts).to_contain_text("45 days")
    expect(term.get_by_role("button", name="Save term")).to_have_count(0)
    # The status bar follows (out of band): the agreement now ends within 90 days.
    expect(status_bar.locator(".badge", has_text="expiring")).to_be_visible()
    assert still_same_document(page), "saving the term reloaded the whole page"
    assert not untouched(page, "section-term"), "the term section was not swapped"
    for other in ("section-summary", "section-parties", "section-goals"):
        assert untouched(page, other), f"{other} was re-rendered by a term edit"
    expect(page.locator("#section-term")).to_have_count(1)
    expect(page.locator("#section-status")).to_have_count(1)

    # Saved for real: a reload shows it, and the change is in the history.
    page.reload()
    expect(page.locator("#section-term dl.facts")).to_contain_text(long_date(new_end))
    page.get_by_role("navigation", name="Parts of this agreement").get_by_role("link", name="History").click()
    expect(page.locator("#section-history")).to_contain_text("Stacy Youth Services")


def test_edit_summary_and_cancel(signed_in, demo):
    page = signed_in("director@demo.test")
    open_mou(page, demo)
    summary = page.locator("#section-summary")

    summary.get_by_role("link", name="Edit summary").click()
    expect(summary.get_by_label("Title")).to_have_value(MOU)
    summary.get_by_label("Purpose").fill("Every student gets a library card in September.")
    summary.get_by_label("Collaboration level").select_option(label="Integrated services")
    summary.get_by_role("button", name="Save summary").click()

    expect(summary.get_by_role("heading", name="Summary", exact=True)).to_be_visible()
    expect(summary).to_contain_text("Every student gets a library card in September.")
    expect(summary).to_contain_text("Integrated services")
    assert still_same_document(page)
    for other in ("section-term", "section-parties", "section-goals"):
        assert untouched(page, other), f"{other} was re-rendered by a summary edit"

    # Cancel puts the display back without saving what was typed.
    summary.get_by_role("link", name="Edit summary").click()
    summary.get_by_label("Purpose").fill("Typed, then cancelled.")
    summary.get_by_role("link", name="Cancel").click()
    expect(summary.get_by_role("heading", name="Summary", exact=True)).to_be_visible()
    expect(summary).to_contain_text("Every student gets a library card in September.")
    expect(summary).not_to_contain_text("Typed, then cancelled.")
    assert still_same_document(page)


def test_invalid_term_shows_error_beside_field_and_keeps_input(signed_in, demo):
    page = signed_in("admin@demo.test")
    open_mou(page, demo)
    term = page.locator("#section-term")

    term.get_by_role("link", name="Edit term").click()
    effective = term.get_by_label("Effective date")
    start = datetime.date.fromisoformat(effective.input_value())
    too_early = start - datetime.timedelta(days=10)
    term.get_by_label("End date").fill(too_early.isoformat())
    term.get_by_label("Termination notice (days)").fill("21")
    term.get_by_role("button", name="Save term").click()

    end_field = term.locator(".field", has=page.get_by_label("End date"))
    error = end_field.locator(".error")
    expect(error).to_have_text("The end date must be after the effective date.")
    end_input = term.get_by_label("End date")
    expect(end_input).to_have_attribute("aria-invalid", "true")
    expect(end_input).to_have_attribute("aria-describedby", error.get_attribute("id") or "missing id")
    # What the user typed is still there, in every field.
    expect(end_input).to_have_value(too_early.isoformat())
    expect(term.get_by_label("Termination notice (days)")).to_have_value("21")
    expect(term.get_by_label("Effective date")).to_have_value(start.isoformat())
    expect(term.get_by_role("button", name="Save term")).to_be_visible()
    assert still_same_document(page), "the refused save reloaded the whole page"
    assert untouched(page, "section-summary")

    # Nothing was saved.
    page.reload()
    expect(page.locator("#section-term dl.facts")).not_to_contain_text(long_date(too_early))
    expect(page.locator("#section-term dl.facts")).to_contain_text("30 days")


def test_viewer_has_no_edit_buttons(signed_in, demo):
    page = signed_in("viewer@demo.test")
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()
    expect(page.get_by_role("link", name="Edit term")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit summary")).to_have_count(0)


def test_edit_term_without_javascript_uses_plain_pages(new_page, demo):
    page = new_page(java_script_enabled=False)
    sign_in(page, "staff@demo.test")
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    new_end = datetime.date(datetime.date.today().year + 5, 1, 31)

    page.get_by_role("link", name="Edit term").click()
    expect(page).to_have_url(re.compile(r"/sections/term/edit$"))
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()
    page.get_by_label("End date").fill(new_end.isoformat())
    page.get_by_role("button", name="Save term").click()

    expect(page).to_have_url(re.compile(rf"/agreements/{demo.agreements[MOU]}/details(#section-term)?$"))
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("#section-term dl.facts")).to_contain_text(long_date(new_end))


def test_renaming_updates_the_page_heading_and_tab_title(signed_in, demo):
    page = signed_in("director@demo.test")
    open_mou(page, demo)
    summary = page.locator("#section-summary")
    summary.get_by_role("link", name="Edit summary").click()
    summary.get_by_label("Title").fill("Student Card MOU (renamed)")
    summary.get_by_role("button", name="Save summary").click()
    expect(page.get_by_role("heading", level=1, name="Student Card MOU (renamed)")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Student Card MOU \(renamed\)"))
    assert still_same_document(page)
