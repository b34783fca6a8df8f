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


def opened(world, login, mailbox, contact):
    """Staff email the contact a link; the contact opens it: (staff, visitor, the link's path, its page)."""
    before = len(mailbox.messages)
    staff, _response = send(world, login, contact)
    mailbox.wait(before + 1)
    path = link_path(mailbox)
    visitor = login(None)
    return staff, visitor, path, visitor.get(path).text


def corrections(page_html: str, **changed) -> dict:
    """The form as the page fills it, with `changed` fields put over it."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page_html):
        name, value = re.search(r'name="([a-z_\-0-9]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="checkbox"' not in tag or " checked" in tag):  # a box not ticked is not sent
            fields[name.group(1)] = value.group(1)
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
    staff, visitor, path, page = opened(world, login, mailbox, contact)
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
                               "new_contacts-0-name": "Cy Diaz", "new_contacts-0-role": "principal",
                               "new_contacts-0-email": "cy@north.k12.test"})
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
    _staff, visitor, path, page = opened(world, login, mailbox, contact)
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


def propose(world, login, mailbox, contact, **changed):
    """Staff send the contact a link; the contact sends the page back with `changed` over it."""
    staff, visitor, path, page = opened(world, login, mailbox, contact)
    sent = visitor.post(path, {**corrections(page), "csrf_token": visitor._token(page), **changed})
    assert sent.status_code == 303, sent.text
    return staff, db.session.scalars(select(ProposedChange).order_by(ProposedChange.id.desc())).first()


def test_accepting_a_field_staff_changed_since_the_proposal_answers_409_with_what_changed(world, login, mailbox):
    contact = librarian(world)
    branch = world.orgs["branch"]
    before = branch.city or ""
    staff, proposal = propose(world, login, mailbox, contact, city="Lakeside Heights",
                              **{"contacts-0-phone": "555-0199"})
    branch.city = "Harbor City"  # a member of staff corrects it meanwhile
    contact.phone = "555-0111"
    db.session.commit()
    city, phone = proposal.items
    url = f"/organisations/{branch.id}/proposals/{proposal.id}"
    response = staff.post(url, {f"item_{city.id}": "accept", f"item_{phone.id}": "accept"})
    assert response.status_code == 409
    assert "Someone changed these details since the correction was proposed." in response.text
    assert f"now Harbor City; proposed from {before or '—'}; proposed Lakeside Heights" in response.text
    assert "now 555-0111; proposed from 555-0100; proposed 555-0199" in response.text
    db.session.expire_all()
    assert (branch.city, contact.phone) == ("Harbor City", "555-0111"), "nothing overwritten"
    assert proposal.waiting == [city, phone], "nothing decided"
    # Sent again as the answer shows it (the value now kept in the form): accepted over the change, knowingly.
    seen = dict(re.findall(r'name="(seen_\d+)"[^>]*value="([^"]*)"', response.text))
    assert seen == {f"seen_{city.id}": "Harbor City", f"seen_{phone.id}": "555-0111"}
    again = staff.post(url, {f"item_{city.id}": "accept", f"item_{phone.id}": "reject", **seen})
    assert again.status_code == 303
    db.session.expire_all()
    assert (branch.city, contact.phone) == ("Lakeside Heights", "555-0111")


def test_a_contact_adds_several_contacts_without_javascript_and_proposes_who_can_sign(world, login, mailbox):
    contact = librarian(world)
    branch = world.orgs["branch"]
    staff, visitor, path, page = opened(world, login, mailbox, contact)
    assert "new_contacts-0-name" in page and "new_contacts-1-name" not in page
    more = visitor.post(path, {**corrections(page), "csrf_token": visitor._token(page),
                               "new_contacts-0-name": "Cy Diaz", "another": "1"})
    assert more.status_code == 200 and 'value="Cy Diaz"' in more.text and "new_contacts-1-name" in more.text
    assert db.session.scalar(select(ProposedChange)) is None, "adding a row sends nothing"
    sent = visitor.post(path, {**corrections(more.text), "csrf_token": visitor._token(more.text),
                               "contacts-0-can_sign": "y", "new_contacts-0-role": "principal",
                               "new_contacts-0-can_sign": "y", "new_contacts-1-name": "Dee Ellis",
                               "new_contacts-1-role": "other", "new_contacts-1-email": "dee@north.k12.test"})
    assert sent.status_code == 303
    proposal = db.session.scalar(select(ProposedChange))
    assert [i.label for i in proposal.items] == ["Can sign agreements of Ana Ruiz", "New contact", "New contact"]
    staff_page = staff.get(f"/organisations/{branch.id}").text
    assert "Cy Diaz, Principal, can sign agreements" in staff_page and "Dee Ellis, Other, dee@north.k12.test" in staff_page
    response = staff.post(f"/organisations/{branch.id}/proposals/{proposal.id}",
                          {f"item_{i.id}": "accept" for i in proposal.items})
    assert response.status_code == 303
    db.session.expire_all()
    signs = {c.name: c.can_sign for c in branch.contacts}
    assert signs == {"Ana Ruiz": True, "Cy Diaz": True, "Dee Ellis": False}


def test_the_link_page_says_when_it_expires_in_the_organisations_own_zone(world, login, mailbox):
    contact = librarian(world)
    world.orgs["branch"].time_zone = "Asia/Tokyo"
    db.session.commit()
    send(world, login, contact)
    mailbox.wait(1)
    page = login(None).get(link_path(mailbox)).text
    link = db.session.scalar(select(PartnerLink))
    when = link.expires_at + timedelta(hours=9)
    assert f"This page works once, until {when:%b} {when.day}, {when.year}, {when:%-I:%M} {when:%p} JST." in page


def test_the_yearly_reminder_asks_one_contact_the_one_staff_chose_last_time(app, world, mailbox):
    branch = world.orgs["branch"]
    db.session.add(Contact(organisation_id=branch.id, name="No Address", role="other", email=""))
    first = librarian(world)
    chosen = librarian(world, email="ben@north.k12.test")
    branch.last_confirmed = date(2020, 1, 1)
    db.session.commit()
    assert reminders.send_yearly()["contacts"] == 1
    assert [m["To"] for m in mailbox.wait(1)] == [first.email], "no choice yet: the first contact with an address"
    links.send(links.audit.SYSTEM, branch, chosen)  # as staff would: not a reminder
    db.session.execute(update(PartnerLink).values(created_at=datetime(2020, 1, 1)))
    db.session.commit()
    assert reminders.send_yearly()["contacts"] == 1
    assert [m["To"] for m in mailbox.wait(3)][-1] == chosen.email
    assert len(mailbox.messages) == 3


def test_the_partner_pages_are_valid_html(world, login, mailbox, tmp_path):
    """The W3C Nu checker reads every page of a partner link: the contact's form (and refused), the thanks, a used
    link's page, and the organisation page where staff decide a proposal."""
    from tests.test_html import HTMX_ATTRIBUTE, nu_messages

    contact = librarian(world)
    staff, visitor, path, page = opened(world, login, mailbox, contact)
    form = corrections(page)
    refused = visitor.post(path, {**form, "csrf_token": visitor._token(page), "name": ""}).text
    sent = visitor.post(path, {**form, "csrf_token": visitor._token(page), "city": "Lakeside Heights"})
    pages = {"link": page, "refused": refused, "thanks": visitor.get(sent.headers["Location"]).text,
             "used": visitor.get(path).text, "unknown": visitor.get("/partner/" + "x" * 40).text,
             "decide": staff.get(f"/organisations/{world.orgs['branch'].id}").text}
    assert "Corrections proposed by Ana Ruiz" in pages["decide"]
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    found = [m for m in nu_messages(sorted(tmp_path.glob("*.html")))
             if (m.get("type") == "error" or m.get("subType") == "warning")
             and not HTMX_ATTRIBUTE.match(m.get("message", ""))]
    assert not found, [(m.get("url", "").rsplit("/", 1)[-1], m.get("lastLine"), m.get("message")) for m in found]
