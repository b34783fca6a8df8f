from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, LargeBinary, String, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tracker import languages
from tracker.extensions import db

LIBRARY_SYSTEM = "library_system"
BRANCH = "branch"
DISTRICT = "district"
SCHOOL = "school"
MUNICIPALITY = "municipality"

KINDS = {
    LIBRARY_SYSTEM: _l("Library system"),
    BRANCH: _l("Branch"),
    DISTRICT: _l("School district"),
    SCHOOL: _l("School"),
    MUNICIPALITY: _l("Municipality"),
}
LIBRARY_KINDS = frozenset({LIBRARY_SYSTEM, BRANCH})
SCHOOL_KINDS = frozenset({DISTRICT, SCHOOL})
# What each kind may hang under in the tree.
PARENT_KINDS = {
    BRANCH: {LIBRARY_SYSTEM},
    SCHOOL: {DISTRICT},
    LIBRARY_SYSTEM: {MUNICIPALITY},
    DISTRICT: set(),
    MUNICIPALITY: set(),
}
PARENTS = frozenset().union(*PARENT_KINDS.values())  # the only kinds with organisations below them

CONTACT_ROLES = {
    "school_librarian": _l("School librarian"),
    "principal": _l("Principal"),
    "district_data_lead": _l("District data lead"),
    "youth_services": _l("Youth services"),
    "branch_manager": _l("Branch manager"),
    "director": _l("Library director"),
    "superintendent": _l("Superintendent"),
    "elected_official": _l("Elected official"),
    "city_attorney": _l("City attorney / counsel"),
    "clerk": _l("Clerk"),
    "other": _l("Other"),
}


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    home_branch_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    state_id: Mapped[str | None] = mapped_column(String(50), unique=True)
    sourced_id: Mapped[str | None] = mapped_column(String(100), unique=True)  # OneRoster sourcedId
    ils_branch_code: Mapped[str | None] = mapped_column(String(30), unique=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(50), default="")  # state / province
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    time_zone: Mapped[str] = mapped_column(String(50), default="America/New_York")
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # checked and sanitised (orgs/logos.py)
    logo_type: Mapped[str | None] = mapped_column(String(30))  # image/png or image/svg+xml; None: no logo
    last_confirmed: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)

    parent = relationship("Organisation", remote_side=[id], foreign_keys=[parent_id], back_populates="children")
    children = relationship("Organisation", foreign_keys=[parent_id], back_populates="parent", order_by="Organisation.name")
    home_branch = relationship("Organisation", remote_side=[id], foreign_keys=[home_branch_id])
    contacts = relationship("Contact", back_populates="organisation", order_by="Contact.name", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def language_label(self) -> str:
        return languages.name(languages.known(self.language) or languages.default())

    @hybrid_method
    def needs_review(self, today: date, after_days: int) -> bool:
        """Never confirmed, or confirmed longer ago than `after_days`: partner details go stale."""
        return self.last_confirmed is None or (today - self.last_confirmed).days > after_days

    @needs_review.expression
    def needs_review(cls, today: date, after_days: int):
        return or_(cls.last_confirmed.is_(None), cls.last_confirmed < today - timedelta(days=after_days))

    def __str__(self) -> str:
        return self.name


class Contact(db.Model):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    can_sign: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation = relationship("Organisation", back_populates="contacts")

    @property
    def role_label(self) -> str:
        return str(CONTACT_ROLES.get(self.role, self.role))
