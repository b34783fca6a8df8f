"""The director amends the demo card MOU to run two more years in Chromium: the First Amendment's end date typed
beside the agreement's other terms, approvals, her signature in the app, and an outside signer who reads the
changed end date against the Original before signing by an emailed link (through a real SMTP server). The
agreement then ends on the new date, and its key dates moved with it."""
import datetime
import os
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import MOU, sign_in
from tracker.documents.models import Document, DocumentVersion
from tracker.extensions import db

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots-clauses")


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_director_amends_the_end_date_and_an_outside_signer_signs_it(app, new_page, demo, mailbox):
    today = datetime.date.today()
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
    form = page.locator("#signatories form").last
    form.get_by_label("Name", exact=True).fill("Rita Board")
    form.get_by_label("Title", exact=True).fill("Board President")
    form.get_by_label("Organisation", exact=True).fill("Riverside Unified School District")
    form.get_by_label("Email", exact=True).fill("rita.board@district.example")
    form.get_by_role("button", name="Add signatory").click()
    expect(page.get_by_text("Signatory added.")).to_be_visible()
    expect(page.get_by_text("Nobody signs for")).to_have_count(0)
    page.get_by_role("button", name="Submit for approval").click()
    for kind in ("Internal review", "Approved as to form (counsel)", "Board or council approval"):
        approvals = page.locator("#approvals form")
        approvals.get_by_label("Approval").select_option(label=kind)
        approvals.get_by_label("Date").fill(today.isoformat())
        approvals.get_by_label("Approved by").fill("Casey Counsel")
        if kind.startswith("Board"):
            approvals.get_by_label("Resolution number").fill("LB-2027-02")
        approvals.get_by_role("button", name="Record approval").click()
        expect(page.get_by_text("Approval recorded.")).to_be_visible()
    page.get_by_role("button", name="Send for signature").click()
    expect(page.get_by_text("Sent for signature")).to_be_visible()
    page.goto(version_url + "/sign")
    page.get_by_label("I have reviewed the document above").check()
    page.get_by_label("Type your full name to sign").fill("Dana Director")
    page.get_by_role("button", name="Sign the document").click()
    expect(page.get_by_text("Signed. Thank you.")).to_be_visible()

    deadline = time.monotonic() + 5
    while not mailbox.to("rita.board@district.example") and time.monotonic() < deadline:
        time.sleep(0.05)
    invitation = mailbox.to("rita.board@district.example")[0]
    link = re.search(r"http://\S+/sign/(\S+)", invitation.get_body(preferencelist=("plain",)).get_content())
    signer = new_page()  # no account, no session
    signer.goto(f"/sign/{link.group(1)}")
    table = signer.locator("table.amended-terms")
    expect(table.locator("tr", has_text="End date")).to_contain_text(f"July 31, {old_end.year}")
    expect(table.locator("tr", has_text="End date")).to_contain_text(f"July 31, {new_end.year}")
    expect(table.locator("tbody tr")).to_have_count(2)  # and the demo amendment's new checkout limit
    expect(table.locator("tr", has_text="items a student may borrow")).to_contain_text("15")
    _shot(signer, "amendment-2-signer-sees-the-new-end-date")
    signer.get_by_label("I have reviewed the document above").check()
    signer.get_by_label("Type your full name to sign").fill("Rita Board")
    signer.get_by_role("button", name="Sign the document").click()
    expect(signer.get_by_text("Everyone has now signed")).to_be_visible()

    page.goto(f"/agreements/{agreement_id}")
    expect(page.locator(".status-bar .status")).to_have_text("Active")
    _shot(page, "amendment-3-agreement-ends-on-the-new-date")
    glance = page.locator("main section, main .card", has_text="The agreement").first
    expect(glance).to_contain_text(f"31 July {new_end.year}")
    expect(glance).to_contain_text(f"1 July {new_end.year}")  # the notice deadline moved with it
    expect(glance).not_to_contain_text(f"31 July {old_end.year}")
    page.goto(f"/agreements/{agreement_id}/history")
    expect(page.locator("main")).to_contain_text("changed the agreement's terms by a signed amendment")
    _shot(page, "amendment-4-history")
