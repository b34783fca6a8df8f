"""A director takes a new one-school agreement from Draft to Active in Chromium: a new agreement, its MOU from the
clause library, approvals, signatures in the app and by an emailed link (through a real SMTP server), and the
agreement page then says Active without anyone marking it so."""
import datetime
import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_the_director_takes_a_new_one_school_agreement_from_draft_to_active(new_page, demo, mailbox):
    today = datetime.date.today()
    page = new_page()
    sign_in(page, "director@demo.test")
    page.goto("/agreements/new")
    page.get_by_label("Title").fill("Washington Reads Together")
    page.get_by_label("Purpose").fill("Every Washington Elementary student holds a library account.")
    page.get_by_label("Effective date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + datetime.timedelta(days=730)).isoformat())
    page.get_by_label("Termination notice (days)").fill("30")
    rows = page.locator(".party-row")
    for row, name in ((rows.nth(0), "Riverside Public Library"), (rows.nth(1), "Washington Elementary School")):
        row.get_by_label("Organisation").press_sequentially(name[:12])  # the type-ahead lists the matches to tick
        row.locator(".org-results label", has_text=name).first.locator("input").check()
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".status-bar .status")).to_have_text("Draft")

    page.get_by_role("button", name="Assemble an MOU from the clause library").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Original"))).to_be_visible()
    clauses = page.locator("#clauses")
    expect(clauses).to_contain_text('Washington Elementary School')
    expect(clauses).to_contain_text('(the "School")')
    expect(clauses).not_to_contain_text("District")
    expect(page.get_by_text("prints {{ grades }}, which is empty").first).to_be_visible()
    page.get_by_label("grades covered").fill("K–5")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(clauses).to_contain_text("The programme covers the School, grades K–5.")

    for name, title, organisation, email in (
            ("Dana Director", "Library Director", "Riverside Public Library", "director@demo.test"),
            ("Pat Principal", "Principal", "Washington Elementary School", "pat.principal@school.example")):
        form = page.locator("#signatories form").last
        form.get_by_label("Name", exact=True).fill(name)
        form.get_by_label("Title", exact=True).fill(title)
        form.get_by_label("Organisation", exact=True).fill(organisation)
        form.get_by_label("Email", exact=True).fill(email)
        form.get_by_role("button", name="Add signatory").click()
        expect(page.get_by_text("Signatory added.")).to_be_visible()
    expect(page.get_by_text("Nobody signs for")).to_have_count(0)
    page.get_by_role("button", name="Submit for approval").click()
    for kind in ("Internal review", "Approved as to form (counsel)"):
        approvals = page.locator("#approvals form")
        approvals.get_by_label("Approval").select_option(label=kind)
        approvals.get_by_label("Date").fill(today.isoformat())
        approvals.get_by_label("Approved by").fill("Casey Counsel")
        approvals.get_by_role("button", name="Record approval").click()
        expect(page.get_by_text("Approval recorded.")).to_be_visible()
    page.get_by_role("button", name="Send for signature").click()
    expect(page.get_by_text("Sent for signature")).to_be_visible()
    version_url = page.url.split("#")[0]
    agreement_url = re.match(r".*/agreements/\d+", version_url).group(0)
    page.goto(agreement_url)
    expect(page.locator(".status-bar .status")).to_have_text("Out for signature")

    page.goto(version_url + "/sign")
    page.get_by_label("I have reviewed the document above").check()
    page.get_by_label("Type your full name to sign").fill("Dana Director")
    page.get_by_role("button", name="Sign the document").click()
    expect(page.get_by_text("Signed. Thank you.")).to_be_visible()

    deadline = time.monotonic() + 5
    while not mailbox.to("pat.principal@school.example") and time.monotonic() < deadline:
        time.sleep(0.05)
    invitation = mailbox.to("pat.principal@school.example")[0]
    link = re.search(r"http://\S+/sign/(\S+)", invitation.get_body(preferencelist=("plain",)).get_content())
    signer = new_page()  # no account, no session
    signer.goto(f"/sign/{link.group(1)}")
    signer.get_by_label("I have reviewed the document above").check()
    signer.get_by_label("Type your full name to sign").fill("Pat Principal")
    signer.get_by_role("button", name="Sign the document").click()
    expect(signer.get_by_text("Everyone has now signed")).to_be_visible()

    page.goto(agreement_url)
    expect(page.locator(".status-bar .status")).to_have_text("Active")
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    page.goto(agreement_url + "/history")
    expect(page.locator("main")).to_contain_text("Its MOU went out for signature")
    expect(page.locator("main")).to_contain_text("Its MOU was signed by everyone")
