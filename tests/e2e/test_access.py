"""An agreement the user's organisations are not party to is refused as if it did not exist."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CLASS_VISITS, MOU

pytestmark = pytest.mark.e2e


def test_librarian_cannot_open_the_district_mou(signed_in, demo):
    page = signed_in("librarian@demo.test")
    mou = demo.agreements[MOU]

    # Their own agreement opens...
    page.goto(f"/agreements/{demo.agreements[CLASS_VISITS]}")
    expect(page.get_by_role("heading", level=1, name=CLASS_VISITS)).to_be_visible()

    # ...the MOU between the library system and the district does not.
    response = page.goto(f"/agreements/{mou}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    expect(page.get_by_text("There is nothing here, or it is not shared with you.")).to_be_visible()
    assert MOU not in page.content()
    assert MOU not in page.title()

    # Nor do its fragments and its edit form, fetched with the librarian's cookies.
    for path in (f"/agreements/{mou}/sections/summary", f"/agreements/{mou}/sections/term/edit"):
        for headers in ({}, {"HX-Request": "true"}):
            answer = page.request.get(path, headers=headers)
            assert answer.status == 404, (path, headers, answer.status)
            assert MOU not in answer.text(), (path, headers)

    # And it is not in their list.
    page.goto("/agreements")
    expect(page.locator("#agreement-results")).to_contain_text(CLASS_VISITS)
    expect(page.locator("main")).not_to_contain_text(MOU)


def test_signed_out_visitor_is_sent_to_login_not_shown_the_agreement(page, demo):
    response = page.goto(f"/agreements/{demo.agreements[MOU]}")
    assert response.ok
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert MOU not in page.content()


def test_a_failed_htmx_request_is_announced(signed_in, demo):
    """htmx swaps nothing on a 404/500; the page says so instead of silently doing nothing."""
    page = signed_in("director@demo.test")
    page.goto(f"/agreements/{demo.agreements[MOU]}")
    problem = page.locator("#request-problem")
    expect(problem).to_be_hidden()
    page.evaluate("htmx.ajax('GET', '/agreements/999999/sections/summary', '#section-summary')")
    expect(problem).to_be_visible()
    expect(problem).to_have_text("That did not work; reload the page and try again. (404)")
