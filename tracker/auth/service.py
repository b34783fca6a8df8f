"""Accounts and signing in: password hashing, failed attempts slowing down, the login record."""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import limits
from tracker.audit import service as audit
from tracker.auth.models import User
from tracker.extensions import db
from tracker.validation import Invalid

MIN_PASSWORD = 12

# A hash to compare against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Salted scrypt by default; PASSWORD_HASH_METHOD can only be lowered by the test settings."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password(password: str, field: str = "password") -> None:
    """The one rule a new password follows, wherever it is set."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid({field: _("The password needs at least %(n)d characters.", n=MIN_PASSWORD)})


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar()


def authenticate(actor: audit.Actor, email: str, password: str) -> User | None:
    """The user if the password is right and the account active; every attempt is audited.

    Failures slow the next attempt down, per account and per address (`limits.SIGN_IN`): while one of
    them must wait, this raises `limits.TooManyAttempts` (429) before the password is even checked.
    """
    account = email.strip().lower()
    with limits.SIGN_IN.attempt(account=account, address=actor.ip) as attempt:
        user = find_user(email)
        good = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not good or not user.active:
            attempt.failed()
            audit.record(actor, "auth.login_failed", "login", account)
            db.session.commit()
            return None
        audit.record(
            audit.Actor(user.id, f"{user.name} <{user.email}>", actor.ip, actor.user_agent),
            "auth.login", "user", user.id,
        )
        db.session.commit()
        attempt.succeeded()
        return user


def sign_out(actor: audit.Actor, user: User) -> None:
    """Record the sign-out (the view then ends the browser's session)."""
    audit.record(actor, "auth.logout", "user", user.id)
    db.session.commit()


def create_user(actor: audit.Actor, email: str, name: str, role: str, password: str, organisations=()) -> User:
    user = User(email=email.lower(), name=name, role=role, password_hash=hash_password(password))
    user.organisations = list(organisations)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id,
                 {"email": [None, user.email], "role": [None, role], "organisations": [None, [o.id for o in organisations]]})
    return user
