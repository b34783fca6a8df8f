"""A parent answers the letter home on a phone: she opens the QR code's link, switches the page to Spanish and
opts her child out, with no account; then library staff open the drive from their dashboard and see the answer
counted with the families' answers and in the drive's opted-out count."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import MOU, axe_violations, describe_violations
from tracker.extensions import db
from tracker.families import codes
from tracker.families.models import FamilyCode

pytestmark = pytest.mark.e2e
SHOTS = "/tmp/shots-family"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def unanswered_code(app) -> str:
    with app.app_context():
        family = db.session.scalars(select(FamilyCode).where(FamilyCode.answer == "").order_by(FamilyCode.id)).first()
        return codes.shown(codes.code_of(family.seed))


def opted_out_shown(page) -> int:
    summary = page.locator("#family-answers p").first.inner_text()
    return int(re.search(r"(\d+) famil(?:y|ies) opted out", summary).group(1))


def test_a_parent_opts_out_in_spanish_on_her_phone_and_staff_see_it(app, demo, new_page, signed_in):
    staff = signed_in("staff@demo.test")
    staff.locator("#panel-card-drives .drive-progress").get_by_role("link", name=re.compile("Library Card Sign-up Month")).click()
    expect(staff.locator("#family-answers")).to_be_visible()
    before = opted_out_shown(staff)
    drive_total = int(staff.locator("dt:text-is('Opted out') + dd").inner_text())

    phone = new_page(**PHONE)
    phone.goto(f"/family/{unanswered_code(app)}")
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

    staff.reload()
    expect(staff.locator("#family-answers")).to_contain_text(f"{before + 1} families opted out")
    assert int(staff.locator("dt:text-is('Opted out') + dd").inner_text()) == drive_total + 1
    staff.locator("#family-answers").screenshot(path=f"{SHOTS}/4-staff-see-it.png")
