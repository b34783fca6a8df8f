"""A school librarian records the cards of one class from her dashboard: she opens her school's drive page,
shows one homeroom, records every card of that class in one step, and sees the grade's counts move by the students
whose card changed (the demo's counts are its students' statuses), never past the grade's enrolment."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, describe_violations

pytestmark = pytest.mark.e2e
SHOTS = "/tmp/shots-roster2"


def test_a_librarian_records_one_class_from_her_dashboard(signed_in, demo):
    page = signed_in("librarian@demo.test")
    page.goto("/")
    panel = page.locator("#panel-card-drives")
    expect(panel).to_be_visible()
    page.screenshot(path=f"{SHOTS}/1-dashboard.png", full_page=True)
    panel.get_by_role("link", name="Lincoln Elementary School").click()
    expect(page.get_by_role("heading", level=2, name="Lincoln Elementary School")).to_be_visible()

    # The student list shows each student's class; she shows one homeroom.
    classes = page.get_by_role("navigation", name="Classes")
    expect(classes).to_be_visible()
    first = classes.get_by_role("link").nth(1)
    homeroom = first.inner_text()
    assert re.match(r"Room \w+ \(", homeroom)
    first.click()
    expect(page.get_by_role("navigation", name="Classes").get_by_role("link", name=homeroom)).to_have_attribute("aria-current", "page")
    rows = page.locator("#students-heading + form ~ .table-wrap tbody tr, section[aria-labelledby=students-heading] tbody tr")
    expect(rows.first).to_contain_text(homeroom)
    students = rows.count()
    assert students > 0 and all(homeroom in rows.nth(i).inner_text() for i in range(students))
    not_yet = sum(rows.nth(i).get_by_role("combobox").input_value() != "issued" for i in range(students))
    assert 0 < not_yet < students  # the demo's counts are its students' statuses: some of the class already hold a card
    grade = rows.first.locator("td").nth(1).inner_text()
    count_row = page.locator("tr", has=page.get_by_role("rowheader", name=grade, exact=True))
    enrolled = int(count_row.locator("td").nth(0).inner_text().replace(",", ""))
    issued_before = int(count_row.locator("td").nth(2).inner_text().replace(",", ""))
    page.screenshot(path=f"{SHOTS}/2-one-class.png", full_page=True)
    assert not axe_violations(page), describe_violations(axe_violations(page))

    # Every card of the class in one step: the message, the cards and the grade's counts.
    expect(page.get_by_label("Class", exact=True)).to_have_value(homeroom)
    page.locator("#class-status").select_option(label="Issued")
    page.get_by_role("button", name="Record for the whole class").click()
    message = page.get_by_text(re.compile(rf"\d+ students? of class {re.escape(homeroom)} recorded\."))
    expect(message).to_be_visible()
    recorded = int(re.search(r"(\d+) students? of class", message.inner_text()).group(1))
    page.screenshot(path=f"{SHOTS}/3-class-recorded.png", full_page=True)
    rows = page.locator("section[aria-labelledby=students-heading] tbody tr")
    for i in range(rows.count()):
        expect(rows.nth(i).get_by_role("combobox")).to_have_value("issued")
    count_row = page.locator("tr", has=page.get_by_role("rowheader", name=grade, exact=True))
    assert recorded == not_yet  # only the students whose card status changed
    issued_after = int(count_row.locator("td").nth(2).inner_text().replace(",", ""))
    assert issued_after == issued_before + recorded <= enrolled  # never past the grade's enrolment
    expect(count_row).not_to_contain_text(re.compile(r"\b1\d\d(\.\d)?\s?%"))
