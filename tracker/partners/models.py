"""A partner link (emailed to a contact, single use, expiring, only its hash kept) and the changes a contact
proposes through it, each item accepted or rejected by staff."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

# What an item of a proposal changes.
DETAIL = "detail"  # a field of the organisation
CONTACT = "contact"  # a field of one of its contacts
NEW_CONTACT = "new_contact"  # a contact to add (`after` holds its fields)
GONE_CONTACT = "gone_contact"  # a contact to remove

# The organisation's fields a partner may correct, with their words.
DETAIL_FIELDS = {
    "name": _l("Name"),
    "street": _l("Street"),
    "city": _l("City"),
    "region": _l("State"),
    "postal_code": _l("Postal code"),
}
# A contact's fields a partner may correct (whether someone signs agreements too: staff decide it like the rest).
CONTACT_FIELDS = {
    "name": _l("Name"),
    "title": _l("Title"),
    "role": _l("Role"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "can_sign": _l("Can sign agreements"),
}
YES = "yes"  # how a proposal keeps "can sign agreements" ticked (not ticked: "")


def as_text(value) -> str:
    """A value as a proposal keeps it: text, and YES or "" for a box."""
    if isinstance(value, bool):
        return YES if value else ""
    return value or ""


def as_value(field: str, text: str):
    """A kept value as the model holds it: a box's as True or False."""
    return text == YES if field == "can_sign" else text


def stored(obj, field: str) -> str:
    """The field's value now, as a proposal keeps it."""
    return as_text(getattr(obj, field))


class PartnerLink(db.Model):
    """A link mailed to a contact; `reminder`: sent by the yearly reminders rather than by a member of staff."""

    __tablename__ = "partner_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reminder: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation = relationship("Organisation")

    def state(self, now: datetime) -> str:
        if self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "open"


class ProposedChange(db.Model):
    """What a contact proposed through a link; done when every item is decided."""

    __tablename__ = "proposed_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("partner_link.id", ondelete="SET NULL"))
    proposed_by: Mapped[str] = mapped_column(String(200))  # the contact's name
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    items = relationship("ProposedItem", back_populates="proposal", order_by="ProposedItem.id",
                         cascade="all, delete-orphan")

    @property
    def waiting(self) -> list["ProposedItem"]:
        return [i for i in self.items if i.accepted is None]


class ProposedItem(db.Model):
    """One field (or a contact added or removed): the value it had and the one proposed; `accepted` None while
    staff have not decided."""

    __tablename__ = "proposed_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposed_change.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(20))  # DETAIL, CONTACT, NEW_CONTACT or GONE_CONTACT
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    field: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[str] = mapped_column(String(400), default="")
    after: Mapped[dict | str] = mapped_column(JSON)  # the new value; for a new contact, its fields
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    proposal = relationship("ProposedChange", back_populates="items")

    @property
    def label(self) -> str:
        """What the item changes, in words: "City", "Phone of Ana Ruiz", "New contact", "Remove Ana Ruiz"."""
        if self.target == DETAIL:
            return str(DETAIL_FIELDS.get(self.field, self.field))
        if self.target == CONTACT:
            return str(_l("%(field)s of %(name)s", field=CONTACT_FIELDS.get(self.field, self.field), name=self.contact_name))
        if self.target == NEW_CONTACT:
            return str(_l("New contact"))
        return str(_l("Remove %(name)s", name=self.contact_name))
