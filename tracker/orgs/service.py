"""Rules for organisations and contacts: the tree, codes, review dates, and who may edit."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from tracker.audit import service as audit
from tracker.auth.models import User, new_access_version
from tracker.extensions import db
from tracker.orgs import logos
from tracker.orgs.models import BRANCH, KINDS, PARENT_KINDS, SCHOOL, Contact, Organisation
from tracker.orgs.tree import descendants_and_self
from tracker.scope.sql import among
from tracker.validation import Invalid

ORG_FIELDS = (
    "name", "kind", "parent_id", "home_branch_id", "state_id", "sourced_id", "ils_branch_code",
    "street", "city", "region", "postal_code", "time_zone", "language", "last_confirmed",
)
CONTACT_FIELDS = ("name", "title", "role", "email", "phone", "can_sign")
CODE_FIELDS = ("state_id", "sourced_id", "ils_branch_code")
SORTS = {
    "name": Organisation.name,
    "kind": Organisation.kind,
    "confirmed": Organisation.last_confirmed,
}


def organisations_changed() -> None:
    """The tree or an organisation's time zone changed: every user's cached scope must be worked out again."""
    db.session.execute(update(User).values(access_version=new_access_version()))


def search(q: str = "", kind: str = "", sort: str = "name", direction: str = "asc"):
    """The organisations list query: search name and codes, filter by kind, sort."""
    query = select(Organisation)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            or_(
                Organisation.name.ilike(like),
                Organisation.state_id.ilike(like),
                Organisation.sourced_id.ilike(like),
                Organisation.ils_branch_code.ilike(like),
                Organisation.city.ilike(like),
            )
        )
    if kind in KINDS:
        query = query.where(Organisation.kind == kind)
    column = SORTS.get(sort, Organisation.name)
    ordered = column.desc() if direction == "desc" else column.asc()
    return query.order_by(ordered, Organisation.id).options(selectinload(Organisation.parent))


def choices(kinds=None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name)
    if kinds:
        query = query.where(Organisation.kind.in_(kinds))
    return list(db.session.execute(query).scalars())


def filter_choices(scope: frozenset[int] | None, selected: int | None = None) -> list:
    """Organisations to filter lists by (rows of id and name: a district's hundreds need no ORM objects): the
    user's own and those below them; for admins the tops of the tree (library systems, districts,
    municipalities), which include what is below them. The selected one is always offered, so a link from an
    organisation's page shows as chosen."""
    query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if scope is None:
        query = query.where(or_(Organisation.parent_id.is_(None), Organisation.id == (selected or 0)))
    else:
        query = query.where(or_(among(Organisation.id, scope), Organisation.id == (selected or 0)))
    return list(db.session.execute(query))


def _related_name(field: str):
    def read(org: Organisation) -> str | None:
        related = db.session.get(Organisation, getattr(org, field)) if getattr(org, field) else None
        return related.name if related else None
    return read


# How the history shows an organisation: related organisations by name (listed last), the kind by its label.
SHOWN = {
    "kind": audit.Shown("kind", lambda org: org.kind_label),
    "language": audit.Shown("language", lambda org: org.language_label),
    "parent_id": audit.Shown("parent", _related_name("parent_id")),
    "home_branch_id": audit.Shown("home_branch", _related_name("home_branch_id")),
}
HISTORY_ORDER = tuple(f for f in ORG_FIELDS if f not in ("parent_id", "home_branch_id")) + ("parent_id", "home_branch_id")


def _blank_to_none(data: dict) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) and k in CODE_FIELDS else v for k, v in data.items()}


def _check_org(org_id: int | None, data: dict, scope: frozenset[int] | None = None) -> None:
    errors: dict[str, str] = {}
    kind = data["kind"]
    parent = db.session.get(Organisation, data["parent_id"]) if data.get("parent_id") else None
    if data.get("parent_id") and parent is None:
        errors["parent_id"] = _("That organisation does not exist.")
    elif parent is not None:
        allowed = PARENT_KINDS.get(kind, set())
        if parent.kind not in allowed:
            errors["parent_id"] = _("A %(kind)s cannot sit under a %(parent)s.", kind=KINDS[kind], parent=parent.kind_label)
        elif org_id is not None and parent.id in descendants_and_self([org_id]):
            errors["parent_id"] = _("An organisation cannot sit under itself or one of its own.")
        elif scope is not None and parent.id not in scope:
            errors["parent_id"] = _("You can only place it under your own organisations.")
    if data.get("home_branch_id"):
        branch = db.session.get(Organisation, data["home_branch_id"])
        if kind != SCHOOL:
            errors["home_branch_id"] = _("Only a school has a home branch.")
        elif branch is None:
            errors["home_branch_id"] = _("That branch does not exist.")
        elif branch.kind != BRANCH:
            errors["home_branch_id"] = _("%(name)s is not a branch.", name=branch.name)
    if org_id is not None:
        errors.update(_check_dependants(org_id, kind))
    if data.get("ils_branch_code") and kind != BRANCH:
        errors["ils_branch_code"] = _("Only a branch has an ILS branch code.")
    for field in CODE_FIELDS:
        value = data.get(field)
        if not value:
            continue
        clash = db.session.execute(
            select(Organisation).where(getattr(Organisation, field) == value, Organisation.id != (org_id or 0))
        ).scalar()
        if clash is not None:
            errors[field] = _("%(code)s is already used by %(name)s.", code=value, name=clash.name)
    if errors:
        raise Invalid(errors)


def _check_dependants(org_id: int, kind: str) -> dict[str, str]:
    """A change of kind must keep the organisations that hang on this one valid."""
    errors = {}
    children = db.session.execute(select(Organisation).where(Organisation.parent_id == org_id)).scalars().all()
    misplaced = [c for c in children if kind not in PARENT_KINDS.get(c.kind, set())]
    if misplaced:
        errors["kind"] = _("%(names)s below it cannot sit under a %(kind)s; move them first.",
                           names=", ".join(c.name for c in misplaced[:3]), kind=KINDS[kind])
    if kind != BRANCH:
        served = db.session.execute(select(Organisation).where(Organisation.home_branch_id == org_id)).scalars().all()
        if served:
            errors["kind"] = _("It is the home branch of %(names)s, so it must stay a branch.",
                               names=", ".join(s.name for s in served[:3]))
    return errors


def create_organisation(actor: audit.Actor, data: dict) -> Organisation:
    data = _blank_to_none(data)
    _check_org(None, data)
    org = Organisation(**{f: data.get(f) for f in ORG_FIELDS if f in data})
    db.session.add(org)
    db.session.flush()
    if org.parent_id is not None:  # those above it now see it
        organisations_changed()
    audit.record(actor, "organisation.created", "organisation", org.id, audit.created(audit.values(org, HISTORY_ORDER, SHOWN)))
    db.session.commit()
    return org


def update_organisation(actor: audit.Actor, org: Organisation, data: dict, scope: frozenset[int] | None = None) -> dict:
    """Change an organisation; a user with a `scope` (their organisations and those below) may only hang it
    under organisations in that scope."""
    data = _blank_to_none(data)
    moved = data.get("parent_id") != org.parent_id
    _check_org(org.id, data, scope if moved else None)
    zone = org.time_zone
    changes = audit.populate_and_record(actor, org, data, "organisation.updated", "organisation", org.id, HISTORY_ORDER,
                                        shown=SHOWN)
    if moved or org.time_zone != zone:
        organisations_changed()
    db.session.commit()
    return changes


def set_logo(actor: audit.Actor, org: Organisation, upload: bytes) -> None:
    """Keep a checked and sanitised logo (logos.checked refuses anything else, and nothing changes then)."""
    data, kind = logos.checked(upload)
    had = org.logo_type is not None
    org.logo, org.logo_type = data, kind
    audit.record(actor, "organisation.logo_set", "organisation", org.id,
                 {"logo": ["a logo" if had else None, f"{'SVG' if kind == logos.SVG else 'PNG'}, {len(data)} bytes"]})
    db.session.commit()


def remove_logo(actor: audit.Actor, org: Organisation) -> None:
    if org.logo_type is None:
        raise Invalid({"": _("This organisation has no logo.")})
    org.logo, org.logo_type = None, None
    audit.record(actor, "organisation.logo_removed", "organisation", org.id, {"logo": ["a logo", None]})
    db.session.commit()


def confirm(actor: audit.Actor, org: Organisation, today: date) -> None:
    """Someone checked the partner's details: they are good for another review period."""
    mark_confirmed(actor, org, today)
    db.session.commit()


def mark_confirmed(actor: audit.Actor, org: Organisation, today: date, action: str = "organisation.confirmed") -> None:
    """The details count as confirmed `today` (no longer "needs review"), recorded; in the caller's transaction."""
    before = org.last_confirmed
    org.last_confirmed = today
    audit.record(actor, action, "organisation", org.id, {"last_confirmed": [audit.plain(before), today.isoformat()]})


def save_contact(actor: audit.Actor, org: Organisation, data: dict, contact: Contact | None = None) -> Contact:
    if contact is None:
        contact = Contact(organisation=org, **{f: data[f] for f in CONTACT_FIELDS})
        db.session.add(contact)
        db.session.flush()
        audit.record(actor, "contact.created", "organisation", org.id, audit.created(audit.values(contact, CONTACT_FIELDS)))
    else:
        audit.populate_and_record(actor, contact, data, "contact.updated", "organisation", org.id, CONTACT_FIELDS,
                                  about={"contact": data["name"]})
    db.session.commit()
    return contact


def remove_contact(actor: audit.Actor, org: Organisation, contact: Contact) -> None:
    """The person left: drop them from the organisation, keeping who they were in the history."""
    audit.record(actor, "contact.removed", "organisation", org.id, {"contact": [contact.name, None]})
    db.session.delete(contact)
    db.session.commit()
