from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker.extensions import db

STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "missed": _l("Missed"),
}
OPEN = frozenset({"planned", "in_progress"})
OPEN_SQL = text("status IN ('planned', 'in_progress')")  # OPEN, for the partial index of open milestones
COMMUNICATION_KINDS = {"meeting": _l("Meeting"), "call": _l("Call"), "email": _l("Email"), "note": _l("Note")}


class Milestone(db.Model):
    """An obligation: who owes what by when, and whether it was met."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("agreement_id", "template_key", name="uq_milestone_agreement_template_key"),
                      # the open ones by due date: what is overdue, without passing over those done (migration 0024)
                      Index("ix_milestone_open_due_date", "due_date", "id", postgresql_where=OPEN_SQL, sqlite_where=OPEN_SQL))

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))  # the party that owes it
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    owner_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    done_date: Mapped[date | None] = mapped_column(Date)
    template_key: Mapped[str | None] = mapped_column(String(60))  # set when made from a timeline template
    communication_id: Mapped[int | None] = mapped_column(ForeignKey("communication.id", ondelete="SET NULL"))

    agreement = relationship("Agreement", backref=backref("milestones", order_by="(Milestone.due_date, Milestone.id)",
                                                          cascade="all, delete-orphan", passive_deletes=True))
    party = relationship("Organisation")
    owner_user = relationship("User")
    owner_contact = relationship("Contact")

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    def overdue(self, today: date) -> bool:
        return self.status in OPEN and self.due_date < today

    @property
    def owner_name(self) -> str:
        if self.owner_user is not None:
            return self.owner_user.name
        return self.owner_contact.name if self.owner_contact is not None else ""


class Communication(db.Model):
    """A meeting, call or note in the partnership's log."""

    __tablename__ = "communication"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="meeting")
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    agreement = relationship("Agreement", backref=backref("communications", order_by="(Communication.held_on.desc(), Communication.id.desc())",
                                                          cascade="all, delete-orphan", passive_deletes=True))
    follow_ups = relationship("Milestone", order_by="Milestone.due_date")

    @property
    def kind_label(self) -> str:
        return str(COMMUNICATION_KINDS.get(self.kind, self.kind))
