"""Tables of card use: each ILS activity report imported for a drive (a dated snapshot, with its figures per school
and grade kept as JSON so they outlive the privacy purge), the card rows it held (card number, dates and counts,
nothing else) and, per agreement, the remembered column mapping of a plain CSV."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.outcomes import workflow

SOURCE_KINDS = {"koha": "Koha", "evergreen": "Evergreen", "polaris": "Polaris", "plain": _l("Plain CSV")}


class ActivityReport(db.Model):
    """One ILS activity report imported for a drive: a preview until committed, then a snapshot in the trend."""

    __tablename__ = "activity_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("card_drive.id", ondelete="CASCADE"), index=True)
    report_date: Mapped[date] = mapped_column(Date)
    source_kind: Mapped[str] = mapped_column(String(20))  # SOURCE_KINDS
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=workflow.PREVIEWED)  # workflow.ACTIVITY_REPORT
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_matched: Mapped[int] = mapped_column(Integer, default=0)
    unknown_count: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)
    # The preview: problems by line, the first unknown card numbers (dropped at commit and by the purge).
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per school and grade: cards, used, and per month mark the cards old enough and those still active.
    figures: Mapped[list] = mapped_column(JSON, default=list)
    staged: Mapped[str | None] = mapped_column(Text)  # the matched card rows between preview and commit, as JSON
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def status_label(self) -> str:
        return workflow.ACTIVITY_REPORT.label(self.status)

    @property
    def source_label(self) -> str:
        return str(SOURCE_KINDS.get(self.source_kind, self.source_kind))

    @property
    def is_previewed(self) -> bool:
        return self.status == workflow.PREVIEWED

    @property
    def is_committed(self) -> bool:
        return self.status == workflow.COMMITTED


class CardActivity(db.Model):
    """One card of a committed report: its number, the day it was issued, its last activity and checkouts."""

    __tablename__ = "card_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("activity_report.id", ondelete="CASCADE"), index=True)
    barcode: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)
    last_activity_on: Mapped[date | None] = mapped_column(Date)  # none: never active
    checkouts: Mapped[int | None] = mapped_column(Integer)  # none: the report has no count


class ActivityMapping(db.Model):
    """Which columns of an agreement's plain CSV activity report hold what, remembered for its next report."""

    __tablename__ = "activity_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # field -> header
