"""Charts where people compare numbers, as a director reads them at 1280 px and on a 390 px phone: the annual report's
and the dashboard's bars keep every label whole and inside the chart, nothing overlaps, the type stays legible, and
the page does not scroll sideways. Screenshots go to $CHART_SHOTS (default /tmp/shots-words) to be looked at."""
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import MOU, axe_violations, describe_violations

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("CHART_SHOTS", "/tmp/shots-words"))


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5
                or a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5)


def check_charts(page, where: str, width: int, expected: int) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"{where} scrolls sideways by {wide}px at {width} px"
    figures = page.locator("figure.bar-chart")
    assert figures.count() == expected, where
    for figure in figures.all():
        figure.scroll_into_view_if_needed()
        svg = figure.locator("svg[role=img]")
        box = svg.bounding_box()
        assert svg.locator("title").text_content().strip() and svg.locator("desc").text_content().strip()
        caption = figure.locator("figcaption").bounding_box()
        assert caption["y"] + caption["height"] <= box["y"] + 1, f"{where}: the title runs into its chart"
        labels = [(t.text_content(), t.bounding_box()) for t in svg.locator("text").all()]
        for text, label in labels:
            assert label["x"] >= box["x"] - 1 and label["x"] + label["width"] <= box["x"] + box["width"] + 1, \
                f"{where}: '{text}' is cut at {width} px"
            assert label["height"] >= 12, f"{where}: '{text}' is {label['height']:.0f}px tall at {width} px"
        for i, (text, a) in enumerate(labels):
            for other, b in labels[i + 1:]:
                assert not overlaps(a, b), f"{where}: '{text}' runs into '{other}' at {width} px"
        for bar in svg.locator("rect").all():
            assert bar.bounding_box()["x"] + bar.bounding_box()["width"] <= box["x"] + box["width"] + 1
        keys = [k.bounding_box() for k in figure.locator(".chart-key li").all()]
        for i, a in enumerate(keys):
            assert all(not overlaps(a, b) for b in keys[i + 1:]), f"{where}: the key's entries overlap"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_directors_report_and_dashboard_charts_are_whole_and_legible(signed_in, demo, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = signed_in("director@demo.test", viewport={"width": width, "height": 900})
    page.goto(f"/reports/agreements/{demo.agreements[MOU]}")
    cards = page.locator("#chart-cards")
    assert cards.locator("svg text", has_text="Washington Elementary School").count() == 1
    assert cards.get_by_role("img").get_attribute("aria-describedby") == "chart-cards-desc"
    check_charts(page, "the annual report", width, 5)  # cards, card use, value, milestones, goals
    found = axe_violations(page)
    assert not found, describe_violations(found)
    page.screenshot(path=str(SHOTS / f"e2e-report-director-{width}.png"), full_page=True)

    page.goto("/")
    check_charts(page, "the dashboard", width, 1)
    found = axe_violations(page)
    assert not found, describe_violations(found)
    page.locator("#chart-drives").screenshot(path=str(SHOTS / f"e2e-dashboard-chart-director-{width}.png"))
    page.screenshot(path=str(SHOTS / f"e2e-dashboard-director-{width}.png"), full_page=True)


def test_a_school_librarian_on_a_phone_sees_the_drive_chart_legibly(signed_in, demo):
    page = signed_in("librarian@demo.test", viewport={"width": 390, "height": 844})
    page.goto(f"/agreements/{demo.agreements[MOU]}/drives")
    page.get_by_role("link", name="Library Card Sign-up Month 2026").first.click()
    page.locator("#chart-drive").wait_for()
    check_charts(page, "the drive's page", 390, 1)
    found = axe_violations(page)
    assert not found, describe_violations(found)
    page.screenshot(path=str(SHOTS / "e2e-drive-librarian-390.png"), full_page=True)
