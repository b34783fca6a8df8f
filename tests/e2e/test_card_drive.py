"""A card drive in the browser: import a roster (preview, then commit), export a Koha file, and
record counts inline, watching the school's progress bar move."""
import re

import pytest
from playwright.sync_api import expect

from tests.card_fixtures import users_csv
from tests.e2e.conftest import MOU, axe_violations, describe_violations, mark_document, still_same_document

pytestmark = pytest.mark.e2e


def assert_accessible(page):
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_import_a_roster_export_koha_and_record_counts(signed_in, demo, tmp_path):
    page = signed_in("staff@demo.test")
    mou = demo.agreements[MOU]
    page.goto(f"/agreements/{mou}/cards")
    expect(page.get_by_role("heading", name="Card programme")).to_be_visible()
    page.get_by_role("link", name="Roster", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="Roster", exact=True)).to_be_visible()

    # Upload: a new student for Lincoln Elementary (school-001) and a changed grade for an existing one.
    roster = tmp_path / "lincoln.csv"
    roster.write_bytes(users_csv([("stu-90001", "school-001", "Nova", "Reyes", "02", "490001"),
                                  ("stu-00001", "school-001", "Ava", "Garcia", "03", "400001"),
                                  ("stu-90001", "school-001", "Nova", "Twice", "02", "490001")]))
    page.get_by_label("Roster file").set_input_files(str(roster))
    page.get_by_role("button", name="Upload and preview").click()
    summary = page.locator("dl.preview-summary")
    expect(summary).to_contain_text("Rows read")
    expect(page.locator(".import-errors")).to_contain_text("Duplicate id stu-90001")
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    # Two students of one school of eight: the preview warns, and this file is only part of the roster.
    expect(page.locator(".import-warnings")).to_contain_text("covers 1 of the agreement's 8 schools")
    assert_accessible(page)
    page.get_by_label("This file is partial: mark nobody as left").check()
    page.get_by_role("button", name=re.compile("Commit the roster")).click()
    expect(page.get_by_text(re.compile(r"Roster saved: 1 new, 1 updated"))).to_be_visible()
    page.get_by_label("Search").fill("Reyes")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="Reyes, Nova")).to_be_visible()
    assert_accessible(page)

    # Export a Koha file.
    page.goto(f"/agreements/{mou}/patrons/export")
    expect(page.get_by_label("Format")).to_have_value("koha")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download patron file").click()
    path = download.value.path()
    text = open(path, encoding="utf-8").read()
    assert text.startswith("cardnumber,surname,firstname")
    assert "2100490001,Reyes,Nova" in text

    # Record counts inline on Lincoln's page and watch the progress bar move.
    page.goto("/drives")
    page.get_by_role("link", name=re.compile("Library Card Sign-up Month")).click()
    expect(page.locator("figure.drive-chart svg[role=img]")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Lincoln Elementary School").click()
    bar = page.locator("#school-progress progress")
    before = float(bar.get_attribute("value"))
    row = page.locator("tr", has=page.get_by_role("rowheader", name="K", exact=True))
    mark_document(page)
    row.get_by_role("link", name=re.compile("Edit")).click()
    form = page.locator("form.inline-counts")
    issued = form.get_by_label("Issued")
    issued.fill(str(int(issued.input_value()) + 2))  # within its enrolment: more asks for a confirmation
    form.get_by_role("button", name="Save").click()
    saved = page.locator("tr.saved")
    expect(saved).to_be_visible()
    assert still_same_document(page)
    grade_bar = saved.locator("progress")
    assert float(grade_bar.get_attribute("value")) > 0
    expect(page.locator("#school-progress progress")).not_to_have_attribute("value", str(before))
    assert float(page.locator("#school-progress progress").get_attribute("value")) > before
    assert_accessible(page)
