"""Partners keep their own details current: staff email a contact a link (single use, expiring, only its hash kept);
the contact confirms or proposes corrections without an account; staff accept or reject each proposed change."""
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from tracker.audit import sentences
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.orgs.models import Contact
from tracker.partners import links, reminders
from tracker.partners.models import PartnerLink, ProposedChange


def librarian(world, email="ana.ruiz@north.k12.test") -> Contact:
    contact = Contact(organisation_id=world.orgs["branch"].id, name="Ana Ruiz", title="Librarian", role="school_librarian",
                      email=email, phone="555-0100")
    db.session.add(contact)
    db.session.commit()
    return contact


def link_path(mailbox, index=-1) -> str:
    return re.search(r"/partner/[A-Za-z0-9_-]{20,}", mailbox.text(index)).group(0)


def send(world, login, contact, role="library_staff"):
    staff = login(world.emails[role])
    return staff, staff.post(f"/organisations/{world.orgs['branch'].id}/partner-link", {"contact_id": contact.id})


def corrections(page_html: str, **changed) -> dict:
    """The form as the page fills it, with `changed` fields put over it."""
    fields = {k: v for k, v in re.findall(r'<input[^>]*name="([a-z_\-0-9]+)"[^>]*?value="([^"]*)"', page_html)
              if not k.endswith("-remove")}  # a box not ticked is not sent
    for name, options in re.findall(r'<select[^>]*name="([a-z_\-0-9]+)"[^>]*>(.*?)</select>', page_html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', options) or re.search(r'<option value="([^"]*)"', options)
        fields[name] = chosen.group(1)
    fields.pop("csrf_token", None)
    fields.update(changed)
    return fields


def actions(org_id) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "organisation",
                                                                   AuditEvent.entity_id == str(org_id))
                                   .order_by(AuditEvent.id)))


def test_staff_send_a_link_only_its_hash_is_kept_and_the_contact_confirms(world, login, mailbox):
    contact = librarian(world)
    branch = world.orgs["branch"]
    branch.last_confirmed = date(2020, 1, 1)
    db.session.commit()
    assert branch.needs_review(date.today(), 365)
    _staff, response = send(world, login, contact)
    assert response.status_code == 303
    mailbox.wait(1)
    assert mailbox.envelopes[0][1] == [contact.email]
    path = link_path(mailbox)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PartnerLink))
    assert stored.token_hash == links.digest(token) and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(days=14)

    visitor = login(None)
    page = visitor.get(path)
    assert page.status_code == 200 and "Harbor Branch" in page.text and "Ana Ruiz" in page.text
    response = visitor.post(path + "/confirm", {"csrf_token": visitor._token(page.text)})
    assert response.status_code == 303
    db.session.expire_all()
    assert branch.last_confirmed > date(2020, 1, 1)
    assert not branch.needs_review(date.today(), 365)
    assert actions(branch.id)[-2:] == ["organisation.partner_link_sent", "organisation.partner_confirmed"]
    again = visitor.get(path)
    assert again.status_code == 410 and "already been used" in again.text


def test_unknown_and_expired_links_say_so_and_change_nothing(world, login, mailbox):
    contact = librarian(world)
    world.orgs["branch"].last_confirmed = None
    db.session.commit()
    send(world, login, contact)
    mailbox.wait(1)
    path = link_path(mailbox)
    visitor = login(None)
    unknown = visitor.get("/partner/" + "x" * 43)
    assert unknown.status_code == 404 and "not valid" in unknown.text
    db.session.execute(update(PartnerLink).values(expires_at=datetime(2020, 1, 1)))
    db.session.commit()
    expired = visitor.get(path)
    assert expired.status_code == 410 and "expired" in expired.text
    token = visitor._token(visitor.get("/login").text)
    assert visitor.post(path + "/confirm", {"csrf_token": token}).status_code == 410
    assert visitor.post(path, {"csrf_token": token, "name": "Changed"}).status_code == 410
    db.session.expire_all()
    assert world.orgs["branch"].last_confirmed is None and world.orgs["branch"].name == "Harbor Branch"
    assert db.session.scalar(select(ProposedChange)) is None


def test_a_contact_without_email_cannot_be_sent_a_link(world, login):
    contact = librarian(world, email="")
    _staff, response = send(world, login, contact)
    assert response.status_code == 422
    assert "Choose one of the list." in response.text or "no email address" in response.text


def test_who_may_send_a_link(world, login, mailbox):
    contact = librarian(world)
    for role in ("viewer", "school_librarian"):
        _staff, response = send(world, login, contact, role)
        assert response.status_code in (403, 404), role
    assert db.session.scalar(select(PartnerLink)) is None


def test_links_to_one_recipient_are_rate_limited(app, world, login, mailbox):
    contact = librarian(world)
    saved = app.config["RATE_LIMIT_PARTNER_LINK_RECIPIENT"]
    app.config["RATE_LIMIT_PARTNER_LINK_RECIPIENT"] = "2 per day"
    try:
        staff = login(world.emails["library_staff"])
        url = f"/organisations/{world.orgs['branch'].id}/partner-link"
        assert [staff.post(url, {"contact_id": contact.id}).status_code for _ in range(3)] == [303, 303, 429]
        assert "Try again in" in staff.post(url, {"contact_id": contact.id}).text
        admin = login(world.emails["admin"])  # another sender: the recipient's count still holds
        assert admin.post(url, {"contact_id": contact.id}).status_code == 429
    finally:
        app.config["RATE_LIMIT_PARTNER_LINK_RECIPIENT"] = saved
    assert len(db.session.scalars(select(PartnerLink)).all()) == 2


def test_links_from_one_sender_are_rate_limited(app, world, login, mailbox):
    first, second = librarian(world), librarian(world, email="second@north.k12.test")
    saved = app.config["RATE_LIMIT_PARTNER_LINK_SENDER"]
    app.config["RATE_LIMIT_PARTNER_LINK_SENDER"] = "1 per hour"
    try:
        staff = login(world.emails["library_staff"])
        url = f"/organisations/{world.orgs['branch'].id}/partner-link"
        assert staff.post(url, {"contact_id": first.id}).status_code == 303
        assert staff.post(url, {"contact_id": second.id}).status_code == 429  # another recipient, the same sender
    finally:
        app.config["RATE_LIMIT_PARTNER_LINK_SENDER"] = saved


def test_the_public_page_is_rate_limited_per_address(app, world, login):
    saved = app.config["RATE_LIMIT_PARTNER_LINK"]
    app.config["RATE_LIMIT_PARTNER_LINK"] = "3 per minute"
    try:
        visitor = login(None)
        assert [visitor.get("/partner/" + "y" * 43).status_code for _ in range(4)] == [404, 404, 404, 429]
    finally:
        app.config["RATE_LIMIT_PARTNER_LINK"] = saved


def test_proposals_are_checked_field_by_field_then_staff_accept_some_and_reject_others(world, login, mailbox):
    contact = librarian(world)
    other = Contact(organisation_id=world.orgs["branch"].id, name="Ben Ortiz", role="principal", email="ben@north.k12.test")
    db.session.add(other)
    db.session.commit()
    world.orgs["branch"].last_confirmed = None
    db.session.commit()
    staff, _response = send(world, login, contact)
    mailbox.wait(1)
    path = link_path(mailbox)
    visitor = login(None)
    page = visitor.get(path).text
    form = corrections(page)
    ana = next(k.split("-")[1] for k, v in form.items() if k.endswith("-name") and v == "Ana Ruiz")
    ben = next(k.split("-")[1] for k, v in form.items() if k.endswith("-name") and v == "Ben Ortiz")
    # Bad input: its message beside the field, nothing kept, the link still works.
    bad = visitor.post(path, {**form, "csrf_token": visitor._token(page), f"contacts-{ana}-email": "not an address",
                              "name": ""})
    assert bad.status_code == 422
    assert "The organisation needs a name." in bad.text and "Give an email address such as" in bad.text
    assert db.session.scalar(select(ProposedChange)) is None
    sent = visitor.post(path, {**form, "csrf_token": visitor._token(page), "city": "Lakeside Heights",
                               f"contacts-{ana}-phone": "555-0199", f"contacts-{ben}-remove": "y",
                               "new_contact-name": "Cy Diaz", "new_contact-role": "principal",
                               "new_contact-email": "cy@north.k12.test"})
    assert sent.status_code == 303
    assert visitor.get(path).status_code == 410
    proposal = db.session.scalar(select(ProposedChange))
    labels = [i.label for i in proposal.items]
    assert labels == ["City", "Phone of Ana Ruiz", "Remove Ben Ortiz", "New contact"]
    db.session.expire_all()
    assert world.orgs["branch"].city != "Lakeside Heights", "nothing applied before staff decide"

    north_page = staff.get(f"/organisations/{world.orgs['branch'].id}").text
    assert "Corrections proposed by Ana Ruiz" in north_page and "Lakeside Heights" in north_page
    city, phone, gone, new = proposal.items
    url = f"/organisations/{world.orgs['branch'].id}/proposals/{proposal.id}"
    assert staff.post(url, {f"item_{city.id}": "accept", f"item_{phone.id}": "reject"}).status_code == 303
    db.session.expire_all()
    assert world.orgs["branch"].city == "Lakeside Heights" and contact.phone == "555-0100"
    assert world.orgs["branch"].last_confirmed is None, "half decided: not yet confirmed"
    assert staff.post(url, {f"item_{gone.id}": "reject", f"item_{new.id}": "accept"}).status_code == 303
    db.session.expire_all()
    names = sorted(c.name for c in world.orgs["branch"].contacts)
    assert names == ["Ana Ruiz", "Ben Ortiz", "Cy Diaz"]
    assert world.orgs["branch"].last_confirmed is not None
    assert proposal.decided_at is not None
    steps = actions(world.orgs["branch"].id)
    assert steps[-7:] == ["organisation.partner_link_sent", "organisation.partner_proposed",
                          "organisation.partner_change_accepted", "organisation.partner_change_rejected",
                          "organisation.partner_change_rejected", "contact.partner_added", "organisation.confirmed"]
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("%partner%")).order_by(AuditEvent.id)).all()
    read = [line.sentence + " | " + line.details for line in sentences.lines(rows)]
    assert any("Ana Ruiz proposed corrections through their emailed link — Harbor Branch" in r and
               "Phone of Ana Ruiz: 555-0100 → 555-0199" in r and "New contact: Cy Diaz, Principal, cy@north.k12.test" in r
               for r in read), read
    for line in read:
        assert "{" not in line and "None" not in line and "school_librarian" not in line, line


def test_a_proposal_of_nothing_is_refused_and_the_link_still_works(world, login, mailbox):
    contact = librarian(world)
    send(world, login, contact)
    mailbox.wait(1)
    path = link_path(mailbox)
    visitor = login(None)
    page = visitor.get(path).text
    response = visitor.post(path, {**corrections(page), "csrf_token": visitor._token(page)})
    assert response.status_code == 422 and "Nothing was changed" in response.text
    assert visitor.get(path).status_code == 200


def test_the_yearly_reminder_mails_contacts_of_organisations_needing_review_once_a_year(app, world, mailbox):
    contact = librarian(world)
    world.orgs["branch"].last_confirmed = date(2020, 1, 1)
    db.session.commit()
    summary = reminders.send_yearly()
    assert summary["organisations"] >= 1 and contact.email in [m["To"] for m in mailbox.wait(summary["contacts"])]
    assert "Once a year we ask our partners" in mailbox.text(0) or any(
        "Once a year we ask our partners" in mailbox.text(i) for i in range(summary["contacts"]))
    assert reminders.send_yearly()["contacts"] == 0, "one round per organisation a year"
    db.session.execute(update(PartnerLink).values(created_at=datetime(2020, 1, 1)))
    db.session.commit()
    assert reminders.send_yearly()["contacts"] == summary["contacts"]
    world.orgs["branch"].last_confirmed = date.today()
    db.session.execute(update(PartnerLink).values(created_at=datetime(2020, 1, 1)))
    db.session.commit()
    assert contact.organisation_id not in [o.id for o in reminders.due()], "confirmed: not asked"


def test_the_reminders_command_sends_partner_links(app, world, mailbox):
    librarian(world)
    world.orgs["branch"].last_confirmed = None
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "Partners asked to confirm their details: 1 contacts of 1 organisations." in result.output


def test_waiting_corrections_show_on_the_dashboard_of_staff_who_may_edit(world, login):
    from tests.routes import new_proposal

    new_proposal(world)  # a correction of Lakeside Library System waits
    staff = login(world.emails["library_staff"]).get("/").text
    assert "Partner corrections to check" in staff and "Lakeside Library System" in staff
    assert "1 proposal waiting since" in staff
    assert "Partner corrections to check" not in login(world.emails["viewer"]).get("/").text


def test_library_staff_ask_a_partner_school_they_may_not_edit_and_decide_its_corrections(world, login, mailbox):
    """North School is a party to the library's agreement: its staff send North's contact a link and decide what
    comes back (org.request_review), though they may not edit the school; Hill School, in no agreement of
    theirs, stays out of reach."""
    north, hill = world.orgs["north"], world.orgs["other_school"]
    contacts = [Contact(organisation_id=o.id, name=n, role="school_librarian", email=e)
                for o, n, e in ((north, "Nia Park", "nia@north.k12.test"), (hill, "Hal Moss", "hal@hill.k12.test"))]
    db.session.add_all(contacts)
    db.session.commit()
    staff = login(world.emails["library_staff"])
    assert staff.get(f"/organisations/{north.id}/edit").status_code == 403
    page = staff.get(f"/organisations/{north.id}").text
    assert "Email a link to confirm or correct" in page
    assert staff.post(f"/organisations/{north.id}/partner-link", {"contact_id": contacts[0].id}).status_code == 303
    assert staff.post(f"/organisations/{hill.id}/partner-link", {"contact_id": contacts[1].id}).status_code == 403
    assert "Email a link to confirm or correct" not in staff.get(f"/organisations/{hill.id}").text
    mailbox.wait(1)
    visitor = login(None)
    path = link_path(mailbox)
    form_page = visitor.get(path).text
    assert visitor.post(path, {**corrections(form_page), "csrf_token": visitor._token(form_page),
                               "city": "Northgate"}).status_code == 303
    assert "Partner corrections to check" in staff.get("/").text
    proposal = db.session.scalar(select(ProposedChange))
    response = staff.post(f"/organisations/{north.id}/proposals/{proposal.id}", {f"item_{proposal.items[0].id}": "accept"})
    assert response.status_code == 303
    db.session.expire_all()
    assert north.city == "Northgate"
    school_librarian = login(world.emails["school_librarian"])  # North's own librarian: an editor, not staff
    assert "Email a link to confirm or correct" not in school_librarian.get(f"/organisations/{north.id}").text
