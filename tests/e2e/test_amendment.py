"""The director amends the demo card MOU to run two more years in Chromium: the First Amendment's end date typed
beside the agreement's other terms, approvals, her signature in the app, and an outside signer who reads the
changed end date against the Original before signing by an emailed link (through a real SMTP server). The
agreement then ends on the new date, and its key dates moved with it."""
import datetime
import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import MOU, demo_today, sign_in
from tests.e2e.mou import APPROVALS, add_signatories, emailed_link, record_approvals, send_for_signature, sign, sign_in_the_app
from tracker.documents.models import Document, DocumentVersion
from tracker.extensions import db

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots-clauses")


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_director_amends_the_end_date_and_an_outside_signer_signs_it(app, new_page, demo, mailbox):
    today = demo_today()
    agreement_id = demo.agreements[MOU]
    with app.app_context():
        amendment_id = db.session.scalar(select(DocumentVersion.id).join(Document).where(
            Document.agreement_id == agreement_id, DocumentVersion.number == 1))
    old_end = datetime.date(today.year + 3, 7, 31)
    new_end = datetime.date(today.year + 5, 7, 31)
    page = new_page()
    sign_in(page, "director@demo.test")
    version_url = f"/agreements/{agreement_id}/versions/{amendment_id}"
    page.goto(version_url)
    page.get_by_role("button", name="Return to draft").click()
    expect(page.get_by_role("button", name="Submit for approval")).to_be_visible()

    terms = page.locator("fieldset", has_text="as this amendment changes them")
    expect(terms.get_by_label("End date")).to_have_value(old_end.isoformat())
    terms.get_by_label("End date").fill("2000-01-01")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#term_end_date-error")).to_contain_text("The end date must come after the effective date")
    _shot(page, "amendment-1-end-date-refused")
    page.locator("fieldset", has_text="as this amendment changes them").get_by_label("End date").fill(new_end.isoformat())
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.locator("#clauses")).to_contain_text(f"runs until July 31, {new_end.year}")
    changed = page.locator("table.amended-terms")
    expect(changed).to_contain_text(f"July 31, {old_end.year}")
    expect(changed).to_contain_text(f"July 31, {new_end.year}")

    for name in ("Sam Superintendent", "Casey Counsel", "Cory Clerk"):  # the district signs by an emailed link
        page.locator("#signatories").get_by_role("button", name=f"Remove {name}").click()
        expect(page.locator("#signatories table")).not_to_contain_text(name)
    add_signatories(page, ("Rita Board", "Board President", "Riverside Unified School District", "rita.board@district.example"))
    expect(page.get_by_text("Nobody signs for")).to_have_count(0)
    page.get_by_role("button", name="Submit for approval").click()
    record_approvals(page, (*APPROVALS, "Board or council approval"), resolution="LB-2027-02")
    send_for_signature(page)
    sign_in_the_app(page, version_url, "Dana Director")

    signer = new_page()  # no account, no session
    signer.goto(emailed_link(mailbox, "rita.board@district.example"))
    table = signer.locator("table.amended-terms")
    expect(table.locator("tr", has_text="End date")).to_contain_text(f"July 31, {old_end.year}")
    expect(table.locator("tr", has_text="End date")).to_contain_text(f"July 31, {new_end.year}")
    expect(table.locator("tbody tr")).to_have_count(2)  # and the demo amendment's new checkout limit
    expect(table.locator("tr", has_text="items a student may borrow")).to_contain_text("15")
    _shot(signer, "amendment-2-signer-sees-the-new-end-date")
    sign(signer, "Rita Board")
    expect(signer.get_by_text("Everyone has now signed")).to_be_visible()

    page.goto(f"/agreements/{agreement_id}")
    expect(page.locator(".status-bar .status")).to_have_text("Active")
    _shot(page, "amendment-3-agreement-ends-on-the-new-date")
    glance = page.locator("main section, main .card", has_text="The agreement").first
    expect(glance).to_contain_text(f"July 31, {new_end.year}")
    expect(glance).to_contain_text(f"July 1, {new_end.year}")  # the notice deadline moved with it
    expect(glance).not_to_contain_text(f"July 31, {old_end.year}")
    page.goto(f"/agreements/{agreement_id}/history")
    expect(page.locator("main")).to_contain_text("changed the agreement's terms by a signed amendment")
    _shot(page, "amendment-4-history")
