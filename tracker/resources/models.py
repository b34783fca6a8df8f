from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker.extensions import db

KINDS = {
    "database": _l("Databases"),
    "ebooks": _l("E-books"),
    "delivery": _l("Delivery"),
    "teacher_sets": _l("Teacher sets"),
    "space": _l("Space"),
    "hotspots": _l("Hotspots"),
    "programmes": _l("Programmes and class visits"),
    "professional_development": _l("Professional development"),
    "joint_purchasing": _l("Joint purchasing"),
    "educator_cards": _l("Educator cards"),
    "staff_time": _l("Staff time"),
    "other": _l("Other"),
}
# How often the in-kind value recurs, and how many times a year that is.
PERIODS = {
    "once": _l("once"),
    "week": _l("per week"),
    "month": _l("per month"),
    "term": _l("per school term"),
    "year": _l("per year"),
}
PER_YEAR = {"once": 1, "week": 52, "month": 12, "term": 2, "year": 1}


class ResourceShare(db.Model):
    """Something one party gives another under an agreement, with its in-kind value."""

    __tablename__ = "resource_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(50), default="")
    schedule: Mapped[str] = mapped_column(String(200), default="")
    value_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # in-kind value per period
    period: Mapped[str] = mapped_column(String(10), default="year")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    agreement = relationship("Agreement", backref=backref("resource_shares", order_by="ResourceShare.id",
                                                          cascade="all, delete-orphan", passive_deletes=True))
    provider = relationship("Organisation", foreign_keys=[provider_id])
    recipient = relationship("Organisation", foreign_keys=[recipient_id])

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def period_label(self) -> str:
        return str(PERIODS.get(self.period, self.period))

    @property
    def yearly_value_cents(self) -> int:
        """The value over a year of sharing (a one-off counts once)."""
        return self.value_cents * PER_YEAR.get(self.period, 1)
