from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

# The catalogue of ../shared/domain/clauses.md, in the order an MOU reads.
CATEGORIES = {
    "parties": _l("Parties and recitals"),
    "purpose": _l("Purpose and scope"),
    "term": _l("Term and renewal"),
    "termination": _l("Termination"),
    "amendment": _l("Amendment"),
    "card_programme": _l("Card programme"),
    "consent": _l("Consent"),
    "privacy": _l("Student data and privacy"),
    "data_transfer": _l("Data transfer"),
    "retention": _l("Retention and destruction"),
    "resource_sharing": _l("Resource sharing"),
    "responsibilities": _l("Responsibilities"),
    "costs": _l("Costs"),
    "reporting": _l("Reporting and metrics"),
    "signatures": _l("Signatures"),
}


class Clause(db.Model):
    """A standard clause. An MOU copies its text; editing the copy never changes the library."""

    __tablename__ = "clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Agreement kinds whose new MOUs include this clause by default, comma-separated ("" = none).
    default_kinds: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow, onupdate=datetime.utcnow)

    @property
    def category_label(self) -> str:
        return str(CATEGORIES.get(self.category, self.category))

    @property
    def kinds(self) -> list[str]:
        return [k for k in self.default_kinds.split(",") if k]
