"""Signing links for outside signers: a random token in the email, only its SHA-256 in the database."""
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker import outward, validation
from tracker.auth import links as emailed
from tracker.auth.links import digest, now
from tracker.documents.models import SigningLink


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
    try:
        return emailed.find(SigningLink, token, LinkRefused)
    except LinkRefused:
        return None


PROBLEMS = {
    "used": _l("This signing link has already been used. Each link works once; ask the sender for a new one if you still need to act."),
    "revoked": _l("This signing link was withdrawn by the sender. They may have sent you a newer one."),
    "expired": _l("This signing link has expired. Ask the sender to send you a new one."),
    "missing": _l("This signing link is not valid. Check that the whole address from the email was copied."),
}


class LinkRefused(validation.LinkRefused):
    """Why a signing link cannot be acted on."""

    PROBLEMS = PROBLEMS


def open_link(token: str) -> SigningLink:
    """The link of this token if its signer can act on it now, else `LinkRefused`: it is unknown, used, revoked
    or expired, or its signer has already acted or the version is no longer out for signature."""
    link = emailed.find(SigningLink, token, LinkRefused)
    state = link.state(now())
    signatory = link.signatory
    if state == "open" and not (signatory.is_pending and signatory.version.out_for_signature):
        state = "used" if not signatory.is_pending else "revoked"
    if state != "open":
        raise LinkRefused(state)
    return link


def copy_until(signatory) -> datetime | None:
    """Until when an outside signer may download the sealed copy from their link: SIGNED_COPY_DAYS after they
    signed, once everyone has signed. None: there is no copy for them (yet, or any more)."""
    if not signatory.is_signed or signatory.signed_at is None or signatory.version.pdf_sha256 is None:
        return None
    until = signatory.signed_at + timedelta(days=int(current_app.config["SIGNED_COPY_DAYS"]))
    return until if now() < until else None


def signed_copy(token: str):
    """The signatory whose used link this is, while their copy may be downloaded from it; else None."""
    link = find(token)
    if link is None or link.used_at is None or copy_until(link.signatory) is None:
        return None
    return link.signatory


def url(token: str) -> str:
    return outward.link("public_documents.sign", token=token)


def current(signatory) -> SigningLink | None:
    return signatory.links[-1] if signatory.links else None
