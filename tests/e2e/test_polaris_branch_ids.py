"""Library staff set the card programme up for Polaris: the programme asks each home branch's Polaris organization id,
refuses a branch code typed in its place with a message next to that branch's field, and the Polaris Leap file
registers each student at their home branch by that id (the Koha branch codes stay as they are)."""
import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU, axe_violations, describe_violations

pytestmark = pytest.mark.e2e
SHOTS = "/tmp/shots-roster2"


def test_staff_give_each_branch_its_polaris_id_and_the_leap_file_uses_it(signed_in, demo):
    mou = demo.agreements[MOU]
    page = signed_in("staff@demo.test")
    page.goto(f"/agreements/{mou}/card-programme")
    page.get_by_label("Library system (ILS)").select_option("polaris")
    page.get_by_label("Patron category code").fill("3")
    ids = {"Central Library": "1", "Eastside Branch": "EAS", "Northgate Branch": "5"}
    for branch, value in ids.items():
        page.get_by_label(f"Polaris organization id of {branch}").fill(value)
    page.get_by_role("button", name="Save").click()

    # The branch code typed in place of an id: refused, the message next to Eastside's field, nothing saved.
    eastside = page.get_by_label("Polaris organization id of Eastside Branch")
    expect(eastside).to_have_attribute("aria-invalid", "true")
    field = page.locator(".field", has=eastside)
    expect(field.locator(".error")).to_have_text("EAS is not a Polaris organization id: give Eastside Branch's, a whole "
                                                 "number from 1 to 2,147,483,647 (e.g. 12).")
    expect(page.locator(".field.has-error")).to_have_count(1)
    eastside.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/4-polaris-id-refused.png", full_page=True)
    assert not axe_violations(page), describe_violations(axe_violations(page))

    eastside.fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    ids_shown = page.locator("dt", has_text="Polaris organization ids").locator("xpath=following-sibling::dd[1]")
    expect(ids_shown).to_have_text("Central Library: 1 · Eastside Branch: 3 · Northgate Branch: 5")
    page.screenshot(path=f"{SHOTS}/5-polaris-ids-saved.png", full_page=True)

    # Lincoln is served by Eastside Branch: every row of its Leap file is registered there by id 3.
    page.goto(f"/agreements/{mou}/patrons/export")
    page.get_by_label("Format").select_option("polaris")
    page.get_by_label("School", exact=True).select_option(label="Lincoln Elementary School")
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".export-check")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/6-polaris-export-check.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download patron file").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))[1:]  # under Leap's translations
    assert len(rows) > 200
    assert {r["PatronBranchID"] for r in rows} == {"3"} and {r["PatronCodeID"] for r in rows} == {"3"}
