"""Tables of the families domain: the code each student's letter home carries (and the family's answer),
and the letter's wording per programme and language."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db


class FamilyCode(db.Model):
    """The code printed on one student's letter for one drive. The code itself is never stored: it is worked out
    from `seed` with the app's secret key (so a letter can be printed again with the same code), and found by the
    digest of what a family types (`digest`). Revoked codes stay (a reprint makes a new one) but answer nothing;
    the privacy purge deletes them with the student."""

    __tablename__ = "family_code"
    __table_args__ = (UniqueConstraint("digest", name="uq_family_code_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("card_drive.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    seed: Mapped[str] = mapped_column(String(32))  # 128 random bits, hex
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the code
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The family's latest answer: families.choices (opt_out, consent, activate), when, and in which language.
    answer: Mapped[str] = mapped_column(String(20), default="", server_default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer_language: Mapped[str] = mapped_column(String(10), default="", server_default="")

    student = relationship("Student")
    drive = relationship("CardDrive")


class FamilyLetter(db.Model):
    """A programme's own wording of the letter home in one language (none: the standard text), in the clause
    language (tracker/clauses/language.py)."""

    __tablename__ = "family_letter"
    __table_args__ = (UniqueConstraint("agreement_id", "language", name="uq_family_letter_agreement_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
