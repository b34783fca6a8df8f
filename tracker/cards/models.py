"""Tables of the card-drive domain: programme and data-sharing spec per agreement, drives and their
counts, the roster (students, opt-outs, staged imports, column mappings per school)."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracker.cards import workflow
from tracker.extensions import db

CARD_MODELS = {"full": _l("Full card"), "starter": _l("Starter card"), "digital": _l("Digital account")}
CARD_FORMS = {"physical": _l("Physical library card"), "student_id": _l("Student id as card")}
CONSENT_MODELS = {"opt_out": _l("Opt-out at registration"), "opt_in": _l("Opt-in"), "parent_activation": _l("Parent activation")}
BARCODE_SOURCES = {"identifier": _l("Prefix + student id"), "sourced_id": _l("Prefix + roster source id")}
PIN_RULES = {"birth_mmyyyy": _l("Birth month and year (MMYYYY)"), "id_last4": _l("Last four digits of the student id"),
             "none": _l("No PIN")}
ILS_KINDS = {"koha": "Koha", "evergreen": "Evergreen", "polaris": "Polaris", "generic": _l("Generic CSV")}
# Student fields a data-sharing spec may allow (roster column -> label); source id and school are always kept.
STUDENT_FIELDS = {
    "given_name": _l("Given name"), "family_name": _l("Family name"), "middle_name": _l("Middle name"),
    "identifier": _l("Student id"), "grade": _l("Grade"), "birth_date": _l("Birth date"), "email": _l("Email"),
    "username": _l("Username"), "class_name": _l("Class (homeroom, teacher or section)"),
    "home_language": _l("Home language"),
}
LEGAL_BASES = {"school_official": _l("FERPA school official"), "directory": _l("Directory information"),
               "consent": _l("Parental consent")}
TRANSFER_METHODS = {"sftp": _l("SFTP"), "upload": _l("Upload in the tracker"), "api": _l("OneRoster API"),
                    "encrypted_email": _l("Encrypted email")}
TRANSFER_FREQUENCIES = {"once": _l("Once a year"), "term": _l("Each term"), "monthly": _l("Monthly"),
                        "nightly": _l("Nightly")}
GRADES = ["PK", "K"] + [f"{n:02d}" for n in range(1, 13)]
COUNT_FIELDS = ("issued", "already_had", "cannot_issue", "opted_out")
CARD_STATUSES = {"": _l("Not yet"), "issued": _l("Issued"), "already_had": _l("Already had a card"),
                 "cannot_issue": _l("Cannot issue")}


class PerAgreement:
    """One per agreement, edited as a whole (programme, spec)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr
    def agreement(cls):
        return relationship("Agreement")


class CardProgramme(PerAgreement, db.Model):
    __tablename__ = "card_programme"

    card_model: Mapped[str] = mapped_column(String(20), default="full")
    checkout_limit: Mapped[int | None] = mapped_column(Integer)
    hold_limit: Mapped[int | None] = mapped_column(Integer)
    fines_free: Mapped[bool] = mapped_column(Boolean, default=True)
    lost_item_billing: Mapped[bool] = mapped_column(Boolean, default=False)
    interlibrary_loan: Mapped[bool] = mapped_column(Boolean, default=False)
    card_form: Mapped[str] = mapped_column(String(20), default="physical")
    consent_model: Mapped[str] = mapped_column(String(30), default="opt_out")
    barcode_prefix: Mapped[str] = mapped_column(String(20), default="")
    barcode_source: Mapped[str] = mapped_column(String(20), default="identifier")
    pin_rule: Mapped[str] = mapped_column(String(20), default="none")
    expiry_month: Mapped[int] = mapped_column(Integer, default=9)
    expiry_day: Mapped[int] = mapped_column(Integer, default=15)
    ils: Mapped[str] = mapped_column(String(20), default="koha")
    patron_category: Mapped[str] = mapped_column(String(30), default="STUDENT")
    branch_code: Mapped[str] = mapped_column(String(30), default="")  # blank: each school's home branch
    koha_version: Mapped[str] = mapped_column(String(10), default="24.05")  # middle_name from 22.11 on
    koha_attributes: Mapped[list] = mapped_column(JSON, default=list)  # declared patron attribute type codes
    polaris_language_id: Mapped[int] = mapped_column(Integer, default=1)  # Polaris' LanguageID: 1 is English
    # Polaris' organization id of each home branch of the programme's schools, by the branch's organisation id
    # (JSON keys are strings): Leap's PatronBranchID. Koha and Evergreen use the branch codes instead.
    polaris_branch_ids: Mapped[dict | None] = mapped_column(JSON, default=dict)


class DataSharingSpec(PerAgreement, db.Model):
    __tablename__ = "data_sharing_spec"

    allowed_fields: Mapped[list] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str] = mapped_column(String(30), default="school_official")
    transfer_method: Mapped[str] = mapped_column(String(30), default="upload")
    transfer_frequency: Mapped[str] = mapped_column(String(30), default="once")
    subprocessors: Mapped[str] = mapped_column(Text, default="")
    retention_days_after_end: Mapped[int | None] = mapped_column(Integer)  # after the agreement's end date
    destroy_on: Mapped[date | None] = mapped_column(Date)  # or a fixed date


class CardDrive(db.Model):
    __tablename__ = "card_drive"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=workflow.PLANNING, index=True)  # workflow.DRIVE
    grades: Mapped[list] = mapped_column(JSON, default=list)
    target_percent: Mapped[int] = mapped_column(Integer, default=90)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    agreement = relationship("Agreement")
    counts = relationship("DriveCount", back_populates="drive", cascade="all, delete-orphan",
                          order_by="DriveCount.id")

    @property
    def status_label(self) -> str:
        return workflow.DRIVE.label(self.status)


class DriveCount(db.Model):
    """One school and grade of a drive: its enrolment and what happened to its students."""

    __tablename__ = "drive_count"
    __table_args__ = (UniqueConstraint("drive_id", "school_id", "grade", name="uq_drive_count_school_grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("card_drive.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    grade: Mapped[str] = mapped_column(String(4))
    enrolment: Mapped[int] = mapped_column(Integer, default=0)
    target_percent: Mapped[int | None] = mapped_column(Integer)  # blank: the drive's target
    classrooms: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    already_had: Mapped[int] = mapped_column(Integer, default=0)
    cannot_issue: Mapped[int] = mapped_column(Integer, default=0)
    cannot_issue_reason: Mapped[str] = mapped_column(String(300), default="")
    opted_out: Mapped[int] = mapped_column(Integer, default=0)

    drive = relationship("CardDrive", back_populates="counts")
    school = relationship("Organisation")


class Student(db.Model):
    """A roster row: only the fields the data-sharing spec allows; deleted by the privacy purge."""

    __tablename__ = "student"
    # 55% of each page free on PostgreSQL, so that marking 100,000 students exported is a heap-only update:
    # exported_at must stay out of every index (migration 0019).
    __table_args__ = (UniqueConstraint("agreement_id", "source_id", name="uq_student_agreement_source"),
                      {"postgresql_with": {"fillfactor": 45}})

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    identifier: Mapped[str] = mapped_column(String(100), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[str] = mapped_column(String(4), default="", index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), default="")
    username: Mapped[str] = mapped_column(String(100), default="")
    class_name: Mapped[str] = mapped_column(String(100), default="", server_default="")  # homeroom, teacher or section
    home_language: Mapped[str] = mapped_column(String(35), default="", server_default="")  # as the roster gives it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_on: Mapped[date | None] = mapped_column(Date)
    card_status: Mapped[str] = mapped_column(String(20), default="")
    exported_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    school = relationship("Organisation")

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p) or self.source_id


class OptOut(db.Model):
    """A family's refusal, kept by source id so it holds whatever a later roster says."""

    __tablename__ = "opt_out"
    __table_args__ = (UniqueConstraint("agreement_id", "source_id", name="uq_opt_out_agreement_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    opted_out_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100), default="")  # "paper form", "bulk list", ...
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Consent(db.Model):
    """A family's recorded consent, kept by source id like an opt-out: under an opt-in consent model only
    students with one reach a patron file."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("agreement_id", "source_id", name="uq_consent_agreement_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    given_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100), default="")  # "signed form", "parent portal", ...
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class RosterImport(db.Model):
    """An uploaded roster kept server-side between preview and commit."""

    __tablename__ = "roster_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20), default="auto")  # auto / plain
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))  # plain CSV: whose file
    upload: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=workflow.UPLOADED)  # workflow.ROSTER_IMPORT
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    parsed: Mapped[str | None] = mapped_column(Text)  # the students to write, as JSON
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the commit changed, to undo it (student data: dropped after 30 days and by the privacy purge).
    undo: Mapped[str | None] = mapped_column(Text)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def status_label(self) -> str:
        return workflow.ROSTER_IMPORT.label(self.status)

    def allows(self, transition: str) -> bool:
        return workflow.ROSTER_IMPORT.allows(self.status, transition)

    @property
    def being_read(self) -> bool:
        return self.status == workflow.UPLOADED

    @property
    def needs_mapping(self) -> bool:
        return self.status == workflow.MAPPING

    @property
    def is_previewed(self) -> bool:
        return self.status == workflow.PREVIEWED

    @property
    def is_committed(self) -> bool:
        return self.status == workflow.COMMITTED

    @property
    def is_failed(self) -> bool:
        return self.status == workflow.FAILED

    @property
    def is_undone(self) -> bool:
        return self.status == workflow.UNDONE


class ColumnMapping(db.Model):
    """How one school's plain CSV headers map to roster fields, remembered for next time."""

    __tablename__ = "column_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
