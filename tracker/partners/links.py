"""Partner links: a contact's emailed link to confirm or correct their organisation's details, with no account.

The rules of the app's other emailed links: a random token in the email, only its SHA-256 in the database; the
link works once (a confirmation or a proposal spends it), until PARTNER_LINK_DAYS have passed. A link that cannot
be used changes nothing and says why. Staff send one from the organisation's page; once a year the reminders
(`flask --app wsgi reminders send`) send one to the contacts of each organisation that needs review.
"""
import secrets
import smtplib
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import languages, mail, outward, validation
from tracker.audit import service as audit
from tracker.auth import links as account_links
from tracker.auth.links import digest, now
from tracker.extensions import db
from tracker.orgs.models import Contact, Organisation
from tracker.partners.models import PartnerLink
from tracker.validation import Invalid


class LinkRefused(validation.LinkRefused):
    """Why a partner link cannot be used."""

    PROBLEMS = {
        "used": _l("This link has already been used: the details it was sent for were confirmed or corrections were "
                   "sent. Each link works once; the library staff can send you a new one."),
        "expired": _l("This link has expired. Ask the library staff who wrote to you for a new one."),
        "missing": _l("This link is not valid. Check that the whole address from the email was copied."),
    }


def days() -> int:
    return int(current_app.config["PARTNER_LINK_DAYS"])


def send(actor: audit.Actor, org: Organisation, contact: Contact, reminder: bool = False) -> PartnerLink:
    """Mail the contact a new link, in the caller's transaction; a contact without an email address, or a mail
    server that refuses the message, raises Invalid (nothing is kept)."""
    if contact is None or contact.organisation_id != org.id:
        raise Invalid({"contact_id": _("Choose one of the organisation's contacts.")})
    if not contact.email:
        raise Invalid({"contact_id": _("%(name)s has no email address: add one to the contact first.", name=contact.name)})
    when = now()
    token = secrets.token_urlsafe(32)
    link = PartnerLink(organisation_id=org.id, contact_id=contact.id, contact_name=contact.name, email=contact.email,
                       token_hash=digest(token), sent_by_id=actor.user_id, reminder=reminder, created_at=when,
                       expires_at=when + timedelta(days=days()))
    db.session.add(link)
    db.session.flush()
    with languages.speaking(org.language):  # a contact has no account: they read their organisation's language
        text = render_template("partners/mail/link.txt", org=org, contact=contact, days=days(), reminder=reminder,
                               link=outward.link("partners.page", token=token), sender=audit_name(actor))
        subject = _("Are the details of %(name)s still right?", name=org.name)
    try:
        mail.send(contact.email, subject, text)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("partner link to %s not sent: %s", contact.email, error)
        raise Invalid({"": _("The email could not be sent: the mail server did not take it. Nothing was changed; "
                             "try again later.")}) from error
    audit.record(actor, "organisation.partner_link_sent", "organisation", org.id,
                 {"contact": [None, contact.name], "email": [None, contact.email]})
    return link


def audit_name(actor: audit.Actor) -> str:
    return actor.label.split(" <")[0] if actor.user_id else _("The library")


def open_link(token: str) -> PartnerLink:
    """The link of this token if it can be used now, else `LinkRefused`."""
    link = account_links.find(PartnerLink, token, LinkRefused)
    state = link.state(now())
    if state != "open":
        raise LinkRefused(state)
    return link


def spend(link: PartnerLink) -> None:
    """Use the link up, once: a second request at the same moment finds it used."""
    account_links.spend(link, LinkRefused, now())


def actor_for(link: PartnerLink, actor: audit.Actor) -> audit.Actor:
    """The contact who holds the link, as the audit log names them."""
    return audit.Actor(None, f"{link.contact_name} <{link.email}>", actor.ip, actor.user_agent)
