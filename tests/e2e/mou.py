"""The steps of an MOU's sign-off as a person takes them in the browser, shared by the sign-off journeys."""
import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import demo_today

LIBRARY_SIGNER = ("Dana Director", "Library Director", "Riverside Public Library", "director@demo.test")
DISTRICT_SIGNER = ("Morgan Superintendent", "Superintendent", "Riverside Unified School District", "morgan@district.example")
APPROVALS = ("Internal review", "Approved as to form (counsel)")


def add_signatories(page, *signers) -> None:
    """Each (name, title, organisation, email) typed into the version's "Add signatory" form."""
    for name, title, organisation, email in signers:
        form = page.locator("#signatories form").last
        form.get_by_label("Name", exact=True).fill(name)
        form.get_by_label("Title", exact=True).fill(title)
        form.get_by_label("Organisation", exact=True).fill(organisation)
        form.get_by_label("Email", exact=True).fill(email)
        form.get_by_role("button", name="Add signatory").click()
        expect(page.get_by_text("Signatory added.")).to_be_visible()


def record_approvals(page, kinds=APPROVALS, resolution: str | None = None) -> None:
    """Each kind of approval recorded today by Casey Counsel (a board's with its resolution number)."""
    for kind in kinds:
        approvals = page.locator("#approvals form")
        approvals.get_by_label("Approval").select_option(label=kind)
        approvals.get_by_label("Date").fill(demo_today().isoformat())
        approvals.get_by_label("Approved by").fill("Casey Counsel")
        if resolution and kind.startswith("Board"):
            approvals.get_by_label("Resolution number").fill(resolution)
        approvals.get_by_role("button", name="Record approval").click()
        expect(page.get_by_text("Approval recorded.")).to_be_visible()


def send_for_signature(page) -> str:
    """Sends the version on the page for signature; its address."""
    page.get_by_role("button", name="Send for signature").click()
    expect(page.get_by_text("Sent for signature")).to_be_visible()
    return page.url.split("#")[0]


def sign(page, name: str) -> None:
    """On a signing page: confirm the review, type the name, sign."""
    page.get_by_label("I have reviewed the document above").check()
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Sign the document").click()


def sign_in_the_app(page, version_url: str, name: str) -> None:
    page.goto(version_url + "/sign")
    sign(page, name)
    expect(page.get_by_text("Signed. Thank you.")).to_be_visible()


def emailed_link(mailbox, to: str, seconds: float = 5) -> str:
    """The signing link (its whole address) in the mail sent to `to`, waited for."""
    deadline = time.monotonic() + seconds
    while not mailbox.to(to) and time.monotonic() < deadline:
        time.sleep(0.05)
    [invitation] = mailbox.to(to)
    return re.search(r"(\S+/sign/\S+)", invitation.get_body(preferencelist=("plain",)).get_content()).group(1)
