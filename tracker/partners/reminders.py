"""Once a year, one contact of each organisation that needs review gets a fresh link (from
`flask --app wsgi reminders send`, with the key-date digests): at most one per organisation a year. The contact is
the one staff chose the last time they sent a link (if still a contact with an address), else the first contact
with an email address."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.audit import service as audit
from tracker.extensions import db
from tracker.orgs.models import Contact, Organisation
from tracker.partners import links
from tracker.partners.models import PartnerLink
from tracker.scope.sql import among
from tracker.validation import Invalid

YEAR = timedelta(days=365)


def due() -> list[Organisation]:
    """Organisations that need review, with a contact to ask (one with an email address), and no reminder in the
    last year; their contacts loaded with them."""
    reminded = select(PartnerLink.organisation_id).where(PartnerLink.reminder.is_(True),
                                                         PartnerLink.created_at > links.now() - YEAR)
    stale = Organisation.needs_review(clock.today(), int(current_app.config["REVIEW_AFTER_DAYS"]))
    reachable = Organisation.contacts.any(and_(Contact.email.is_not(None), Contact.email != ""))
    return list(db.session.scalars(select(Organisation).where(stale, reachable, Organisation.id.not_in(reminded))
                                   .options(selectinload(Organisation.contacts)).order_by(Organisation.id)))


def addressee(org: Organisation) -> Contact | None:
    """Whom to ask: the contact staff sent the last link to, else the first contact with an email address."""
    return addressees([org])[org.id]


def addressees(orgs: list[Organisation]) -> dict[int, Contact | None]:
    """`addressee` of each organisation, by id (one query for the links staff sent)."""
    chosen: dict[int, int] = {}
    for organisation_id, contact_id in db.session.execute(
            select(PartnerLink.organisation_id, PartnerLink.contact_id)
            .where(among(PartnerLink.organisation_id, [o.id for o in orgs]), PartnerLink.reminder.is_(False),
                   PartnerLink.contact_id.is_not(None))
            .order_by(PartnerLink.organisation_id, PartnerLink.created_at.desc(), PartnerLink.id.desc())):
        chosen.setdefault(organisation_id, contact_id)  # the latest
    found = {}
    for org in orgs:
        with_email = sorted((c for c in org.contacts if c.email), key=lambda c: c.id)
        found[org.id] = next((c for c in with_email if c.id == chosen.get(org.id)), with_email[0] if with_email else None)
    return found


def send_yearly() -> dict:
    """Mail a link to one contact of each organisation due (addressee); returns what was sent."""
    summary = {"organisations": 0, "contacts": 0, "failed": []}
    orgs = due()
    chosen = addressees(orgs)
    for org in orgs:
        contact = chosen[org.id]
        if contact is None:
            continue
        try:
            links.send(audit.SYSTEM, org, contact, reminder=True)
        except Invalid:
            db.session.rollback()
            summary["failed"].append(contact.email)
            continue
        db.session.commit()
        summary["organisations"] += 1
        summary["contacts"] += 1
    return summary
