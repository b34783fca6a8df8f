import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, String, Table
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

    def get_id(self) -> str:  # Flask-Login keeps this in the session (tracker/auth/sessions.py)
        return str(self.id)


class UserSession(db.Model):
    """A signed-in (or about to sign in) browser. The cookie holds only a random token; the row is keyed by
    its SHA-256, so the table alone lets nobody take a session over. Ending the row ends the session."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # the session's contents: CSRF token, messages, sign-in
    remember: Mapped[bool] = mapped_column(Boolean, default=False)  # "keep me signed in on this device"
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)  # written at most every SESSION_TOUCH_MINUTES
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
