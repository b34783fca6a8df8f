"""A director takes a new one-school agreement from Draft to Active in Chromium: a new agreement, its MOU from the
clause library, approvals, signatures in the app and by an emailed link (through a real SMTP server), and the
agreement page then says Active without anyone marking it so."""
import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import demo_today, sign_in
from tests.e2e.mou import LIBRARY_SIGNER, add_signatories, emailed_link, record_approvals, send_for_signature, sign, sign_in_the_app

pytestmark = pytest.mark.e2e


def test_the_director_takes_a_new_one_school_agreement_from_draft_to_active(new_page, demo, mailbox):
    today = demo_today()
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

    add_signatories(page, LIBRARY_SIGNER,
                    ("Pat Principal", "Principal", "Washington Elementary School", "pat.principal@school.example"))
    expect(page.get_by_text("Nobody signs for")).to_have_count(0)
    page.get_by_role("button", name="Submit for approval").click()
    record_approvals(page)
    version_url = send_for_signature(page)
    agreement_url = re.match(r".*/agreements/\d+", version_url).group(0)
    page.goto(agreement_url)
    expect(page.locator(".status-bar .status")).to_have_text("Out for signature")

    sign_in_the_app(page, version_url, "Dana Director")

    signer = new_page()  # no account, no session
    signer.goto(emailed_link(mailbox, "pat.principal@school.example"))
    sign(signer, "Pat Principal")
    expect(signer.get_by_text("Everyone has now signed")).to_be_visible()

    page.goto(agreement_url)
    expect(page.locator(".status-bar .status")).to_have_text("Active")
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    page.goto(agreement_url + "/history")
    expect(page.locator("main")).to_contain_text("Its MOU went out for signature")
    expect(page.locator("main")).to_contain_text("Its MOU was signed by everyone")
