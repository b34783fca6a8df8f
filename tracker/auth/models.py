import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, String, Table, false
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
    # Asked for by signing in with SSO from an allowed domain: not active until an admin approves it.
    pending_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    # Changes whenever what the user may see changes (their organisations, or the organisation tree), so a
    # worker's cached copy of their scope, keyed by user and access version, is never stale.
    access_version: Mapped[str] = mapped_column(String(16), default=lambda: new_access_version(), server_default="0")
    language: Mapped[str | None] = mapped_column(String(10))  # chosen on /profile; None: the browser's (tracker/languages.py)

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


class AccountLink(db.Model):
    """An emailed link that lets its holder set the account's password: an invitation or a password reset.
    Only the token's SHA-256 is stored; a link works once, until it expires, and a newer link of the same
    account withdraws it (tracker/auth/links.py)."""

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # a key of links.PURPOSES
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User")

    def state(self, now: datetime) -> str:
        if self.used_at is not None:
            return "used"
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.expires_at <= now:
            return "expired"
        return "open"


class SignupDomain(db.Model):
    """An email domain whose people may sign up through single sign-on (waiting for an admin's approval), added
    by an admin on /accounts/domains; honoured together with the SSO_SIGNUP_DOMAINS setting."""

    __tablename__ = "signup_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime)
