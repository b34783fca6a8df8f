"""How sign-off shows up in the shared overviews: what waits for the user's signature or approval on
the dashboard, outside signers' links about to expire among the key dates (reminders, feeds), and on an
agreement's overview the MOU's state and the approvals and signatures it waits for."""
from flask import g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, bindparam, literal, select

from tracker.agreements import parts
from tracker.agreements.models import Agreement
from tracker.calendar.key_dates import KeyDate, Source, add_source, day_of, row, within
from tracker.dashboard.service import DashboardView, Panel, add_panel
from tracker.documents import links, service, tasks
from tracker.documents.models import APPROVALS, Document, DocumentVersion, Signatory, SigningLink, version_label
from tracker.documents.workflow import DECLINED
from tracker.extensions import db


def expiring_links_rows(agreement_ids, window):
    """Open links of pending outside signers that expire in the window (and not already: `now` is read when the
    query runs)."""
    query = (select(*row(on=day_of(SigningLink.expires_at), kind=literal("signing_link"), agreement_id=Agreement.id,
                         agreement_title=Agreement.title, ref=SigningLink.id, name=Signatory.name, note=Signatory.email,
                         number=DocumentVersion.number, at=SigningLink.expires_at))
             .select_from(SigningLink).join(Signatory, SigningLink.signatory_id == Signatory.id)
             .join(DocumentVersion, Signatory.version_id == DocumentVersion.id)
             .join(Document, DocumentVersion.document_id == Document.id)
             .join(Agreement, Document.agreement_id == Agreement.id)
             .where(SigningLink.used_at.is_(None), SigningLink.revoked_at.is_(None),
                    SigningLink.expires_at > bindparam("now", callable_=links.now, type_=DateTime),
                    SigningLink.expires_at > window.start_at, SigningLink.expires_at <= window.end_at,
                    *tasks.OWED_SIGNATURE))
    return within(query, Agreement.id, agreement_ids)


def make_link_date(r) -> KeyDate:
    return KeyDate(r.on, "signing_link", _("Signing link expires: %(signer)s, %(version)s", signer=r.name,
                                           version=version_label(r.number)),
                   r.agreement_id, r.agreement_title, f"signing-link-{r.ref}",
                   _("%(signer)s <%(email)s> has not signed yet; resend the link from the version page if needed.",
                     signer=r.name, email=r.note))


def pending_panel(view: DashboardView) -> dict:
    return {"tasks": tasks.pending_for(view.user)}


def declined_panel(view: DashboardView) -> dict:
    """Versions a signer declined, on the agreements this user manages: who, why, and where to act."""
    query = (select(Signatory, DocumentVersion, Agreement)
             .join(DocumentVersion, Signatory.version_id == DocumentVersion.id)
             .join(Document, DocumentVersion.document_id == Document.id)
             .join(Agreement, Document.agreement_id == Agreement.id)
             .where(DocumentVersion.status == DECLINED, Signatory.status == DECLINED,
                    Agreement.manager_id == view.user.id)
             .order_by(Signatory.signed_at.desc()))
    return {"declines": list(db.session.execute(within(query, Agreement.id, view.agreement_ids)))}


add_source(Source(expiring_links_rows, make_link_date), {"signing_link": _l("Signing link expires")}, whole_only=True)
add_panel(Panel("pending_signatures", "documents/_dashboard_tasks.html", pending_panel), before="counts")
add_panel(Panel("declined_signatures", "documents/_dashboard_declined.html", declined_panel), before="counts")


def _latest(agreement) -> list[DocumentVersion]:
    """The newest version of each of the agreement's documents, read once per request (the MOU box and
    what the overview waits for both show them)."""
    read = g.setdefault("latest_versions", {})
    if agreement.id not in read:
        read[agreement.id] = [d.versions[-1] for d in service.documents_of(agreement.id) if d.versions]
    return read[agreement.id]


def mou_glance(agreement, access, today) -> dict:
    versions = _latest(agreement)
    return {"versions": [(v, sum(s.is_signed for s in v.signatories), len(v.signatories)) for v in versions]}


def waiting(agreement, access, today) -> list:
    """Approvals and signatures the agreement's MOU waits for."""
    notices = []
    for version in _latest(agreement):
        url = url_for("documents.version", agreement_id=agreement.id, version_id=version.id)
        if version.editable:
            notices.append(parts.Notice(_("The %(version)s of %(document)s is a draft: finish its text and signatories, "
                                          "then submit it for approval.", version=version.label,
                                          document=version.document.title), url))
        if version.awaiting_approval:
            notices += [parts.Notice(_("%(version)s waits for: %(approval)s", version=version.label, approval=APPROVALS[kind]), url)
                        for kind in version.missing_approvals]
        notices += [parts.Notice(_("%(signer)s declined to sign the %(version)s: %(reason)s", signer=s.name,
                                   version=version.label, reason=s.decline_reason), url, late=True)
                    for s in version.signatories if s.is_declined]
        if version.out_for_signature:
            notices += [parts.Notice(_("%(version)s waits for the signature of %(signer)s", version=version.label, signer=s.name), url)
                        for s in version.signatories if s.is_pending]
    return notices


parts.add_glance(parts.Glance("mou", "documents/_glance.html", mou_glance, permission="document.view"))
parts.add_attention(parts.Attention("mou_waiting", waiting, permission="document.view"))
