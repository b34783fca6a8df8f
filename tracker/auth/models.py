import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

membership = Table(
    "membership",
    db.Model.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)


def new_access_version() -> str:
    return secrets.token_hex(8)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))  # a key of permissions.ROLES
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    # Changes whenever what the user may see changes (their organisations, or the organisation tree), so a
    # worker's cached copy of their scope, keyed by user and access version, is never stale.
    access_version: Mapped[str] = mapped_column(String(16), default=lambda: new_access_version(), server_default="0")

    organisations = relationship("Organisation", secondary=membership, order_by="Organisation.id")

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated user cannot log in
        return self.active

    @property
    def session_key(self) -> str:
        """Changes with the password, so a new password ends every session signed in with the old one."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:  # Flask-Login keeps this in the session and the remember-me cookie
        return f"{self.id}:{self.session_key}"
