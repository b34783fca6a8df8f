"""Once a year, one contact of each organisation that needs review gets a fresh link (from
`flask --app wsgi reminders send`, with the key-date digests): at most one per organisation a year. The contact is
the one staff chose the last time they sent a link (if still a contact with an address), else the first contact
with an email address."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from tracker import clock
from tracker.audit import service as audit
from tracker.extensions import db
from tracker.orgs.models import Contact, Organisation
from tracker.partners import links
from tracker.partners.models import PartnerLink
from tracker.validation import Invalid

YEAR = timedelta(days=365)


def due() -> list[Organisation]:
    """Organisations that need review, with a contact to ask, and no reminder in the last year."""
    reminded = select(PartnerLink.organisation_id).where(PartnerLink.reminder.is_(True),
                                                         PartnerLink.created_at > links.now() - YEAR)
    stale = Organisation.needs_review(clock.today(), int(current_app.config["REVIEW_AFTER_DAYS"]))
    return list(db.session.scalars(select(Organisation).where(stale, Organisation.id.not_in(reminded))
                                   .order_by(Organisation.id)))


def addressee(org: Organisation) -> Contact | None:
    """Whom to ask: the contact staff sent the last link to, else the first contact with an email address."""
    with_email = sorted((c for c in org.contacts if c.email), key=lambda c: c.id)
    chosen = db.session.scalar(select(PartnerLink.contact_id).where(PartnerLink.organisation_id == org.id,
                                                                    PartnerLink.reminder.is_(False),
                                                                    PartnerLink.contact_id.is_not(None))
                               .order_by(PartnerLink.created_at.desc(), PartnerLink.id.desc()).limit(1))
    return next((c for c in with_email if c.id == chosen), with_email[0] if with_email else None)


def send_yearly() -> dict:
    """Mail a link to one contact of each organisation due (addressee); returns what was sent."""
    summary = {"organisations": 0, "contacts": 0, "failed": []}
    for org in due():
        contact = addressee(org)
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
