"""Single sign-on with OpenID Connect (Authlib): Google Workspace, Microsoft Entra, or any issuer by configuration.

A provider is configured with its issuer, client id and client secret (SSO_PROVIDERS, built from the
environment in config/). Signing in:

- the provider's ID token is checked by Authlib: signature, audience, expiry, the nonce this browser was given,
  and the state of the request (a mismatch of either is refused);
- its issuer must be the one the provider's discovery document names. Microsoft Entra's multi-tenant document
  names a template, `https://login.microsoftonline.com/{tenantid}/v2.0`: as Microsoft documents, the token's
  issuer must be that template with `{tenantid}` replaced by the token's own `tid` claim (and, when the deployment
  lists tenants, `tid` must be one of them);
- the email must be verified: `email_verified` true (Google, most issuers). Entra sends no `email_verified`; its
  email counts as verified only from a tenant the deployment trusts (SSO_<KEY>_TENANTS) or with Entra's
  `xms_edov` claim ("email domain owner verified");
- a verified email of an active account signs that person in. An unknown email in a domain allowed for sign-up
  (SSO_SIGNUP_DOMAINS, or a domain an admin added on /users/sign-up-domains) gets an account with the least privilege (viewer, no organisation), waiting for an admin
  to approve it; any other is refused, and no account is made.
"""
import secrets
from dataclasses import dataclass

from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import service as audit
from tracker.auth import signup_domains
from tracker.auth.models import User
from tracker.auth.permissions import VIEWER
from tracker.auth.service import create_user, find_user
from tracker.extensions import db

ENTRA = "entra"
GOOGLE = "google"
TEMPLATE = "{tenantid}"


@dataclass(frozen=True)
class Provider:
    key: str
    label: str  # "Google", "Microsoft", "Riverside USD"
    kind: str  # "google", "entra" or "oidc"
    issuer: str
    client_id: str
    client_secret: str
    tenants: tuple[str, ...] = ()  # Entra: tenants whose emails count as verified (and, if given, the only ones let in)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class Refused(Exception):
    """Why an SSO sign-in did not sign anyone in, in the person's words."""

    def __init__(self, message: str, waiting: bool = False):
        self.message = message
        self.waiting = waiting  # an account was asked for and waits for an admin
        super().__init__(message)


def providers() -> list[Provider]:
    return [Provider(key=key, **settings) for key, settings in current_app.config["SSO_PROVIDERS"].items()]


def provider(key: str) -> Provider | None:
    return next((p for p in providers() if p.key == key), None)


def client(found: Provider):
    """The Authlib client of a provider (registered once per app and configuration)."""
    oauth = current_app.extensions.get("tracker.sso")
    if oauth is None:
        oauth = current_app.extensions["tracker.sso"] = OAuth(current_app)
    name = f"{found.key}-{abs(hash((found.issuer, found.client_id, found.client_secret))):x}"
    made = oauth.create_client(name)
    if made is None:
        oauth.register(name, client_id=found.client_id, client_secret=found.client_secret,
                       server_metadata_url=found.metadata_url, client_kwargs={"scope": "openid email profile"})
        made = oauth.create_client(name)
    return made


def issuer_options(found: Provider, metadata: dict) -> dict | None:
    """The ID token's issuer check: the discovery document's issuer, or for a tenant template (Entra multi-tenant)
    that template filled with the token's `tid`. None: Authlib's own check (exactly the document's issuer)."""
    issuer = metadata.get("issuer", "")
    if TEMPLATE not in issuer:
        return None

    def matches(claims, value) -> bool:
        tenant = str(claims.get("tid") or "")
        if not tenant or (found.tenants and tenant not in found.tenants):
            return False
        return value == issuer.replace(TEMPLATE, tenant)

    return {"iss": {"essential": True, "validate": matches}}


def verified_email(found: Provider, claims: dict) -> str:
    """The email the provider vouches for, lower case; Refused when it does not vouch for one."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise Refused(_("Your sign-in service did not tell us your email address, so we cannot match it to an account."))
    verified = claims.get("email_verified")
    if verified is None and found.kind == ENTRA:
        verified = claims.get("xms_edov") in (True, "true", "1", 1) or str(claims.get("tid") or "") in found.tenants
    if verified not in (True, "true"):
        raise Refused(_("Your sign-in service has not verified the email address %(email)s, so it cannot sign you in "
                        "here. Sign in with your password, or ask an admin.", email=email))
    return email


def sign_in(actor: audit.Actor, found: Provider, claims: dict) -> User:
    """The active account of the verified email, signed in (recorded); else Refused, having made an account only
    for a domain allowed to sign up (waiting for approval)."""
    email = verified_email(found, claims)
    user = find_user(email)
    if user is not None and user.pending_approval:
        raise Refused(_("Your account is waiting for an admin to approve it. You will be able to sign in once they have."),
                      waiting=True)
    if user is not None and user.active:
        who = audit.Actor(user.id, f"{user.name} <{user.email}>", actor.ip, actor.user_agent)
        audit.record(who, "auth.login", "user", user.id, {"with": [None, found.label]})
        db.session.commit()
        return user
    if user is not None:
        raise Refused(_("This account may not sign in. Ask an admin if you think it should."))
    domain = email.rpartition("@")[2]
    if not signup_domains.allowed(domain):
        audit.record(actor, "auth.sso_refused", "login", email, {"with": [None, found.label]})
        db.session.commit()
        raise Refused(_("There is no account for %(email)s here, and people from %(domain)s cannot ask for one by "
                        "signing in. Ask an admin to invite you.", email=email, domain=domain))
    name = str(claims.get("name") or email.partition("@")[0]).strip()[:200]
    requested = create_user(actor, email, name, VIEWER, _unusable_password())
    requested.active = False
    requested.pending_approval = True
    audit.record(actor, "user.requested", "user", requested.id, {"with": [None, found.label]})
    db.session.commit()
    raise Refused(_("Thank you, %(name)s: your account is made and waits for an admin to approve it. You will be able "
                    "to sign in once they have.", name=name), waiting=True)


def waiting_for_approval() -> list[User]:
    return list(db.session.scalars(select(User).where(User.pending_approval.is_(True)).order_by(User.created_at)))


def _unusable_password() -> str:
    return secrets.token_urlsafe(32)
