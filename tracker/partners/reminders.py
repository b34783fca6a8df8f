"""Once a year, the contacts of each organisation that needs review get a fresh link (from
`flask --app wsgi reminders send`, with the key-date digests): at most one round per organisation a year."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from tracker import clock
from tracker.audit import service as audit
from tracker.extensions import db
from tracker.orgs.models import Organisation
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


def send_yearly() -> dict:
    """Mail a link to every contact with an email address of each organisation due; returns what was sent."""
    summary = {"organisations": 0, "contacts": 0, "failed": []}
    for org in due():
        contacts = [c for c in org.contacts if c.email]
        if not contacts:
            continue
        sent = 0
        for contact in contacts:
            try:
                links.send(audit.SYSTEM, org, contact, reminder=True)
                sent += 1
            except Invalid:
                db.session.rollback()
                summary["failed"].append(contact.email)
                continue
            db.session.commit()
        if sent:
            summary["organisations"] += 1
            summary["contacts"] += sent
    return summary
