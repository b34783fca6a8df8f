"""Letters home and the family page, as their people use them. Library staff print a grade's letters from the drive
they reach on their dashboard (a job with a progress bar, one PDF). A parent reads her letter's QR code with her
phone, opens the family page on a 390 px screen, switches it to Spanish and opts her child out, with no account.
The staff then see the answer counted on the drive's page, in the families' answers and in the opted-out count."""
import io
import re

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, describe_violations

pytestmark = pytest.mark.e2e
SHOTS = "/tmp/shots-family"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def qr_links(pdf: bytes, pages: int) -> list[str]:
    """The QR codes of the first pages, read from the pages as printed."""
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    found = []
    for index in range(min(pages, len(document))):
        found += [b.text for b in zxingcpp.read_barcodes(document[index].render(scale=2).to_pil())]
    return found


def opted_out_shown(page) -> int:
    summary = page.locator("#family-answers p").first.inner_text()
    return int(re.search(r"(\d+) famil(?:y|ies) opted out", summary).group(1))


def test_staff_print_letters_and_a_parent_answers_from_the_qr_code_in_spanish(app, demo, new_page, signed_in,
                                                                            live_server, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)  # the address printed on the letters
    staff = signed_in("staff@demo.test")
    staff.locator("#panel-card-drives .drive-progress").get_by_role("link", name=re.compile("Library Card Sign-up Month")).click()
    expect(staff.locator("#family-answers")).to_be_visible()
    before = opted_out_shown(staff)
    drive_total = int(staff.locator("dt:text-is('Opted out') + dd").inner_text())
    drive_page = staff.url

    staff.get_by_role("link", name="Print letters home").click()
    staff.get_by_label("School").select_option(label="Lincoln Elementary School")
    staff.get_by_label("Grade").select_option("03")
    staff.get_by_label("English", exact=True).check()
    staff.get_by_role("button", name="Print the letters").click()
    expect(staff.locator("#letters-print progress, #letters-print [role=progressbar]").first).to_be_attached()
    download_link = staff.get_by_role("link", name=re.compile(r"Download \d+ letters \(PDF\)"))
    expect(download_link).to_be_visible(timeout=90_000)
    staff.screenshot(path=f"{SHOTS}/0-letters-printed.png", full_page=True)
    with staff.expect_download() as download:
        download_link.click()
    pdf = open(download.value.path(), "rb").read()
    links = qr_links(pdf, 6)
    assert links and all(link.startswith(f"{live_server}/family/") for link in links)

    phone = new_page(**PHONE)
    phone.goto("/family")  # typed by hand, wrongly: the message stands next to the field
    phone.get_by_label("Family code").fill("7KQ2-XM9D-4TRX")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator("#code-error")).to_contain_text("We could not find this code")
    expect(phone.get_by_label("Family code")).to_have_attribute("aria-invalid", "true")
    assert not axe_violations(phone), describe_violations(axe_violations(phone))
    phone.screenshot(path=f"{SHOTS}/0-a-wrong-code.png", full_page=True)
    for link in links:  # the first letter whose family has not answered yet (the demo's families answered a dozen)
        phone.goto(link)
        if not phone.get_by_role("status").count():
            break
    expect(phone.get_by_role("heading", level=1, name=re.compile(r"A library card for \w+ \w\.$"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the phone
    phone.screenshot(path=f"{SHOTS}/1-from-the-qr-code.png", full_page=True)

    phone.locator("header").get_by_role("button", name="Español").click()
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.get_by_role("heading", level=1, name=re.compile(r"Una tarjeta de biblioteca para"))).to_be_visible()
    assert not axe_violations(phone), describe_violations(axe_violations(phone))
    phone.screenshot(path=f"{SHOTS}/2-in-spanish.png", full_page=True)

    phone.get_by_role("button", name="No quiero tarjeta de biblioteca para mi hijo o hija").click()
    confirmation = phone.get_by_role("status")
    expect(confirmation).to_contain_text("Su respuesta quedó registrada")
    expect(confirmation).to_contain_text("no tendrá tarjeta")
    phone.screenshot(path=f"{SHOTS}/3-confirmation.png", full_page=True)
    assert not axe_violations(phone), describe_violations(axe_violations(phone))

    staff.goto(drive_page)
    expect(staff.locator("#family-answers")).to_contain_text(f"{before + 1} families opted out")
    assert int(staff.locator("dt:text-is('Opted out') + dd").inner_text()) == drive_total + 1
    staff.locator("#family-answers").screenshot(path=f"{SHOTS}/4-staff-see-it.png")
