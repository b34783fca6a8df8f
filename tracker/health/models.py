from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker.extensions import db

# The assessment's items, answered 1 (strongly disagree) to 5 (strongly agree).
ITEMS = {
    "share": _l("Each partner is doing its agreed share"),
    "communication": _l("Communication is regular and clear"),
    "goals": _l("We understand the partner's goals"),
    "recognition": _l("We recognise and thank the partner"),
    "decisions": _l("Decisions are made together"),
}
SCALE = range(1, 6)


class SurveyRound(db.Model):
    """One round of the partnership assessment, e.g. "Spring 2027"."""

    __tablename__ = "survey_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    agreement = relationship("Agreement", backref=backref("survey_rounds", order_by="(SurveyRound.opens_on, SurveyRound.id)",
                                                          cascade="all, delete-orphan", passive_deletes=True))
    answers = relationship("SurveyAnswer", back_populates="round", cascade="all, delete-orphan", passive_deletes=True)

    def open_on(self, today: date) -> bool:
        return self.opens_on <= today and (self.closes_on is None or today <= self.closes_on)


class SurveyAnswer(db.Model):
    """One person's answer to one item in a round, for the party they speak for."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("round_id", "user_id", "item", name="uq_survey_answer_round_user_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the party answered for
    item: Mapped[str] = mapped_column(String(30))
    score: Mapped[int] = mapped_column(Integer)

    round = relationship("SurveyRound", back_populates="answers")
