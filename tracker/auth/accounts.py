"""Admins manage accounts: who may sign in, with which role, for which organisations.

The command line (`flask --app wsgi users create`) and the Users pages share these rules.
"""
import secrets

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from werkzeug.security import check_password_hash

from tracker import languages, limits
from tracker.audit import service as audit
from tracker.auth import links, sessions
from tracker.auth.models import User, new_access_version
from tracker.auth.permissions import ADMIN, ROLES
from tracker.auth.service import check_password, create_user, hash_password
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.validation import Invalid

SORTS = {"name": User.name, "email": User.email, "role": User.role, "created": User.created_at}
SHOWN = {"organisations": audit.Shown("organisations", lambda user: ", ".join(sorted(o.name for o in user.organisations))),
         "language": audit.Shown("language", lambda user: languages.name(user.language) if user.language else "")}


def search(q: str = "", role: str = "", status: str = "", sort: str = "name", direction: str = "asc"):
    """The users list: their organisations read with them (one query for the page, not one per user)."""
    query = select(User).options(selectinload(User.organisations))
    if term := q.strip():
        query = query.where(or_(User.name.icontains(term, autoescape=True), User.email.icontains(term, autoescape=True)))
    if role in ROLES:
        query = query.where(User.role == role)
    if status in ("active", "inactive"):
        query = query.where(User.active.is_(status == "active"))
    column = SORTS.get(sort, User.name)
    return query.order_by(column.desc() if direction == "desc" else column.asc(), User.id)


def create_account(actor: audit.Actor, data: dict) -> User:
    """`data`: email, name, role, organisation_ids, and `password` from the command line (the first admin of a
    deployment, before mail works). Without a password the person is emailed an invitation to choose one
    (tracker/auth/links.py); until then no password works. Raises Invalid naming each bad field."""
    errors = _check(data, None)
    password = data.get("password")
    if password is not None:
        try:
            check_password(password)
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    user = create_user(actor, normal_email(data["email"]), data["name"].strip(), data["role"],
                       password or secrets.token_urlsafe(32), _organisations(data.get("organisation_ids") or []))
    user.language = data.get("language") or None
    if password is None:
        links.invite(actor, user)
    db.session.commit()
    return user


def update_account(actor: audit.Actor, user: User, data: dict, by: User) -> User:
    """`data`: name, email, role, organisation_ids, active. `by` may not lock themselves out."""
    errors = _check(data, user)
    demoted = user.role == ADMIN and (data["role"] != ADMIN or not data["active"])
    if demoted and user.id == by.id:
        errors["role" if data["role"] != ADMIN else "active"] = _("You cannot remove your own admin access; ask another admin.")
    elif demoted and _other_active_admins(user) == 0:
        errors["role" if data["role"] != ADMIN else "active"] = _("This is the last active admin; make someone else admin first.")
    if errors:
        raise Invalid(errors)
    audit.populate_and_record(actor, user, {
        "name": data["name"].strip(), "email": normal_email(data["email"]), "role": data["role"], "active": data["active"],
        "organisations": _organisations(data.get("organisation_ids") or []), "language": data.get("language") or None,
    }, "user.updated", "user", user.id, shown=SHOWN)
    if user.active and user.pending_approval:
        user.pending_approval = False  # an admin let them in: the request is approved
        audit.record(actor, "user.approved", "user", user.id, {})
    user.access_version = new_access_version()  # what they see may have changed: their cached scope goes
    if not user.active:
        sessions.end_all(user.id)  # a deactivated account is signed out everywhere at once
    db.session.commit()
    return user


def set_password(actor: audit.Actor, user: User, password: str, keep_session: str | None = None) -> None:
    """A new password ends every session signed in with the old one (but `keep_session`, the browser of
    someone changing their own)."""
    check_password(password)
    user.password_hash = hash_password(password)
    sessions.end_all(user.id, keep=keep_session)
    audit.record(actor, "user.password_set", "user", user.id, {})
    db.session.commit()


def change_own_password(actor: audit.Actor, user: User, current: str, new: str, keep_session: str | None) -> None:
    """Someone changes their own password: the current one is required (a wrong guess counts as a failed sign-in,
    slowed down the same way), and every other session of theirs ends."""
    with limits.SIGN_IN.attempt(account=user.email, address=actor.ip) as attempt:
        if not check_password_hash(user.password_hash, current or ""):
            attempt.failed()
            audit.record(actor, "auth.password_change_failed", "user", user.id, {})
            db.session.commit()
            raise Invalid({"current_password": _("That is not your current password.")})
        attempt.succeeded()
    check_password(new, "new_password")
    user.password_hash = hash_password(new)
    sessions.end_all(user.id, keep=keep_session)
    audit.record(actor, "auth.password_changed", "user", user.id, {})
    db.session.commit()


def choose_language(actor: audit.Actor, user: User, code: str | None) -> None:
    """Someone chooses the language they read the app and their emails in; "" or None: their browser's."""
    audit.populate_and_record(actor, user, {"language": languages.chosen(code)}, "auth.language_chosen", "user", user.id,
                              shown=SHOWN)
    db.session.commit()


def _check(data: dict, user: User | None) -> dict:
    errors = {}
    if not (data.get("name") or "").strip():
        errors["name"] = _("Enter the person's name.")
    try:
        email = normal_email(data.get("email") or "")
    except EmailNotValidError:
        errors["email"] = _("Enter an email address like name@library.org.")
    else:
        taken = db.session.scalar(select(User.id).where(User.email == email))
        if taken is not None and (user is None or taken != user.id):
            errors["email"] = _("%(email)s already has an account.", email=email)
    if data.get("role") not in ROLES:
        errors["role"] = _("Choose a role.")
    try:
        languages.chosen(data.get("language"))
    except Invalid as exc:
        errors.update(exc.errors)
    ids = list(data.get("organisation_ids") or [])
    known = set(db.session.execute(select(Organisation.id).where(Organisation.id.in_(ids))).scalars())
    if set(ids) - known:
        errors["organisation_ids"] = _("No organisation with id %(ids)s.", ids=", ".join(map(str, sorted(set(ids) - known))))
    elif data.get("role") != ADMIN and not ids:
        errors["organisation_ids"] = _("Choose the organisation(s) this person works for; only admins work for all.")
    return errors


def normal_email(value: str) -> str:
    """A real address, lower case; raises EmailNotValidError. Subdomains and the `.test` domain are accepted
    (districts' test tenants use it); no DNS lookup is made."""
    return validate_email(value.strip(), check_deliverability=False, test_environment=True).normalized.lower()


def is_real_email(value: str) -> bool:
    """Would normal_email take it? The one check of an address typed anywhere (a contact, a signatory)."""
    try:
        normal_email(value)
    except EmailNotValidError:
        return False
    return True


def _organisations(ids) -> list[Organisation]:
    return list(db.session.execute(select(Organisation).where(Organisation.id.in_(list(ids))).order_by(Organisation.id)).scalars())


def _other_active_admins(user: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == ADMIN, User.active.is_(True), User.id != user.id))

