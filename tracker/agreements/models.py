from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.agreements import workflow
from tracker.extensions import db

KINDS = {
    "mou": _l("Memorandum of understanding"),
    "data_sharing": _l("Data-sharing agreement"),
    "intergovernmental": _l("Intergovernmental agreement"),
    "commitment_letter": _l("Commitment letter"),
    "joint_use": _l("Joint-use agreement"),
}
TERM_KINDS = {"pilot": _l("Pilot"), "fixed": _l("Fixed term"), "ongoing": _l("Ongoing")}
RENEWALS = {"none": _l("No renewal"), "automatic": _l("Automatic"), "mutual": _l("By mutual consent")}
COLLABORATION_LEVELS = {
    "networking": _l("Networking"),
    "coordinating": _l("Coordinating"),
    "cooperating": _l("Cooperating"),
    "collaborating": _l("Collaborating"),
    "integrated": _l("Integrated services"),
}
PARTY_ROLES = {
    "lead": _l("Lead partner"),
    "partner": _l("Partner"),
    "funder": _l("Funder"),
    "fiscal_agent": _l("Fiscal agent"),
}
MONTHS = {
    1: _l("January"), 2: _l("February"), 3: _l("March"), 4: _l("April"), 5: _l("May"), 6: _l("June"),
    7: _l("July"), 8: _l("August"), 9: _l("September"), 10: _l("October"), 11: _l("November"), 12: _l("December"),
}


class Agreement(db.Model):
    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True, default=workflow.DRAFT)
    purpose: Mapped[str] = mapped_column(Text, default="")
    term_kind: Mapped[str] = mapped_column(String(20), default="fixed")
    effective_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    renewal: Mapped[str] = mapped_column(String(20), default="none")
    renewal_months: Mapped[int | None] = mapped_column(Integer)
    notice_days: Mapped[int | None] = mapped_column(Integer)
    modification_window_start: Mapped[int | None] = mapped_column(Integer)  # month 1-12
    modification_window_end: Mapped[int | None] = mapped_column(Integer)
    collaboration_level: Mapped[str] = mapped_column(String(20), default="cooperating")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow, onupdate=datetime.utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    parties = relationship("Party", back_populates="agreement", cascade="all, delete-orphan", order_by="Party.id")
    goals = relationship("Goal", back_populates="agreement", cascade="all, delete-orphan", order_by="Goal.position")
    manager = relationship("User")

    def label(self, mapping: dict, field: str) -> str:
        value = getattr(self, field)
        return str(mapping.get(value, value or ""))

    @property
    def notice_deadline(self) -> date | None:
        """Last day to give notice before the end of term (renewal or termination)."""
        if self.end_date is None or not self.notice_days:
            return None
        return self.end_date - timedelta(days=self.notice_days)


class Party(db.Model):
    __tablename__ = "party"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id", name="uq_party_agreement_organisation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="partner")
    contributes: Mapped[str] = mapped_column(Text, default="")
    receives: Mapped[str] = mapped_column(Text, default="")

    agreement = relationship("Agreement", back_populates="parties")
    organisation = relationship("Organisation")


class Goal(db.Model):
    """A SMART goal: what, how it is measured, the target and by when."""

    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    statement: Mapped[str] = mapped_column(String(500))
    measure: Mapped[str] = mapped_column(String(300), default="")
    target: Mapped[str] = mapped_column(String(100), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent

    agreement = relationship("Agreement", back_populates="goals")
