"""The whole sign-off path in Chromium: assemble an MOU, approve it, send it, an outside signer signs from
the link in a real email, and anyone verifies the sealed PDF without an account."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DATA_SHARING, demo_today, sign_in
from tests.e2e.mou import DISTRICT_SIGNER, LIBRARY_SIGNER, add_signatories, emailed_link, record_approvals, send_for_signature, sign_in_the_app

pytestmark = pytest.mark.e2e


def test_outside_signer_signs_from_the_emailed_link_and_the_pdf_verifies(new_page, demo, mailbox):
    page = new_page()
    sign_in(page, "director@demo.test")
    page.goto(f"/agreements/{demo.agreements[DATA_SHARING]}/details")  # its MOU will quote the effective date
    term = page.locator("#section-term")
    term.get_by_role("link", name="Edit term").click()
    term.get_by_label("Effective date").fill(demo_today().isoformat())
    term.get_by_role("button", name="Save term").click()
    expect(term.get_by_role("link", name="Edit term")).to_be_visible()
    page.goto(f"/agreements/{demo.agreements[DATA_SHARING]}")
    page.get_by_role("button", name="Assemble an MOU from the clause library").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Original"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"\d+\. Student data and privacy"))).to_be_visible()

    add_signatories(page, LIBRARY_SIGNER, DISTRICT_SIGNER)  # the library signs in the app; the district by an emailed link
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("prints {{ grades }}, which is empty").first).to_be_visible()  # no card drive yet
    page.get_by_label("grades covered").fill("K–12")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for approval").click()
    record_approvals(page)
    version_url = send_for_signature(page)
    sign_in_the_app(page, version_url, "Dana Director")

    link = emailed_link(mailbox, "morgan@district.example")
    signer = new_page()  # no account, no session
    signer.goto(link)
    expect(signer.get_by_role("heading", name=re.compile(r"\d+\. Student data and privacy"))).to_be_visible()
    signer.get_by_role("button", name="Sign the document").click()
    expect(signer.get_by_text("Tick the box to confirm")).to_be_visible()
    signer.get_by_label("I have reviewed the document above").check()
    signer.get_by_label("Type your full name to sign").fill("Morgan Superintendent")
    pad = signer.locator("#signature-pad").bounding_box()
    signer.mouse.move(pad["x"] + 20, pad["y"] + 80)
    signer.mouse.down()
    for step in range(1, 12):
        signer.mouse.move(pad["x"] + 20 + step * 25, pad["y"] + 80 + (-1) ** step * 30)
    signer.mouse.up()
    expect(signer.locator("#drawing")).to_have_value(re.compile(r"^data:image/png;base64,"))
    signer.get_by_role("button", name="Sign the document").click()
    expect(signer.get_by_role("heading", name="Thank you — your signature is recorded")).to_be_visible()
    expect(signer.get_by_text("Everyone has now signed")).to_be_visible()
    document_id = re.search(r"MOU-[0-9A-F]{10}", signer.content()).group(0)

    signer.goto(link)
    expect(signer.get_by_text("already been used")).to_be_visible()

    page.goto(version_url)
    expect(page.locator(".page-head .badge")).to_have_text("Signed and sealed")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed PDF").click()
    pdf_path = download.value.path()

    checker = new_page()
    checker.goto("/verify")
    checker.get_by_label("Or upload the PDF").set_input_files(pdf_path)
    checker.get_by_role("button", name="Verify").click()
    expect(checker.get_by_role("heading", name="Genuine", exact=True)).to_be_visible()
    expect(checker.get_by_text("Morgan Superintendent")).to_be_visible()
    checker.goto(f"/verify?id={document_id}")
    expect(checker.get_by_role("heading", name="Registered", exact=True)).to_be_visible()
    expect(checker.get_by_text("No file was checked")).to_be_visible()


def test_the_demo_shows_the_whole_path_and_its_pages_are_accessible(signed_in, demo):
    from tests.e2e.conftest import MOU, axe_violations, describe_violations

    page = signed_in("director@demo.test")
    page.goto(f"/agreements/{demo.agreements[MOU]}/documents")
    section = page.locator("#section-documents")
    expect(section.get_by_text("Signed and sealed")).to_be_visible()
    expect(section.get_by_text("Awaiting approval")).to_be_visible()
    with page.expect_download() as download:
        section.get_by_role("link", name="Signed PDF").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    checked = []
    for link in ("Original", "First Amendment"):
        page.goto(f"/agreements/{demo.agreements[MOU]}/documents")
        page.locator("#section-documents").get_by_role("link", name=link, exact=True).click()
        checked.append((page.url, axe_violations(page)))
    expect(page.get_by_text("Approved as to form (counsel)").first).to_be_visible()
    page.get_by_role("link", name="Changes from the Original").click()
    expect(page.locator(".diff ins").first).to_be_visible()
    for url in ("/clauses", "/documents", "/documents/tasks", "/verify"):
        page.goto(url)
        checked.append((url, axe_violations(page)))
    problems = [f"{url}:\n{describe_violations(v)}" for url, v in checked if v]
    assert not problems, "\n".join(problems)
