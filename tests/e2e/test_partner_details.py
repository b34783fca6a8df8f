"""A partner keeps their details current, in the browser, with mail through a real local SMTP server: library staff
(Stacy, who may not edit the school) send Lincoln Elementary's librarian a link from the school's page; she opens it
from the mail (no account), proposes corrections; Stacy accepts some and rejects others; the audit log (read by an
admin) shows each step."""
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SHOTS = Path("/tmp/shots-partners")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def link_in(mailbox, index: int = -1) -> str:
    return re.search(r"https?://\S+/partner/[A-Za-z0-9_-]+", mailbox.text(index)).group(0)


def test_staff_send_a_link_the_librarian_corrects_staff_decide_and_the_log_tells(new_page, demo, mailbox):
    lincoln = demo.orgs["Lincoln Elementary School"]
    staff = new_page()
    sign_in(staff, "staff@demo.test")  # Stacy, library staff: Lincoln is a partner school, not hers to edit
    staff.goto(f"/organisations/{lincoln}")
    expect(staff.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    section = staff.locator("#partner-updates")
    expect(section.get_by_text("No corrections are waiting.")).to_be_visible()
    section.get_by_label("Contact").select_option(label="Lee Librarian <librarian@demo.test>")
    section.get_by_role("button", name="Email a link to confirm or correct").click()
    expect(staff.get_by_role("status")).to_contain_text("was emailed to Lee Librarian")
    shot(staff, "1-staff-sent-link")

    mailbox.wait(1)
    assert mailbox.envelopes[0][1] == ["librarian@demo.test"]
    assert "Are the details of Lincoln Elementary School still right?" in mailbox.messages[0]["Subject"]
    contact = new_page()  # the librarian, signed out: the link needs no account
    contact.goto(link_in(mailbox))
    expect(contact.get_by_role("heading", level=1)).to_have_text("Are these details of Lincoln Elementary School right?")
    expect(contact.get_by_text("This page works once, until")).to_contain_text(re.compile(r"P[SD]T"))  # Lincoln's zone
    shot(contact, "2-contact-opens-link")
    # A mistake first: its message beside the field, nothing kept.
    pat = contact.get_by_role("group", name="Pat Principal")
    pat.get_by_label("Email").fill("pat at school")
    contact.get_by_role("button", name="Send corrections").click()
    expect(pat.get_by_text("Give an email address such as name@school.org.")).to_be_visible()
    shot(contact, "3-contact-bad-email")
    pat = contact.get_by_role("group", name="Pat Principal")
    pat.get_by_label("Email").fill("pat.principal@lincoln.demo.test")
    contact.get_by_label("Street").fill("12 Library Lane")
    lee = contact.get_by_role("group", name="Lee Librarian")
    lee.get_by_label("Phone").fill("555-0142")
    lee.get_by_label("Can sign agreements").check()
    new = contact.get_by_role("group", name="Add a contact")
    new.get_by_label("Name").fill("Rosa Reading")
    new.get_by_label("Role").select_option(label="School librarian")
    new.get_by_label("Email").fill("rosa@lincoln.demo.test")
    contact.get_by_role("button", name="Add another contact").click()  # a plain form post: no JavaScript needed
    expect(contact.get_by_role("group", name="Add a contact (1)").get_by_label("Name")).to_have_value("Rosa Reading")
    second = contact.get_by_role("group", name="Add a contact (2)")
    second.get_by_label("Name").fill("Omar Office")
    second.get_by_label("Role").select_option(label="Other")
    second.get_by_label("Email").fill("omar@lincoln.demo.test")
    shot(contact, "3b-contact-adds-two")
    contact.get_by_role("button", name="Send corrections").click()
    expect(contact.get_by_role("status")).to_contain_text("your 6 corrections were sent to the library staff")
    shot(contact, "4-contact-thanks")
    contact.goto(link_in(mailbox))
    expect(contact.get_by_role("alert")).to_contain_text("already been used")

    staff.goto(f"/organisations/{lincoln}")
    proposal = staff.locator("#partner-updates form.proposal")
    expect(proposal.get_by_role("heading")).to_contain_text("Corrections proposed by Lee Librarian")
    expect(proposal).to_contain_text("12 Library Lane")
    shot(staff, "5-staff-sees-proposal")
    proposal.get_by_role("group", name="Street").get_by_label("Accept").check()
    proposal.get_by_role("group", name="Phone of Lee Librarian").get_by_label("Accept").check()
    proposal.get_by_role("group", name="Email of Pat Principal").get_by_label("Reject").check()
    proposal.get_by_role("group", name="Can sign agreements of Lee Librarian").get_by_label("Accept").check()
    proposal.get_by_role("group", name="New contact").nth(0).get_by_label("Reject").check()
    proposal.get_by_role("group", name="New contact").nth(1).get_by_label("Accept").check()
    proposal.get_by_role("button", name="Save decisions").click()
    expect(staff.get_by_role("status")).to_contain_text("6 proposed changes decided.")
    expect(staff.locator("#details-heading + dl")).to_contain_text("12 Library Lane")
    contacts = staff.locator("#contacts")
    expect(contacts).not_to_contain_text("Rosa Reading")
    expect(contacts).to_contain_text("Omar Office")
    expect(contacts).not_to_contain_text("pat.principal@lincoln.demo.test")
    expect(staff.locator("#details-heading + dl")).not_to_contain_text("needs review")
    expect(staff.locator("#partner-updates")).to_contain_text("No corrections are waiting.")
    shot(staff, "6-staff-decided")

    admin = new_page()
    sign_in(admin, "admin@demo.test")  # the audit log is the admins'
    admin.goto("/audit?kind=organisations")
    rows = admin.locator("#audit-results tbody")
    expect(rows).to_contain_text("emailed a contact a link to confirm or correct the details")
    expect(rows).to_contain_text("proposed corrections through their emailed link")
    expect(rows).to_contain_text("accepted a proposed correction of the organisation")
    expect(rows).to_contain_text("accepted a proposed correction of a contact")
    expect(rows).to_contain_text("rejected a proposed correction")
    expect(rows).to_contain_text("Phone of Lee Librarian: 555-0142")
    shot(admin, "7-audit-log")


def test_library_staff_ask_their_director_who_confirms_everything_is_correct(new_page, demo, mailbox):
    library = demo.orgs["Riverside Public Library"]
    staff = new_page()
    sign_in(staff, "staff@demo.test")  # Stacy, library staff of the library system
    staff.goto(f"/organisations/{library}")
    section = staff.locator("#partner-updates")
    section.get_by_label("Contact").select_option(label="Dana Director <director@demo.test>")
    section.get_by_role("button", name="Email a link to confirm or correct").click()
    expect(staff.get_by_role("status")).to_contain_text("was emailed to Dana Director")
    mailbox.wait(1)
    assert "Stacy Youth Services asks you to check the details" in mailbox.text(0)
    contact = new_page()
    contact.goto(link_in(mailbox))
    contact.get_by_role("button", name="Everything is correct").click()
    expect(contact.get_by_role("status")).to_contain_text("the details of Riverside Public Library are confirmed as correct")
    shot(contact, "8-contact-confirmed")
    staff.goto(f"/organisations/{library}")
    expect(staff.locator("#details-heading + dl")).not_to_contain_text("needs review")
    expect(staff.locator("ol.history")).to_contain_text("confirmed through their emailed link that the details are correct")
    shot(staff, "9-staff-sees-confirmation")


def test_accepting_a_city_changed_meanwhile_shows_what_changed_first(new_page, demo, mailbox):
    lincoln = demo.orgs["Lincoln Elementary School"]
    staff = new_page()
    sign_in(staff, "staff@demo.test")
    staff.goto(f"/organisations/{lincoln}")
    section = staff.locator("#partner-updates")
    section.get_by_label("Contact").select_option(label="Lee Librarian <librarian@demo.test>")
    section.get_by_role("button", name="Email a link to confirm or correct").click()
    mailbox.wait(1)
    contact = new_page()
    contact.goto(link_in(mailbox))
    contact.get_by_label("City").fill("Riverside Heights")
    contact.get_by_role("button", name="Send corrections").click()
    expect(contact.get_by_role("status")).to_contain_text("your correction was sent")

    admin = new_page()  # meanwhile an admin corrects the city by hand
    sign_in(admin, "admin@demo.test")
    admin.goto(f"/organisations/{lincoln}/edit")
    admin.get_by_label("City").fill("Arlington")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status")).to_contain_text("Saved.")

    staff.goto(f"/organisations/{lincoln}")
    proposal = staff.locator("#partner-updates form.proposal")
    proposal.get_by_role("group", name="City").get_by_label("Accept").check()
    proposal.get_by_role("button", name="Save decisions").click()
    alert = staff.locator("#partner-updates .conflict")
    expect(alert).to_contain_text("Someone changed these details since the correction was proposed.")
    expect(alert).to_contain_text("now Arlington; proposed from Riverside; proposed Riverside Heights")
    expect(staff.locator("#details-heading + dl")).to_contain_text("Arlington")
    shot(staff, "10-staff-conflict")
    staff.locator("#partner-updates form.proposal").get_by_role("button", name="Save decisions").click()
    expect(staff.get_by_role("status")).to_contain_text("1 proposed change decided.")
    expect(staff.locator("#details-heading + dl")).to_contain_text("Riverside Heights")
    shot(staff, "11-staff-accepted-knowingly")
