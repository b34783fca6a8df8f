"""Charts where people compare numbers: the annual report (its page and its PDF) and the dashboard draw bars on the
server (tracker.charts), each with a title, whole labels, its numbers in words and nothing running into anything."""
import io
import re
from datetime import date

import pdfplumber
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import clock
from tracker import charts
from tracker.agreements.models import Agreement
from tracker.demo import data as demo_data
from tracker.extensions import db

MOU = "Student Library Card Partnership MOU"
SCHOOLS = ["Cedar Ridge High School", "Jefferson Middle School", "Lincoln Elementary School",
           "Maple Grove Elementary School", "Oak Park Elementary School", "Riverside High School",
           "Roosevelt Middle School", "Washington Elementary School"]


@pytest.fixture
def demo(app):
    demo_data.seed(PASSWORD, clock.today())
    db.session.commit()
    return db.session.scalars(select(Agreement).where(Agreement.title == MOU)).one()


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'<figure class="bar-chart[^"]*" id="([^"]+)">(.*?)</figure>', html, re.S))


def test_bars_keep_every_label_whole_and_nothing_overlaps():
    long = "The Very Long Name of a School That Goes On Well Past One Line of the Chart"
    drawn = charts.bars("Compared", [charts.Bar(long, "100%", [(60, "main"), (40, "second")], 90, "target 90%"),
                                     charts.Bar("Short", "$1,234,567.89", [(5, "main")])], top=100)
    first, second = drawn.rows
    assert " ".join(line for _y, line in first["lines"]) == long and len(first["lines"]) == 2
    assert all(len(line) <= charts.WRAP for _y, line in first["lines"])
    assert first["lines"][-1][0] < first["bar_y"] < first["bar_y"] + charts.BAR < second["lines"][0][0] - charts.FONT
    assert drawn.track + 6 + charts.measure("$1,234,567.89") <= drawn.width  # the longest value is whole
    assert sum(w for _x, w, _f in first["segments"]) == pytest.approx(drawn.track)  # stacked to the full scale
    assert first["target_x"] == pytest.approx(drawn.track * 0.9, abs=0.1)
    assert drawn.height >= second["bar_y"] + charts.BAR
    assert drawn.desc == f"{long}: 100% (target 90%); Short: $1,234,567.89"


def test_the_report_page_charts_cards_value_milestones_and_goals(demo, login):
    html = login("director@demo.test").get(f"/reports/agreements/{demo.id}").get_data(as_text=True)
    found = figures(html)
    assert set(found) == {"chart-cards", "chart-card-use", "chart-resources", "chart-milestones", "chart-goals"}
    for key, figure in found.items():
        assert 'role="img"' in figure and f'aria-labelledby="{key}-title"' in figure and f'aria-describedby="{key}-desc"' in figure
        assert re.search(rf'<title id="{key}-title">\w', figure) and re.search(rf'<desc id="{key}-desc">\w', figure)
    cards = found["chart-cards"]
    assert "Share of enrolment with a library card per school, against its target" in cards
    for school in SCHOOLS:  # whole names, and each school's figure in words for a screen reader
        assert f">{school}</text>" in cards and re.search(rf"{school}: [\d.]+% \(target \d+%\)", cards)
    assert "Riverside Public Library: $23,400.00" in found["chart-resources"]
    assert re.search(r"Done: \d+; Missed: \d+; Overdue: \d+; Still open, not yet due: \d+", found["chart-milestones"])
    assert "Every enrolled student holds a library account: 40%" in found["chart-goals"]
    assert "<style" not in html and ' style="' not in html  # colours are SVG attributes, which the CSP allows


def test_the_report_pdf_draws_the_charts_with_their_labels(demo, login):
    response = login("director@demo.test").get(f"/reports/agreements/{demo.id}.pdf")
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
        fills = {tuple(round(c, 2) for c in r["non_stroking_color"] or ()) for page in pdf.pages for r in page.rects}
    for title in ("Share of enrolment with a library card per school, against its target",
                  "Value each party gives per year", "Milestones due this school year, by outcome",
                  "Progress of each SMART goal"):
        assert title in text
    lines = text.splitlines()
    for school in SCHOOLS:
        assert school in lines  # the chart's label, a line of its own (the table's rows carry their figures)
    assert "$23,400.00" in lines and "Still open, not yet due" in lines
    assert (0.18, 0.43, 0.71) in fills  # the bars are drawn in their colour (#2f6db5), not black


def test_the_dashboard_compares_the_schools_of_the_drive_under_way(demo, login):
    director = login("director@demo.test").get("/").get_data(as_text=True)
    [(key, chart)] = figures(director).items()
    assert key == "chart-drives" and "Library Card Sign-up Month 2026: share of enrolment" in chart
    assert all(f">{school}</text>" in chart for school in SCHOOLS)
    librarian = login("librarian@demo.test").get("/").get_data(as_text=True)
    assert figures(librarian) == {}  # one school: nothing to compare, its progress bar says it
    assert "Lincoln Elementary School" in librarian and "54.4%" in librarian
