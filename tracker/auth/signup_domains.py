"""Email domains whose people may sign up through single sign-on: the SSO_SIGNUP_DOMAINS setting (the deployment's)
and the domains admins add on /users/sign-up-domains (kept in the database, each change audited). A new person
from either gets an account with the least privilege, waiting for an admin's approval (tracker/auth/sso.py)."""
from datetime import datetime, timezone

from email_validator import EmailNotValidError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import service as audit
from tracker.auth.accounts import normal_email
from tracker.auth.models import SignupDomain
from tracker.extensions import db
from tracker.validation import Invalid


def from_setting() -> list[str]:
    return sorted(current_app.config["SSO_SIGNUP_DOMAINS"])


def listed() -> list[SignupDomain]:
    return list(db.session.scalars(select(SignupDomain).order_by(SignupDomain.domain)))


def allowed(domain: str) -> bool:
    domain = domain.strip().lower()
    if domain in current_app.config["SSO_SIGNUP_DOMAINS"]:
        return True
    return db.session.scalar(select(SignupDomain.id).where(SignupDomain.domain == domain)) is not None


def normal(value: str) -> str:
    """A domain as typed ("@Lakeside.K12.test", "lakeside.k12.test"), checked as the domain of an address."""
    typed = (value or "").strip().lower().removeprefix("@")
    try:
        return normal_email(f"someone@{typed}").rpartition("@")[2]
    except EmailNotValidError:
        raise Invalid({"domain": _("Give a domain such as lakeside.k12.ca.us, without anyone's name before it.")})


def add(actor: audit.Actor, value: str) -> SignupDomain:
    domain = normal(value)
    if domain in current_app.config["SSO_SIGNUP_DOMAINS"]:
        raise Invalid({"domain": _("%(domain)s is already allowed by the deployment's setting.", domain=domain)})
    if allowed(domain):
        raise Invalid({"domain": _("%(domain)s is already on the list.", domain=domain)})
    row = SignupDomain(domain=domain, added_by_id=actor.user_id,
                       added_at=datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "user.signup_domain_added", "signup_domain", domain, {"domain": [None, domain]})
    db.session.commit()
    return row


def remove(actor: audit.Actor, row: SignupDomain) -> None:
    audit.record(actor, "user.signup_domain_removed", "signup_domain", row.domain, {"domain": [row.domain, None]})
    db.session.delete(row)
    db.session.commit()
