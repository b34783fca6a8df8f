"""Public verification: is this file what we sealed? And what did we register under this id or SHA-256?

Genuine means: the file given is byte-identical to the sealed bytes we stored, and its seal validates against
our certificate. Only a file can be genuine: a lookup by document id or SHA-256 checks no file, so it shows what
was registered (title, parties, version, signers, when sealed) and invites an upload. Either answer names the
agreement, parties, version and signers, and nothing else.
"""
import hashlib
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import sealing
from tracker.documents import locality
from tracker.documents.models import DocumentVersion
from tracker.extensions import db
from tracker.validation import Invalid


@dataclass
class Answer:
    genuine: bool  # a file was given and it is what we sealed
    reason: str = ""
    registered: bool = False  # a lookup found a sealed document: its details, no file checked
    public_id: str = ""
    title: str = ""
    agreement: str = ""
    version: str = ""
    parties: list[str] = field(default_factory=list)
    signers: list[dict] = field(default_factory=list)
    sealed_at: object = None
    sha256: str = ""
    locality: object = None  # the zone and language the document is read in (tracker.documents.locality)


def _sealed(query) -> DocumentVersion | None:
    return db.session.execute(query.where(DocumentVersion.pdf_sha256.is_not(None))).scalar()


def _answer(version: DocumentVersion, data: bytes) -> Answer:
    if hashlib.sha256(data).hexdigest() != version.pdf_sha256 or not sealing.validate(data):
        return Answer(False, _("The file differs from the sealed original, or its seal does not validate."))
    return _details(version, genuine=True)


def _details(version: DocumentVersion, genuine: bool) -> Answer:
    fixed = version.fixed_values or {}  # the agreement as it was signed, not as it may read today
    agreement = version.document.agreement
    return Answer(
        genuine, registered=True, public_id=version.public_id, title=version.document.title,
        agreement=fixed.get("agreement_title", agreement.title), version=version.label,
        parties=fixed.get("parties", [p.organisation.name for p in agreement.parties]),
        signers=[{"name": s.name, "capacity": s.capacity_label, "organisation": s.organisation, "at": s.signed_at}
                 for s in version.signatories],
        sealed_at=version.frozen_at, sha256=version.pdf_sha256, locality=locality.of(version),
    )


def by_reference(reference: str) -> Answer:
    """A document id (MOU-...) or the SHA-256 of a sealed file."""
    reference = (reference or "").strip()
    if not reference:
        raise Invalid({"reference": _("Enter a document id or a SHA-256.")})
    if re.fullmatch(r"[0-9a-fA-F]{64}", reference):
        version = _sealed(select(DocumentVersion).where(DocumentVersion.pdf_sha256 == reference.lower()))
    elif re.fullmatch(r"MOU-[0-9A-Fa-f]{10}", reference):
        version = _sealed(select(DocumentVersion).where(DocumentVersion.public_id == reference.upper()))
    else:
        raise Invalid({"reference": _("That is neither a document id (like MOU-1A2B3C4D5E) nor a SHA-256 (64 hexadecimal characters).")})
    if version is None:
        return Answer(False, _("No sealed document has this id or SHA-256."))
    return _details(version, genuine=False)


def by_file(data: bytes, limit: int) -> Answer:
    if len(data) > limit:
        raise Invalid({"file": _("The file is larger than %(mb)s MB; a sealed MOU is much smaller.", mb=limit // (1024 * 1024))})
    if not data.startswith(b"%PDF-"):
        raise Invalid({"file": _("That file is not a PDF.")})
    version = _sealed(select(DocumentVersion).where(DocumentVersion.pdf_sha256 == hashlib.sha256(data).hexdigest()))
    if version is None:
        return Answer(False, _("This file is not one we sealed: it differs from every sealed original in at least one byte."))
    return _answer(version, data)
