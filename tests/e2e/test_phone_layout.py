"""On a phone-sized screen the pages reflow: nothing makes the whole document scroll sideways."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU

pytestmark = pytest.mark.e2e

# Not is_mobile: mobile emulation zooms out to fit wide content, which would hide the very overflow we look for.
PHONE = {"viewport": {"width": 375, "height": 800}}

OVERFLOW = """() => {
  const limit = window.innerWidth + 1;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => !(el.parentElement && el.parentElement.closest('.table-wrap')))  // tables scroll inside their wrapper
    .filter(el => el.getBoundingClientRect().right > limit)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '')
               + ' right=' + Math.round(el.getBoundingClientRect().right));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 15)};
}"""


def assert_no_horizontal_overflow(page):
    found = page.evaluate(OVERFLOW)
    assert found["innerWidth"] == 375, found
    assert found["scrollWidth"] <= found["innerWidth"] + 1, (
        f"{page.url} scrolls sideways on a {found['innerWidth']}px screen "
        f"(document {found['scrollWidth']}px wide); too wide: {found['wide']}"
    )


def test_agreements_list_fits_a_phone(signed_in):
    page = signed_in("admin@demo.test", **PHONE)
    page.goto("/agreements")
    expect(page.locator("#agreement-results tbody tr")).to_have_count(4)

    assert_no_horizontal_overflow(page)
    # The table may be wider than the screen, but then it scrolls inside its own wrapper.
    wrap = page.locator("#agreement-results .table-wrap")
    sizes = wrap.evaluate("w => ({client: w.clientWidth, scroll: w.scrollWidth, overflow: getComputedStyle(w).overflowX})")
    assert sizes["client"] <= 375
    if sizes["scroll"] > sizes["client"]:
        assert sizes["overflow"] in ("auto", "scroll"), sizes

    # Still usable: the search works at this size.
    page.get_by_label("Search title or party").fill("Lincoln")
    expect(page.locator("#agreement-results tbody tr")).to_have_count(1)
    assert_no_horizontal_overflow(page)


PAGES = {
    "dashboard": lambda demo: "/",
    "organisations": lambda demo: "/organisations",
    "organisation": lambda demo: f"/organisations/{demo.orgs['Riverside Public Library']}",
    "organisation-edit": lambda demo: f"/organisations/{demo.orgs['Riverside Public Library']}/edit",
    "new-agreement": lambda demo: "/agreements/new",
    "agreement": lambda demo: f"/agreements/{demo.agreements[MOU]}",
    "agreement-term-edit": lambda demo: f"/agreements/{demo.agreements[MOU]}/sections/term/edit",
}


def test_other_pages_fit_a_phone(signed_in, demo):
    page = signed_in("admin@demo.test", **PHONE)
    overflowing = []
    for name, path in PAGES.items():
        page.goto(path(demo))
        expect(page.locator("main h1"), name).to_be_visible()
        try:
            assert_no_horizontal_overflow(page)
        except AssertionError as exc:
            overflowing.append(f"{name}: {exc}")
    assert not overflowing, "\n".join(overflowing)
