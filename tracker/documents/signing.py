"""Sign-off: signatories, sending for signature, signing and declining, freezing on the last signature.

Two signers at the same moment both count exactly once: each signature first takes the version's
row lock (an UPDATE of the version row: a row lock on PostgreSQL, the write lock on SQLite), then
claims its own pending signatory; the one that finds nobody left pending freezes and seals.
Statuses move by the tables of workflow.py (VERSION, SIGNATORY).
"""
import base64
import binascii
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tracker.agreements import service as agreements
from tracker.audit import service as audit
from tracker.auth.accounts import is_real_email
from tracker.auth.models import User
from tracker.orgs.models import Contact, Organisation
from tracker.documents import amendments, checklist, final, links, notify, pdf
from tracker.documents.history import record
from tracker.documents.models import APPROVALS, CAPACITIES, DocumentVersion, Signatory
from tracker.documents.workflow import NOT_OUT, PENDING, SIGNATORY, SIGNING, VERSION
from tracker.extensions import db
from tracker.validation import Invalid

SIGNATORY_FIELDS = ("name", "title", "organisation", "email", "capacity")


def reset(signatory: Signatory) -> None:
    """Back to unsigned (the version returns to draft): the signature lapses, open links are revoked."""
    if not signatory.is_pending:
        SIGNATORY.move(signatory, "reset")
    signatory.typed_name, signatory.signed_at, signatory.drawing = "", None, ""
    signatory.ip, signatory.user_agent, signatory.decline_reason = "", "", ""
    links.revoke_open(signatory)


def _party_chain(version: DocumentVersion) -> list[Organisation]:
    """The parties of the version's agreement and the organisations above them (who may sign for them)."""
    found: list[Organisation] = []
    for party in version.document.agreement.parties:
        org = party.organisation
        while org is not None and org not in found:
            found.append(org)
            org = org.parent
    return found


def signing_contacts(version: DocumentVersion) -> list[Contact]:
    """The contacts a signatory can be picked from: those of the parties (and above them) who can sign."""
    return [c for org in _party_chain(version) for c in org.contacts if c.can_sign]


def _from_contact(version: DocumentVersion, contact_id: int, values: dict) -> dict:
    """The signatory's details from a party's contact (what was typed wins); refused for one who cannot sign."""
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.organisation not in _party_chain(version):
        raise Invalid({"contact_id": _("That contact is not at one of the agreement's parties.")})
    if not contact.can_sign:
        raise Invalid({"contact_id": _(
            "%(name)s cannot sign for %(organisation)s: their contact record does not say they can sign. Choose "
            "someone who can, or mark them as able to sign on the organisation's page first.",
            name=contact.name, organisation=contact.organisation.name)})
    picked = {"name": contact.name, "title": contact.title, "organisation": contact.organisation.name,
              "email": contact.email or ""}
    return {f: values.get(f) or picked.get(f, "") for f in SIGNATORY_FIELDS}


def add_signatory(actor: audit.Actor, version: DocumentVersion, data: dict) -> Signatory:
    if not version.before_signing:
        raise Invalid({"": _("Signatories can be changed only before the version goes out for signature.")})
    values = {f: (data.get(f) or "").strip() for f in SIGNATORY_FIELDS}
    if data.get("contact_id"):
        values = _from_contact(version, data["contact_id"], values)
    errors = {}
    if not values["name"]:
        errors["name"] = _("Give the signatory's name.")
    if not is_real_email(values["email"]):
        errors["email"] = _("Give an email address the signing link can be sent to.")
    if values["capacity"] not in CAPACITIES:
        errors["capacity"] = _("Choose whether they sign, attest or approve as to form.")
    for field, limit in (("name", 200), ("title", 200), ("organisation", 200), ("email", 254)):
        if len(values[field]) > limit:
            errors[field] = _("At most %(n)s characters.", n=limit)
    if values["email"].lower() in {s.email.lower() for s in version.signatories}:
        errors["email"] = _("This person is already a signatory.")
    if errors:
        raise Invalid(errors)
    user = db.session.execute(
        select(User).where(func.lower(User.email) == values["email"].lower(), User.active.is_(True))
    ).scalar()
    signatory = Signatory(position=max((s.position for s in version.signatories), default=0) + 1,
                          user_id=user.id if user else None, **values)
    version.signatories.append(signatory)
    db.session.flush()
    record(actor, "document.signatory_added", version, {
        "signatory": [None, f"{signatory.name} ({signatory.capacity_label})"],
        "signs": [None, _("in the app") if user else _("by emailed link")],
    })
    db.session.commit()
    return signatory


def _signatory(version: DocumentVersion, signatory_id: int) -> Signatory:
    found = next((s for s in version.signatories if s.id == signatory_id), None)
    if found is None:
        raise Invalid({"": _("That signatory is not on this version.")})
    return found


def remove_signatory(actor: audit.Actor, version: DocumentVersion, signatory_id: int) -> None:
    if not version.before_signing:
        raise Invalid({"": _("Signatories can be changed only before the version goes out for signature.")})
    signatory = _signatory(version, signatory_id)
    version.signatories.remove(signatory)
    for position, s in enumerate(version.signatories, start=1):
        s.position = position
    record(actor, "document.signatory_removed", version, {"signatory": [signatory.name, None]})
    db.session.commit()


def whose_turn(version: DocumentVersion) -> list[Signatory]:
    """Who may sign now: every pending signatory, or in order only the first."""
    pending = [s for s in version.signatories if s.is_pending]
    return pending[:1] if version.signing_order == "sequential" else pending


# ---- who may sign ----------------------------------------------------------------------------

def signatory_of(version: DocumentVersion, user_id: int | None) -> Signatory | None:
    """The user's own place among the version's signatories, if they have one."""
    return next((s for s in version.signatories if user_id is not None and s.user_id == user_id), None)


def own_signatory(version: DocumentVersion, user_id: int | None) -> Signatory:
    """The user's place among the signatories, or `Invalid` for someone who is not one."""
    found = signatory_of(version, user_id)
    if found is None:
        raise Invalid({"": _("You are not a signatory of this document.")})
    return found


def may_sign(signatory: Signatory | None) -> bool:
    """Whether this signatory can sign or decline now: the version is out for signature and it is their turn
    (they have neither signed nor declined; in order, everyone before them has signed)."""
    return signatory is not None and signatory.version.out_for_signature and signatory in whose_turn(signatory.version)


def link_opened(actor: audit.Actor, signatory: Signatory) -> None:
    """An outside signer opened their link: it goes into the version's history (and its audit certificate)."""
    record(actor, "document.link_opened", signatory.version, {"signatory": [None, signatory.name]})
    db.session.commit()


def start(actor: audit.Actor, version: DocumentVersion) -> None:
    """Send for signature once the needed approvals are recorded; invite whoever's turn it is."""
    VERSION.check(version, "send")
    missing = version.missing_approvals
    if missing:
        raise Invalid({"": _("Signing cannot start until these approvals are recorded: %(names)s.",
                             names=", ".join(str(APPROVALS[k]) for k in missing))})
    if not version.signatories:
        raise Invalid({"": _("Add at least one signatory first.")})
    unsigned = checklist.unsigned_parties(version)
    if unsigned:
        raise Invalid({"": [_("Signing cannot start yet:")] + [item.text for item in unsigned]})
    step = VERSION.move(version, "send")
    record(actor, "document.sent_for_signature", version, {"status": [step.source, step.target]})
    agreement_follows(actor, version, "document_sent")
    invitations = [(s, _invite(actor, s)) for s in whose_turn(version)]
    db.session.commit()
    for signatory, token in invitations:
        notify.invitation(signatory, token)


def agreement_follows(actor: audit.Actor, version: DocumentVersion, step: str) -> None:
    """Only an original drives its agreement's status; an amendment never moves the agreement."""
    if version.number == 0:
        agreements.follow_document(actor, version.document.agreement, step,
                                   f"{version.document.title} ({version.label})")


def _invite(actor: audit.Actor, signatory: Signatory) -> str | None:
    """An outside signer gets a new link (the token is returned for the email); a user sees a task."""
    signatory.notified_at = links.now()
    if not signatory.outside:
        return None
    token = links.issue(signatory)
    db.session.flush()
    record(actor, "document.link_sent", signatory.version, {"signatory": [None, signatory.name], "to": [None, signatory.email]})
    return token


def resend(actor: audit.Actor, version: DocumentVersion, signatory_id: int) -> None:
    """A fresh link (the old one stops working) or a reminder to an app user."""
    signatory = _signatory(version, signatory_id)
    if not (version.out_for_signature and signatory.is_pending):
        raise Invalid({"": _("Only a signatory who has yet to sign can be sent a new link.")})
    if signatory not in whose_turn(version):
        raise Invalid({"": _("It is not this signatory's turn yet; they are invited when the signer before them has signed.")})
    token = _invite(actor, signatory)
    if token is None:
        record(actor, "document.reminder_sent", version, {"signatory": [None, signatory.name]})
    db.session.commit()
    notify.invitation(signatory, token, reminder=token is None)


def revoke(actor: audit.Actor, version: DocumentVersion, signatory_id: int) -> None:
    signatory = _signatory(version, signatory_id)
    if not links.revoke_open(signatory):
        raise Invalid({"": _("This signatory has no open link to revoke.")})
    record(actor, "document.link_revoked", version, {"signatory": [signatory.name, None]})
    db.session.commit()


def remind(actor: audit.Actor, every_days: int) -> int:
    """Remind each signer whose turn it is and who was not invited or reminded in the last `every_days`
    days (an outside signer gets a fresh link; the old one stops working). Returns how many were reminded."""
    cutoff = links.now() - timedelta(days=every_days)
    sent = 0
    versions = db.session.execute(select(DocumentVersion).where(DocumentVersion.status == SIGNING)).scalars().all()
    for version in versions:
        for signatory in whose_turn(version):
            if signatory.notified_at is not None and signatory.notified_at > cutoff:
                continue
            token = _invite(actor, signatory)
            record(actor, "document.reminder_sent", version, {"signatory": [None, signatory.name]})
            db.session.commit()
            notify.invitation(signatory, token, reminder=True)
            sent += 1
    return sent


# ---- signing ---------------------------------------------------------------------------------

def _lock(version_id: int) -> DocumentVersion:
    """Take the version's row lock for the rest of the transaction (an UPDATE that changes nothing); refuse
    unless it is out for signature."""
    locked = db.session.execute(
        update(DocumentVersion).where(DocumentVersion.id == version_id, DocumentVersion.status == SIGNING)
        .values(status=SIGNING).execution_options(synchronize_session=False)
    )
    version = db.session.get(DocumentVersion, version_id, populate_existing=True)
    if locked.rowcount == 0:
        db.session.rollback()
        if version is not None and version.frozen:
            raise Invalid({"": _("This document is already signed by everyone; nothing more to sign.")})
        raise Invalid({"": str(NOT_OUT)})
    return version


def _claim(version_id: int, signatory_id: int, transition: str) -> Signatory:
    """Lock the version, then check that the signatory may take this step (sign or decline) now."""
    version = _lock(version_id)
    signatory = db.session.get(Signatory, signatory_id, populate_existing=True)
    if signatory is None or signatory.version_id != version.id:
        db.session.rollback()
        raise Invalid({"": _("That signatory is not on this version.")})
    if not SIGNATORY.allows(signatory.status, transition):
        db.session.rollback()
        raise Invalid({"": SIGNATORY.refusal(signatory.status, transition)})
    db.session.refresh(version, ["signatories"])
    if signatory not in whose_turn(version):
        db.session.rollback()
        raise Invalid({"": _("It is not your turn to sign yet: the signatories sign in order.")})
    return signatory


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


PNG_PREFIX = "data:image/png;base64,"
MAX_DRAWING_BYTES = 200_000


MAX_DRAWING_PIXELS = (2000, 1000)  # the pad is at most 600 x 200 CSS pixels, at up to 3x device pixels


def _fits_the_pad(png: bytes) -> bool:
    """The width and height a PNG declares (IHDR, bytes 16-24) are no bigger than a signature pad's: a tiny
    file that unpacks to a huge image would otherwise tie up the PDF renderer."""
    if len(png) < 24 or png[12:16] != b"IHDR":
        return False
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return 0 < width <= MAX_DRAWING_PIXELS[0] and 0 < height <= MAX_DRAWING_PIXELS[1]


def check_drawing(drawing: str) -> str:
    """An optional drawn signature: a PNG as a data: URI, or "" for none."""
    drawing = (drawing or "").strip()
    if not drawing:
        return ""
    try:
        data = base64.b64decode(drawing.removeprefix(PNG_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if (not drawing.startswith(PNG_PREFIX) or not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) > MAX_DRAWING_BYTES
            or not _fits_the_pad(data)):
        raise Invalid({"drawing": _("The drawn signature could not be read; clear it and draw again, or sign with your typed name only.")})
    return drawing


def sign(actor: audit.Actor, version_id: int, signatory_id: int, typed_name: str, consent: bool,
         link_id: int | None = None, drawing: str = "") -> bool:
    """Record one signature; returns True when it was the last one (the version is then sealed, or waits for its
    seal while the timestamping server is down)."""
    drawing = check_drawing(drawing)
    errors = {}
    if not consent:
        errors["consent"] = _("Tick the box to confirm you have reviewed the document and agree to sign it electronically.")
    if not (typed_name or "").strip():
        errors["typed_name"] = _("Type your full name to sign.")
    if errors:
        raise Invalid(errors)
    signatory = _claim(version_id, signatory_id, "sign")
    if not _same_name(typed_name, signatory.name):
        db.session.rollback()
        raise Invalid({"typed_name": _("Type your name as it appears on the document: %(name)s.", name=signatory.name)})
    SIGNATORY.move(signatory, "sign")
    signatory.typed_name, signatory.signed_at = " ".join(typed_name.split()), links.now()
    signatory.drawing = drawing
    signatory.ip, signatory.user_agent = (actor.ip or "")[:64], (actor.user_agent or "")[:400]
    if link_id is not None:
        _use_link(signatory, link_id)
    db.session.flush()
    version = signatory.version
    record(actor, "document.signed", version, {"signatory": [None, f"{signatory.name} ({signatory.capacity_label})"],
                                               "typed name": [None, signatory.typed_name]})
    remaining = db.session.execute(
        select(func.count()).select_from(Signatory).where(Signatory.version_id == version.id, Signatory.status == PENDING)
    ).scalar()
    invitations, sealed = [], False
    if remaining == 0:
        sealed = final.freeze(actor, version)
        agreement_follows(actor, version, "document_signed")
        amendments.carry_into_agreement(actor, version)
    elif version.signing_order == "sequential":
        db.session.refresh(version, ["signatories"])
        invitations = [(s, _invite(actor, s)) for s in whose_turn(version)]
    db.session.commit()
    for invited, token in invitations:
        notify.invitation(invited, token)
    if sealed:
        notify.completed(version, pdf.filename(version))
    elif remaining == 0:
        final.start_retrying(version)  # the timestamping server is down: the seal is tried again as a job
    return remaining == 0


def _use_link(signatory: Signatory, link_id: int) -> None:
    link = next((l for l in signatory.links if l.id == link_id), None)
    if link is None or link.state(links.now()) != "open":
        db.session.rollback()
        raise Invalid({"": _("This signing link is no longer valid.")})
    link.used_at = links.now()


def decline(actor: audit.Actor, version_id: int, signatory_id: int, reason: str, link_id: int | None = None) -> None:
    """The signer will not sign: the version stops (declined) until its owners return it to draft."""
    if not (reason or "").strip():
        raise Invalid({"reason": _("Say why you decline, so the sender can act on it.")})
    signatory = _claim(version_id, signatory_id, "decline")
    if link_id is not None:
        _use_link(signatory, link_id)
    SIGNATORY.move(signatory, "decline")
    signatory.decline_reason = reason.strip()[:2000]
    signatory.ip, signatory.user_agent, signatory.signed_at = (actor.ip or "")[:64], (actor.user_agent or "")[:400], links.now()
    version = signatory.version
    for other in version.signatories:
        links.revoke_open(other)
    db.session.flush()
    VERSION.move(version, "decline")
    record(actor, "document.declined", version, {"signatory": [None, signatory.name], "reason": [None, signatory.decline_reason]})
    db.session.commit()
    notify.declined(version, signatory)
