"""In the browser: add a resource, mark a milestone done, and see the dashboard change."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MOU, axe_violations, describe_violations, mark_document, still_same_document

pytestmark = pytest.mark.e2e
OPT_OUT = "Consent opt-out list returned"


def test_add_a_resource_mark_a_milestone_done_and_see_the_dashboard_change(signed_in, demo):
    page = signed_in("staff@demo.test")
    overdue = page.locator("#panel-overdue")
    expect(overdue).to_contain_text(OPT_OUT)

    page.goto(f"/agreements/{demo.agreements[MOU]}/resources")
    mark_document(page)
    resources = page.locator("#section-resources")
    resources.get_by_role("link", name="Add a resource").click()
    expect(resources.get_by_role("heading", name="Add a resource")).to_be_visible()
    resources.get_by_label("Kind", exact=True).select_option(label="Hotspots")
    resources.get_by_label("Provided by").select_option(label="Riverside Public Library")
    resources.get_by_label("Received by").select_option(label="Riverside Unified School District")
    resources.get_by_label("Description").fill("Wi-Fi hotspots for families")
    resources.get_by_label("In-kind value ($)").fill("-10")
    resources.get_by_role("button", name="Add resource").click()
    expect(resources.get_by_text("The value cannot be negative.")).to_be_visible()
    resources.get_by_label("In-kind value ($)").fill("2,400")
    resources.get_by_role("button", name="Add resource").click()
    expect(resources.get_by_role("cell", name="Wi-Fi hotspots for families", exact=True)).to_be_visible()
    expect(resources.get_by_role("cell", name="$2,400.00 per year", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Parts of this agreement").get_by_role("link", name="Milestones and meetings").click()
    milestones = page.locator("#section-milestones")
    row = milestones.locator("tr", has_text=OPT_OUT)
    expect(row.get_by_text("Overdue")).to_be_visible()
    row.get_by_role("button", name=f"Mark done {OPT_OUT}").click()
    row = milestones.locator("tr", has_text=OPT_OUT)
    expect(row.get_by_text("Done", exact=True)).to_be_visible()
    expect(row.get_by_text("Overdue")).to_have_count(0)
    assert still_same_document(page), "the changes reloaded the whole page"
    assert not axe_violations(page), describe_violations(axe_violations(page))

    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("#panel-overdue")).not_to_contain_text(OPT_OUT)
    activity = page.locator("#panel-activity")
    expect(activity).to_contain_text("changed a milestone")
    expect(activity).to_contain_text("added a shared resource")


def test_profile_and_report_pages_are_accessible(signed_in, demo):
    page = signed_in("director@demo.test")
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("button", name="Make my calendar feed").click()
    expect(page.get_by_label("Add this address to your calendar app", exact=False)).to_have_value(
        __import__("re").compile(r"/calendar/.+\.ics$"))
    assert not axe_violations(page), describe_violations(axe_violations(page))
    page.goto(f"/reports/agreements/{demo.agreements[MOU]}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual partnership report")
    assert not axe_violations(page), describe_violations(axe_violations(page))
