"""`PORT=<port> make run`, as a newcomer starts the app: every link it hands out (the calendar feed on the profile,
the signing link in an email, the QR code on a sealed PDF) reaches the app on that port, with PUBLIC_BASE_URL unset."""
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import DATA_SHARING, demo_today, sign_in
from tests.e2e.mou import DISTRICT_SIGNER, LIBRARY_SIGNER, add_signatories, emailed_link, record_approvals, send_for_signature, sign, sign_in_the_app
from tests.mailbox import Mailbox, _free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "make-run-password-123"


@pytest.fixture
def made_run(tmp_path):
    """`make run` in its own process group, with its own instance folder, demo password and port; mail to aiosmtpd."""
    mailbox = Mailbox()
    mailbox.controller.start()
    port = _free_port()
    drop = ("DATABASE_URL", "TEST_DATABASE_URL", "PUBLIC_BASE_URL", "TRACKER_ENV", "FLASK_RUN_PORT", "MAKEFLAGS", "MFLAGS")
    env = {**{k: v for k, v in os.environ.items() if k not in drop}, "PORT": str(port),
           "TRACKER_INSTANCE": str(tmp_path / "instance"), "DEMO_PASSWORD": PASSWORD,
           "MAIL_BACKEND": "smtp", "MAIL_SERVER": mailbox.host, "MAIL_PORT": str(mailbox.port)}
    log = open(tmp_path / "make-run.log", "wb")
    process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # migrations, the clause library and the demo come first
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("make run did not serve the app:\n" + (tmp_path / "make-run.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, mailbox
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make and the flask server it started: the group we made
        process.wait(timeout=30)
        log.close()
        mailbox.controller.stop()


def _fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def _qr_codes(pdf_path: str) -> list[str]:
    found = []
    for page in pypdfium2.PdfDocument(pdf_path):
        image = page.render(scale=3).to_pil()
        found += [code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]
    return found


def test_links_from_make_run_reach_the_app_on_its_port(made_run, browser):
    base, mailbox = made_run
    context = browser.new_context(base_url=base, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "director@demo.test", PASSWORD)

    # The calendar feed on /profile, and each event's address inside it.
    page.goto("/profile")
    page.get_by_role("button", name="Make my calendar feed").click()
    feed = page.locator("#feed-link").input_value()
    assert feed.startswith(base + "/calendar/"), feed
    status, kind, body = _fetch(feed)
    assert status == 200 and kind.startswith("text/calendar")
    events = [e for e in Calendar.from_ical(body).walk("VEVENT")]
    assert events and all(str(e["url"]).startswith(base + "/agreements/") for e in events)
    assert _fetch(str(events[0]["url"]))[0] == 200  # the sign-in page: the address is the app's

    # An outside signer's link, from the email aiosmtpd caught.
    page.goto("/agreements")
    page.get_by_role("link", name=DATA_SHARING).first.click()
    agreement_url = page.url
    page.goto(agreement_url + "/details")  # its MOU quotes the effective date: the checklist asks for one
    term = page.locator("#section-term")
    term.get_by_role("link", name="Edit term").click()
    term.get_by_label("Effective date").fill(demo_today().isoformat())
    term.get_by_role("button", name="Save term").click()
    expect(term.get_by_role("link", name="Edit term")).to_be_visible()
    page.goto(agreement_url)
    page.get_by_role("button", name="Assemble an MOU from the clause library").click()
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
    assert link.startswith(base + "/sign/"), link

    signer = context.browser.new_context(base_url=base, locale="en-US").new_page()  # no account, no session
    signer.goto(link)
    sign(signer, "Morgan Superintendent")
    expect(signer.get_by_text("Everyone has now signed")).to_be_visible()

    # The sealed PDF: its QR code, decoded, and its "Verify at" line lead to the app's verification page.
    page.goto(version_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed PDF").click()
    codes = _qr_codes(download.value.path())
    assert len(codes) == 1 and codes[0].startswith(base + "/verify?id=MOU-"), codes
    signer.goto(codes[0])
    expect(signer.get_by_role("heading", name="Registered", exact=True)).to_be_visible()  # what was sealed, and when
    expect(signer.get_by_text("No file was checked")).to_be_visible()  # an upload is what is checked
    context.close()
    signer.context.close()
