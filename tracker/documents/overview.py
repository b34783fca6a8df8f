"""How sign-off shows up in the shared overviews: what waits for the user's signature or approval on
the dashboard, and outside signers' links about to expire among the key dates (reminders, feeds)."""
from datetime import datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.agreements.models import Agreement
from tracker.calendar.key_dates import KeyDate, add_source, within
from tracker.dashboard.service import DashboardView, Panel, add_panel
from tracker.documents import links, tasks
from tracker.documents.models import Document, DocumentVersion, Signatory, SigningLink
from tracker.extensions import db


def expiring_links_source(agreement_ids, start, end) -> list[KeyDate]:
    """Open links of pending outside signers that expire in [start, end] (and not already)."""
    query = (select(SigningLink, Signatory, DocumentVersion, Agreement)
             .join(Signatory, SigningLink.signatory_id == Signatory.id)
             .join(DocumentVersion, Signatory.version_id == DocumentVersion.id)
             .join(Document, DocumentVersion.document_id == Document.id)
             .join(Agreement, Document.agreement_id == Agreement.id)
             .where(SigningLink.used_at.is_(None), SigningLink.revoked_at.is_(None),
                    SigningLink.expires_at > max(links.now(), datetime.combine(start, time.min)),
                    SigningLink.expires_at <= datetime.combine(end, time.max),
                    *tasks.OWED_SIGNATURE)
             .order_by(SigningLink.expires_at))
    return [KeyDate(link.expires_at.date(), "signing_link",
                    _("Signing link expires: %(signer)s, %(version)s", signer=signer.name, version=version.label),
                    agreement.id, agreement.title, f"signing-link-{link.id}",
                    _("%(signer)s <%(email)s> has not signed yet; resend the link from the version page if needed.",
                      signer=signer.name, email=signer.email))
            for link, signer, version, agreement in db.session.execute(within(query, Agreement.id, agreement_ids))]


def pending_panel(view: DashboardView) -> dict:
    return {"tasks": tasks.pending_for(view.user)}


add_source(expiring_links_source, {"signing_link": _l("Signing link expires")}, whole_only=True)
add_panel(Panel("pending_signatures", "documents/_dashboard_tasks.html", pending_panel), before="counts")
