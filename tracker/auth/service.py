"""Accounts and signing in: password hashing, throttling failed attempts, the login record."""
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.audit import service as audit
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.extensions import db

# A hash to compare against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Salted scrypt by default; PASSWORD_HASH_METHOD can only be lowered by the test settings."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar()


def _recent_failures(window: timedelta, **where) -> int:
    since = datetime.now(timezone.utc).replace(tzinfo=None) - window
    query = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "auth.login_failed", AuditEvent.at >= since
    )
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return db.session.execute(query).scalar_one()


def throttled(email: str, ip: str, config) -> bool:
    """Too many recent failures for this account or from this address."""
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    return (
        _recent_failures(window, entity_id=email.strip().lower()) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(window, ip=ip) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def authenticate(actor: audit.Actor, email: str, password: str) -> User | None:
    """The user if the password is right and the account active; every attempt is audited."""
    user = find_user(email)
    good = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not good or not user.active:
        audit.record(actor, "auth.login_failed", "login", email.strip().lower())
        db.session.commit()
        return None
    audit.record(
        audit.Actor(user.id, f"{user.name} <{user.email}>", actor.ip, actor.user_agent),
        "auth.login", "user", user.id,
    )
    db.session.commit()
    return user


def create_user(actor: audit.Actor, email: str, name: str, role: str, password: str, organisations=()) -> User:
    user = User(email=email.lower(), name=name, role=role, password_hash=hash_password(password))
    user.organisations = list(organisations)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id,
                 {"email": [None, user.email], "role": [None, role], "organisations": [None, [o.id for o in organisations]]})
    return user
