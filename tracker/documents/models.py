from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tracker.documents import workflow
from tracker.extensions import db

APPROVALS = {
    "internal": _l("Internal review"),
    "form": _l("Approved as to form (counsel)"),
    "board": _l("Board or council approval"),
}
CAPACITIES = {"signs": _l("Signs"), "attests": _l("Attests"), "form": _l("Approves as to form")}
CAPACITY_VERBS = {"signs": _l("sign"), "attests": _l("attest"), "form": _l("approve as to form")}  # "you are asked to ..."
SIGNING_ORDERS = {"parallel": _l("All at once"), "sequential": _l("In order")}
ORDINALS = [_l("First"), _l("Second"), _l("Third"), _l("Fourth"), _l("Fifth"), _l("Sixth"), _l("Seventh"),
            _l("Eighth"), _l("Ninth"), _l("Tenth")]


def version_label(number: int) -> str:
    """"Original" for version 0, then "First Amendment", ..."""
    if number == 0:
        return str(_l("Original"))
    ordinal = ORDINALS[number - 1] if number <= len(ORDINALS) else f"#{number}"
    return str(_l("%(ordinal)s Amendment", ordinal=ordinal))


class Document(db.Model):
    """An MOU of an agreement: its original and every amendment are its versions."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    approvals_needed: Mapped[str] = mapped_column(String(100), default="internal")  # comma-separated APPROVALS keys
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    agreement = relationship("Agreement")
    versions = relationship("DocumentVersion", back_populates="document", order_by="DocumentVersion.number",
                            foreign_keys="DocumentVersion.document_id")

    @property
    def needed(self) -> list[str]:
        return [k for k in self.approvals_needed.split(",") if k in APPROVALS]

    @property
    def needed_labels(self) -> list[str]:
        return [str(APPROVALS[k]) for k in self.needed]


class DocumentVersion(db.Model):
    """The original (number 0) or an amendment (1, 2, ...), each pointing at the version it amends."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_document_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    status: Mapped[str] = mapped_column(String(20), default=workflow.DRAFT, index=True)  # workflow.VERSION
    signing_order: Mapped[str] = mapped_column(String(20), default="parallel")
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    public_id: Mapped[str] = mapped_column(String(20), unique=True)  # the document id printed on the PDF
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the clauses say about the agreement (dates, names, schools), fixed when the version leaves draft,
    # so editing the agreement later never changes words that approvers or signers have already seen.
    fixed_values: Mapped[dict | None] = mapped_column(JSON)
    # The time zone and language its PDF is printed in (its library party's), fixed when it leaves draft too.
    time_zone: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str | None] = mapped_column(String(10))
    text: Mapped[str | None] = deferred(mapped_column(Text))  # the rendered text, fixed when frozen
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # the sealed bytes, served as they are
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdf_name: Mapped[str | None] = mapped_column(String(400))  # the sealed file's name, in the document's language

    document = relationship("Document", back_populates="versions", foreign_keys=[document_id])
    parent = relationship("DocumentVersion", remote_side=[id])
    clauses = relationship("VersionClause", back_populates="version", order_by="VersionClause.position",
                           cascade="all, delete-orphan")
    approvals = relationship("Approval", back_populates="version", order_by="Approval.id", cascade="all, delete-orphan")
    signatories = relationship("Signatory", back_populates="version", order_by="Signatory.position",
                               cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return version_label(self.number)

    @property
    def status_label(self) -> str:
        return workflow.VERSION.label(self.status)

    def allows(self, transition: str) -> bool:
        """Whether the version's status has this step in its table (workflow.VERSION)."""
        return workflow.VERSION.allows(self.status, transition)

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def editable(self) -> bool:
        return self.status in workflow.EDITABLE

    @property
    def awaiting_approval(self) -> bool:
        return self.status == workflow.REVIEW

    @property
    def out_for_signature(self) -> bool:
        return self.status == workflow.SIGNING

    @property
    def is_signed(self) -> bool:
        return self.status == workflow.SIGNED

    @property
    def awaiting_seal(self) -> bool:
        """Signed by everyone; the seal waits for the timestamping server."""
        return self.status == workflow.SEALING

    @property
    def before_signing(self) -> bool:
        """Its signatories can still change."""
        return self.status in workflow.BEFORE_SIGNING

    def approval(self, kind: str):
        return next((a for a in self.approvals if a.kind == kind), None)

    @property
    def missing_approvals(self) -> list[str]:
        return [k for k in self.document.needed if self.approval(k) is None]


class VersionClause(db.Model):
    """This version's own copy of a clause: its text can be edited without touching the library."""

    __tablename__ = "version_clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

    version = relationship("DocumentVersion", back_populates="clauses")


class Approval(db.Model):
    __tablename__ = "document_approval"
    __table_args__ = (UniqueConstraint("version_id", "kind", name="uq_document_approval_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    approved_on: Mapped[date] = mapped_column(Date)
    approver: Mapped[str] = mapped_column(String(200), default="")  # who approved: a person, the board
    resolution: Mapped[str] = mapped_column(String(100), default="")  # board or council resolution number
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    version = relationship("DocumentVersion", back_populates="approvals")

    @property
    def kind_label(self) -> str:
        return str(APPROVALS.get(self.kind, self.kind))


class Signatory(db.Model):
    """Someone who signs, attests or approves as to form: a user of the app, or an outside signer by email."""

    __tablename__ = "signatory"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    capacity: Mapped[str] = mapped_column(String(20), default="signs")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)  # set: signs in the app
    status: Mapped[str] = mapped_column(String(20), default=workflow.PENDING)  # workflow.SIGNATORY
    typed_name: Mapped[str] = mapped_column(String(200), default="")
    drawing: Mapped[str] = mapped_column(Text, default="")  # an optional drawn signature, a PNG data: URI
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)  # last invitation or reminder sent

    version = relationship("DocumentVersion", back_populates="signatories")
    user = relationship("User")
    links = relationship("SigningLink", back_populates="signatory", order_by="SigningLink.id",
                         cascade="all, delete-orphan")

    @property
    def capacity_label(self) -> str:
        return str(CAPACITIES.get(self.capacity, self.capacity))

    @property
    def capacity_verb(self) -> str:
        """What the signatory is asked to do: "sign", "attest", "approve as to form"."""
        return str(CAPACITY_VERBS.get(self.capacity, self.capacity))

    @property
    def outside(self) -> bool:
        return self.user_id is None

    @property
    def status_label(self) -> str:
        return workflow.SIGNATORY.label(self.status)

    @property
    def is_pending(self) -> bool:
        return self.status == workflow.PENDING

    @property
    def is_signed(self) -> bool:
        return self.status == workflow.SIGNED

    @property
    def is_declined(self) -> bool:
        return self.status == workflow.DECLINED


class SigningLink(db.Model):
    """An emailed link for an outside signer: only its SHA-256 is stored; single use, expiring, revocable."""

    __tablename__ = "signing_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    signatory_id: Mapped[int] = mapped_column(ForeignKey("signatory.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    signatory = relationship("Signatory", back_populates="links")

    def state(self, now: datetime) -> str:
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"

