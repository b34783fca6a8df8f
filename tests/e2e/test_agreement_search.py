"""The agreements list: active search and filters swap the results in place (htmx) and keep the URL."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_VISITS, DATA_SHARING, JOINT_USE, MOU, mark_document, still_same_document

pytestmark = pytest.mark.e2e

ALL = {MOU, CLASS_VISITS, DATA_SHARING, JOINT_USE}


def titles(page) -> set[str]:
    return set(page.locator("#agreement-results tbody td:first-child a").all_inner_texts())


def expect_titles(page, wanted: set[str]) -> None:
    count = f"{len(wanted)} agreement" + ("" if len(wanted) == 1 else "s")
    expect(page.locator("#agreement-results .result-count")).to_have_text(count)
    expect(page.locator("#agreement-results tbody td:first-child a")).to_have_count(len(wanted))
    assert titles(page) == wanted


def expect_one_layout(page) -> None:
    """A swapped fragment must not bring a second header or filter form with it."""
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.locator("form.filters")).to_have_count(1)


def test_search_by_party_name_updates_results_in_place_and_back_restores(signed_in):
    page = signed_in("admin@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    expect(page).to_have_url(re.compile(r"/agreements$"))
    expect_titles(page, ALL)
    mark_document(page)

    box = page.get_by_label("Search title or party")
    with page.expect_request(lambda r: "q=Unified" in r.url, timeout=5_000) as searched:
        box.fill("Unified")  # part of "Riverside Unified School District", a party, in no title

    assert searched.value.headers.get("hx-request") == "true"
    expect_titles(page, {MOU, DATA_SHARING})
    expect(page).to_have_url(re.compile(r"/agreements\?(.*&)?q=Unified(&|$)"))
    assert still_same_document(page), "the search reloaded the whole page instead of swapping the results"
    expect_one_layout(page)

    # A title works too, and narrows further.
    box.fill("Lincoln")
    expect_titles(page, {CLASS_VISITS})
    expect(page).to_have_url(re.compile(r"q=Lincoln"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"q=Unified"))
    expect_titles(page, {MOU, DATA_SHARING})
    expect(page.get_by_label("Search title or party")).to_have_value("Unified")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/agreements$"))
    expect_titles(page, ALL)
    expect(page.get_by_label("Search title or party")).to_have_value("")
    assert still_same_document(page), "going back reloaded the whole page"
    expect_one_layout(page)


def test_status_filter_narrows_results_and_combines_with_search(signed_in):
    page = signed_in("admin@demo.test")
    page.goto("/agreements")
    mark_document(page)

    page.get_by_label("Status").select_option(label="Active")
    expect_titles(page, {MOU, JOINT_USE})
    expect(page).to_have_url(re.compile(r"status=active"))

    page.get_by_label("Search title or party").fill("Unified")
    expect_titles(page, {MOU})
    expect(page).to_have_url(re.compile(r"status=active"))
    expect(page).to_have_url(re.compile(r"q=Unified"))

    page.get_by_label("Status").select_option(label="In review")
    expect(page.locator("#agreement-results")).to_contain_text("No agreements match these filters.")
    expect(page.locator("#agreement-results .result-count")).to_have_text("0 agreements")

    page.get_by_label("Search title or party").fill("")
    expect_titles(page, {CLASS_VISITS})
    assert still_same_document(page), "filtering reloaded the whole page"
    expect_one_layout(page)

    # The filtered URL is a real page on its own: reloading it shows the same list and filters.
    page.reload()
    expect_titles(page, {CLASS_VISITS})
    expect(page.get_by_label("Status")).to_have_value("in_review")


def test_search_only_shows_what_the_user_may_see(signed_in):
    """The librarian's school is party to the class visits and below the district, which is party to the
    MOU and the data-sharing agreement; the joint-use agreement is another school's."""
    page = signed_in("librarian@demo.test")
    page.goto("/agreements")
    expect_titles(page, {CLASS_VISITS, MOU, DATA_SHARING})

    page.get_by_label("Search title or party").fill("Jefferson")
    expect(page.locator("#agreement-results")).to_contain_text("No agreements match these filters.")
    expect(page.locator("#agreement-results")).not_to_contain_text(JOINT_USE)


def test_back_from_an_agreement_shows_the_whole_filtered_page(signed_in):
    """The URL htmx pushed is a page of its own: coming back to it must not show a bare fragment."""
    page = signed_in("admin@demo.test")
    page.goto("/agreements")
    page.get_by_label("Search title or party").fill("Unified")
    expect_titles(page, {MOU, DATA_SHARING})

    page.locator("#agreement-results").get_by_role("link", name=MOU).click()
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()

    page.go_back()
    expect(page).to_have_url(re.compile(r"q=Unified"))
    expect(page.get_by_role("heading", level=1, name="Agreements")).to_be_visible()
    expect_one_layout(page)
    expect_titles(page, {MOU, DATA_SHARING})


def test_organisation_filter_narrows_to_one_school_and_keeps_the_choice(signed_in):
    """The organisation filter (its options written by the app's own select, tracker/forms.py) offers the user's
    organisations and those below them, narrows the list to the one chosen, and a reload shows it still chosen."""
    page = signed_in("superintendent@demo.test")
    page.goto("/agreements")
    mark_document(page)
    options = page.locator("#agreement-org option").all_inner_texts()
    assert options[0] == "Any organisation"
    assert {"Riverside Unified School District", "Lincoln Elementary School"} <= set(options)
    assert "Riverside Public Library" not in options, "only the district and its schools are offered"

    page.get_by_label("Organisation").select_option(label="Lincoln Elementary School")
    expect_titles(page, {CLASS_VISITS})
    expect(page).to_have_url(re.compile(r"org=\d+"))
    assert still_same_document(page), "filtering reloaded the whole page"
    page.screenshot(path="/tmp/shots-speed/organisation-filter.png", full_page=True)

    page.reload()
    expect_titles(page, {CLASS_VISITS})
    expect(page.get_by_label("Organisation").locator("option:checked")).to_have_text("Lincoln Elementary School")
