from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db


class CalendarFeed(db.Model):
    """A private calendar address: the user's key dates, or one agreement's, behind a secret token."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))  # None: all the user's
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User")


class ReminderSetting(db.Model):
    """A user's choice for one kind of reminder (no row: on)."""

    __tablename__ = "reminder_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class ReminderSent(db.Model):
    """A key date already sent to a user at a threshold (30, 7, 1 days before, or overdue): never twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("user_id", "item", "threshold", name="uq_reminder_sent_user_item_threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(120))  # the key date's stable uid
    threshold: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date] = mapped_column(Date)  # the date it was about, for the record
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
