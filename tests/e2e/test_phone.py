"""Pages that work everywhere: on a 390 px phone the menu folds away and no page scrolls sideways (tables stack
their rows, every column still there); after an inline edit focus lands where the person is and the change is
announced; the health charts are whole and nothing overlaps at 1280 and 390 px."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PARTS = ["", "/details", "/documents", "/card-programme", "/drives", "/roster", "/resources", "/milestones", "/health",
         "/key-dates", "/history"]


def test_a_phone_gets_a_folded_menu_and_pages_that_fit(signed_in, demo):
    page = signed_in("staff@demo.test", viewport=PHONE)
    menu = page.get_by_role("button", name="Menu")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(main_nav).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] < 80
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    main_nav.get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1, name="Organisations")).to_be_visible()

    agreement = f"/agreements/{demo.agreements[MOU]}"
    for path in ["/", "/agreements", "/organisations", "/documents", "/drives", "/profile",
                 *(agreement + part for part in PARTS)]:
        page.goto(path)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{path} scrolls sideways by {wide}px at 390 px"
        for table in page.locator("main table.stacks").all():  # stacked rows keep every column, each named
            heads = table.locator("thead th").count()
            first = table.locator("tbody tr").first
            if heads and first.count():
                labelled = first.locator("[data-label]").count()
                assert labelled == first.locator("td, th").count(), f"{path}: a cell without its column's name"


def test_focus_follows_an_inline_edit_and_the_change_is_announced(signed_in, demo):
    page = signed_in("director@demo.test", viewport={"width": 1280, "height": 900})
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    summary = page.locator("#section-summary")
    summary.get_by_role("link", name=re.compile("^Edit")).click()
    form = page.locator("#section-summary.editing")
    expect(form).to_be_visible()
    first_field = form.locator("input:not([type=hidden]), select, textarea").first
    expect(first_field).to_be_focused()
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Editing: "))

    title = form.get_by_label("Title")
    title.fill("")
    form.get_by_role("button", name=re.compile("Save")).click()  # refused: focus on the field to fix
    expect(page.locator("#section-summary [aria-invalid='true']").first).to_be_focused()
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^Not saved"))

    page.locator("#section-summary").get_by_label("Title").fill(MOU + " (2026)")
    page.locator("#section-summary").get_by_role("button", name=re.compile("Save")).click()
    saved = page.locator("#section-summary:not(.editing)")
    expect(saved).to_be_focused()  # the saved section, where the form was
    expect(page.locator("#announcer")).not_to_have_text("")


@pytest.mark.parametrize("width", [1280, 390])
def test_health_charts_are_whole_and_nothing_overlaps(signed_in, demo, width):
    page = signed_in("staff@demo.test", viewport={"width": width, "height": 900})
    page.goto(f"/agreements/{demo.agreements[MOU]}/health")
    charts = page.locator("figure.trend-chart")
    assert charts.count() >= 4
    for chart in charts.all():
        svg = chart.locator("svg").bounding_box()
        caption = chart.locator("figcaption").bounding_box()
        assert caption["y"] + caption["height"] <= svg["y"] + 1, "the legend runs into the chart"
        figure = chart.bounding_box()
        for label in chart.locator("svg text").all():
            box = label.bounding_box()
            assert box["x"] >= figure["x"] - 1 and box["x"] + box["width"] <= figure["x"] + figure["width"] + 1, \
                f"an axis label is cut: {label.text_content()}"
            assert box["height"] >= 10, f"an axis label is {box['height']:.0f}px tall at {width}px"
        keys = [k.bounding_box() for k in chart.locator(".legend-key").all()]
        for a, b in zip(keys, keys[1:]):
            assert a["y"] + a["height"] <= b["y"] + 1 or a["x"] + a["width"] <= b["x"] + 1, "legend entries overlap"
