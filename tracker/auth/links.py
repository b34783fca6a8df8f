"""Emailed account links: an admin's invitation to set a first password, and a forgotten password's reset.

Both follow the same rules: a random token in the email, only its SHA-256 in the database; the link works
once, until it expires; a newer link of the same account withdraws the older ones; using it sets the password,
ends every session of the account and is recorded. A link that cannot be used changes nothing.

A reset asked for an address without an active account gets the same answer, after the same work: an email
goes to that address either way (saying there is no account there), so neither the page nor its timing tells
who has an account.
"""
import hashlib
import secrets
import smtplib
from datetime import datetime, timedelta, timezone

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tracker import languages, mail, outward, validation
from tracker.audit import service as audit
from tracker.auth import sessions
from tracker.auth.models import AccountLink, User
from tracker.auth.service import check_password, find_user, hash_password
from tracker.extensions import db
from tracker.validation import Invalid

INVITATION = "invitation"
RESET = "reset"
PURPOSES = {INVITATION: _l("invitation"), RESET: _l("password reset")}

PROBLEMS = {
    "used": _l("This link has already been used. Each link works once: sign in with your password, or ask for a new link."),
    "withdrawn": _l("This link was replaced by a newer one. Use the most recent email you received."),
    "expired": _l("This link has expired. Ask for a new one: an admin can invite you again, or reset your password from the sign-in page."),
    "missing": _l("This link is not valid. Check that the whole address from the email was copied."),
}


class LinkRefused(validation.LinkRefused):
    """Why an invitation or reset link cannot be used."""

    PROBLEMS = PROBLEMS


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url(token: str) -> str:
    return outward.link("auth.set_password", token=token)


def _lifetime(purpose: str) -> timedelta:
    if purpose == INVITATION:
        return timedelta(days=int(current_app.config["INVITATION_DAYS"]))
    return timedelta(minutes=int(current_app.config["RESET_LINK_MINUTES"]))


def issue(user: User, purpose: str) -> str:
    """A new link for the account, in the caller's transaction (older open ones are withdrawn); returns the token,
    which only the email carries."""
    when = now()
    db.session.execute(update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
                                                 AccountLink.withdrawn_at.is_(None)).values(withdrawn_at=when))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=digest(token), created_at=when,
                               expires_at=when + _lifetime(purpose)))
    db.session.flush()
    return token


def open_invitation(user: User) -> AccountLink | None:
    """The account's invitation still waiting to be used, if any (shown on the admin's page)."""
    link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == INVITATION)
                             .order_by(AccountLink.id.desc()).limit(1))
    return link if link is not None and link.state(now()) == "open" else None


def _send(to: str, subject: str, text: str) -> None:
    """Send, or refuse the whole change in the user's words when the mail server does not take it."""
    try:
        mail.send(to, subject, text)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("mail to %s not sent: %s", to, error)
        raise Invalid({"": _("The email could not be sent: the mail server did not take it. Nothing was changed; "
                             "try again later.")}) from error


def invite(actor: audit.Actor, user: User) -> None:
    """Email the person an invitation to set their password, in the caller's transaction: a mail server that
    refuses the message raises Invalid, and the caller's form flow rolls everything back."""
    token = issue(user, INVITATION)
    with languages.speaking(languages.of_user(user)):
        subject = _("You are invited to the Library Partnership Tracker")
        text = render_template("auth/mail/invitation.txt", user=user, link=url(token), inviter=actor.label.split(" <")[0],
                               days=int(current_app.config["INVITATION_DAYS"]))
    _send(user.email, subject, text)
    audit.record(actor, "user.invited", "user", user.id, {})


def resend_invitation(actor: audit.Actor, user: User) -> None:
    invite(actor, user)
    db.session.commit()


def request_reset(actor: audit.Actor, email: str) -> None:
    """Email a reset link to the account of `email`, or, without an active account there, an email saying so.
    The same work and the same answer either way."""
    address = email.strip().lower()
    user = find_user(address)
    if user is not None and user.active:
        token = issue(user, RESET)
        with languages.speaking(languages.of_user(user, otherwise=languages.asked())):
            subject = _("Reset your password")
            text = render_template("auth/mail/reset.txt", user=user, link=url(token),
                                   minutes=int(current_app.config["RESET_LINK_MINUTES"]))
        _send(user.email, subject, text)
        audit.record(actor, "auth.reset_requested", "user", user.id, {})
    else:
        _send(address, _("Reset your password"), render_template("auth/mail/reset_unknown.txt", email=address))
        audit.record(actor, "auth.reset_requested", "login", address, {})
    db.session.commit()


def find(model, token: str, refused: type[validation.LinkRefused]):
    """The row of `model` (a table of emailed links with `token_hash`) for this token, else `refused("missing")`."""
    link = None
    if token and len(token) <= 200:
        link = db.session.scalar(select(model).where(model.token_hash == digest(token)))
    if link is None:
        raise refused("missing")
    return link


def spend(link, refused: type[validation.LinkRefused], when: datetime) -> None:
    """Use an emailed link up, once: a second request at the same moment finds it used (`refused("used")`)."""
    model = type(link)
    spent = db.session.execute(update(model).where(model.id == link.id, model.used_at.is_(None))
                               .values(used_at=when)).rowcount
    if not spent:
        raise refused("used")


def open_link(token: str) -> AccountLink:
    """The link of this token if it can be used now, else `LinkRefused`."""
    link = find(AccountLink, token, LinkRefused)
    state = link.state(now())
    if state == "open" and not link.user.active:
        state = "withdrawn"
    if state != "open":
        raise LinkRefused(state)
    return link


def use(actor: audit.Actor, token: str, password: str) -> User:
    """Set the password through the link (once): every session of the account ends, the link is spent, recorded.
    Raises LinkRefused or Invalid (a password too short), having changed nothing."""
    link = open_link(token)
    check_password(password)
    user = link.user
    when = now()
    spend(link, LinkRefused, when)  # someone may have used it a moment ago
    db.session.execute(update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
                                                 AccountLink.withdrawn_at.is_(None)).values(withdrawn_at=when))
    user.password_hash = hash_password(password)
    sessions.end_all(user.id)
    who = audit.Actor(user.id, f"{user.name} <{user.email}>", actor.ip, actor.user_agent)
    action = "user.invitation_accepted" if link.purpose == INVITATION else "auth.password_reset"
    audit.record(who, action, "user", user.id, {})
    db.session.commit()
    return user
