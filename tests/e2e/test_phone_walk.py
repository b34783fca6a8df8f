"""The walk of issue 15's list on a 390 px phone, for the pages the main-page test leaves out: the audit log's
filters (a long option), the clause form (its example), a signed version's history (long hashes). None scrolls
sideways."""
import pytest

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
    assert "sha256" in page.locator("section.history").inner_text()  # the hashes are there, wrapped
