"""Signing links for outside signers: a random token in the email, only its SHA-256 in the database."""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from tracker.documents.models import SigningLink
from tracker.extensions import db


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(signatory) -> str:
    """A new link for the signatory (earlier open ones are revoked); returns the token, shown only in the email."""
    revoke_open(signatory)
    token = secrets.token_urlsafe(32)
    days = int(current_app.config["SIGNING_LINK_DAYS"])
    signatory.links.append(SigningLink(token_hash=digest(token), created_at=now(), expires_at=now() + timedelta(days=days)))
    return token


def revoke_open(signatory) -> int:
    count = 0
    for link in signatory.links:
        if link.state(now()) == "open":
            link.revoked_at = now()
            count += 1
    return count


def find(token: str) -> SigningLink | None:
    if not token or len(token) > 200:
        return None
    return db.session.execute(select(SigningLink).where(SigningLink.token_hash == digest(token))).scalar()


def url(token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/sign/{token}"


def current(signatory) -> SigningLink | None:
    return signatory.links[-1] if signatory.links else None
