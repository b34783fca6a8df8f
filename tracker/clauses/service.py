"""Rules for the clause library: valid clauses only, every change audited, seeded once."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.agreements.models import KINDS
from tracker.audit import service as audit
from tracker.clauses import standard, variables
from tracker.clauses.models import CATEGORIES, Clause
from tracker.extensions import db
from tracker.validation import Invalid

FIELDS = ("category", "title", "body", "default_kinds", "active")


def library(include_retired: bool = True) -> list[Clause]:
    query = select(Clause).order_by(Clause.position, Clause.id)
    if not include_retired:
        query = query.where(Clause.active.is_(True))
    return list(db.session.execute(query).scalars())


def by_category(include_retired: bool = True) -> list[tuple[str, str, list[Clause]]]:
    clauses = library(include_retired)
    return [(key, str(label), [c for c in clauses if c.category == key]) for key, label in CATEGORIES.items()]


def defaults_for(kind: str) -> list[Clause]:
    """The clauses a new document of this agreement kind starts with, in catalogue order."""
    order = list(CATEGORIES)
    chosen = [c for c in library(include_retired=False) if kind in c.kinds]
    return sorted(chosen, key=lambda c: (order.index(c.category) if c.category in order else 99, c.position, c.id))


def check(data: dict) -> None:
    errors = {}
    if data.get("category") not in CATEGORIES:
        errors["category"] = _("Choose a category.")
    if not (data.get("title") or "").strip():
        errors["title"] = _("A clause needs a title.")
    elif len(data["title"].strip()) > 200:
        errors["title"] = _("At most %(n)s characters.", n=200)
    body = data.get("body") or ""
    if not body.strip():
        errors["body"] = _("A clause needs its text.")
    else:
        found = variables.problems(body)
        if found:
            errors["body"] = found
    unknown = [k for k in (data.get("default_kinds") or "").split(",") if k and k not in KINDS]
    if unknown:
        errors["default_kinds"] = _("Unknown agreement kind: %(kinds)s.", kinds=", ".join(unknown))
    if errors:
        raise Invalid(errors)


def create(actor: audit.Actor, data: dict) -> Clause:
    check(data)
    position = (db.session.execute(select(func.max(Clause.position))).scalar() or 0) + 1
    clause = Clause(position=position, **{f: data[f] for f in FIELDS if f in data})
    db.session.add(clause)
    db.session.flush()
    audit.record(actor, "clause.created", "clause", clause.id, audit.created(audit.values(clause, FIELDS)))
    db.session.commit()
    return clause


def update(actor: audit.Actor, clause: Clause, data: dict) -> dict:
    check({**{f: getattr(clause, f) for f in FIELDS}, **data})
    changes = audit.populate_and_record(actor, clause, data, "clause.updated", "clause", clause.id, FIELDS)
    db.session.commit()
    return changes


def seed(actor: audit.Actor) -> int:
    """Add the standard clauses when the library is empty; returns how many were added (0: already there)."""
    if db.session.execute(select(func.count()).select_from(Clause)).scalar():
        return 0
    for position, (category, title, body, kinds) in enumerate(standard.CLAUSES, start=1):
        assert not variables.problems(body), (title, variables.problems(body))
        clause = Clause(category=category, title=title, body=body, default_kinds=kinds, position=position, active=True)
        db.session.add(clause)
        db.session.flush()
        audit.record(actor, "clause.created", "clause", clause.id, {"title": [None, title]})
    db.session.commit()
    return len(standard.CLAUSES)
