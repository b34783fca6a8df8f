"""The agreement workspace as people use it: an overview that fits a screen or two, tabs that work
with and without JavaScript (history and bookmarks too), nothing sideways on a phone, no serious
accessibility problems."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU, axe_violations, describe_violations, sign_in

pytestmark = pytest.mark.e2e

TABS = ["Details", "Documents", "Card programme", "Card drives", "Roster", "Resources", "Milestones and meetings",
        "Health", "Key dates", "History"]


def tabs(page):
    return page.get_by_role("navigation", name="Parts of this agreement")


def test_the_director_reads_the_overview_and_walks_every_tab(signed_in, demo):
    page = signed_in("director@demo.test", viewport={"width": 1280, "height": 900})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    page.get_by_role("link", name=MOU, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()
    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    expect(page.get_by_role("heading", name="The MOU")).to_be_visible()
    expect(page.get_by_role("heading", name="Card drive")).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2500, f"the overview is {height}px tall"
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    overview_url = page.url

    page.evaluate("window.__marker = 1")  # the tabs swap the workspace: the document stays
    for label in TABS:
        tabs(page).get_by_role("link", name=label, exact=True).click()
        expect(tabs(page).get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
        expect(page).to_have_title(re.compile(re.escape(label)))
        assert page.evaluate("window.__marker === 1"), f"{label}: the whole page reloaded"
        violations = axe_violations(page)
        assert not violations, f"{label}:\n{describe_violations(violations)}"
    assert page.url.endswith("/history")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/key-dates$"))
    expect(page.get_by_role("heading", name="Key dates").first).to_be_visible()
    page.goto(overview_url + "/milestones")  # a bookmark
    expect(tabs(page).get_by_role("link", name="Milestones and meetings")).to_have_attribute("aria-current", "page")


def test_every_tab_reads_without_javascript_and_fits_a_phone(new_page, demo):
    page = new_page(java_script_enabled=False, viewport={"width": 390, "height": 844})
    sign_in(page, "director@demo.test")
    base = f"/agreements/{demo.agreements[MOU]}"
    page.goto(base)
    links = [(a.inner_text().strip(), a.get_attribute("href")) for a in tabs(page).get_by_role("link").all()]
    assert [label for label, _ in links][1:] == TABS
    for label, href in links:
        page.goto(href)
        expect(tabs(page).get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
        expect(page.locator(".workspace-body")).not_to_be_empty()
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{label} scrolls sideways by {wide}px at 390px"


def test_the_librarian_sees_only_her_tabs(signed_in, demo):
    """Lincoln's librarian works below the district party of the MOU: no history, health or communication log."""
    page = signed_in("librarian@demo.test")
    page.goto(f"/agreements/{demo.agreements[MOU]}")
    shown = [a.inner_text().strip() for a in tabs(page).get_by_role("link").all()]
    assert "History" not in shown and "Health" not in shown
    assert "Card drives" in shown and "Roster" in shown
    tabs(page).get_by_role("link", name="Card drives").click()
    expect(page.get_by_role("heading", name="Card drives").first).to_be_visible()
