"""Rules for agreements: who sees which, what a valid agreement is, edits without lost updates."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, union
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker import clock
from tracker.agreements import workflow
from tracker.agreements.models import Agreement, Goal, Party
from tracker.audit import service as audit
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.auth.permissions import allowed
from tracker.extensions import db
from tracker.listing import ListPage, bounded
from tracker.orgs.models import LIBRARY_KINDS, SCHOOL_KINDS, Organisation
from tracker.orgs.tree import descendants_and_self
from tracker.scope.sql import among
from tracker.validation import Conflict, Invalid

# The fields each section of the detail page edits; "summary" and "term" are edited inline.
SECTIONS = {
    "summary": ("title", "kind", "purpose", "collaboration_level", "manager_id"),
    "term": (
        "term_kind", "effective_date", "end_date", "renewal", "renewal_months", "notice_days",
        "modification_window_start", "modification_window_end",
    ),
}
ALL_FIELDS = SECTIONS["summary"] + SECTIONS["term"]
PARTY_FIELDS = ("organisation_id", "role", "contributes", "receives")
GOAL_FIELDS = ("statement", "measure", "target", "due_date", "progress")
SORTS = {
    "title": Agreement.title,
    "status": Agreement.status,
    "end": Agreement.end_date,
    "updated": Agreement.updated_at,
}
EXPIRING_SOON_DAYS = 90
WITH_PARTIES = selectinload(Agreement.parties).joinedload(Party.organisation)  # one query for both


SHORT_TERM = 3  # shorter search terms match the start of a title or name: a trigram index cannot serve them


def matching(q: str, narrowed: bool):
    """SQL: the agreement's title or a party's name holds `q` (any case). Terms of three characters or more match
    anywhere (PostgreSQL: the trigram indexes); one or two, the start of the title or name (PostgreSQL: the b-tree
    indexes on their lower case), as a trigram index cannot look those up. `narrowed`: the list is already a user's
    agreements (a few hundred at most), so each is checked; else (an admin's 10,000) the indexes find the matches."""
    term = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if len(q.strip()) >= SHORT_TERM:
        titles = select(Agreement.id).where(Agreement.title.ilike(f"%{term}%", escape="\\"))
        names = Organisation.name.ilike(f"%{term}%", escape="\\")
    else:
        titles = select(Agreement.id).where(func.lower(Agreement.title).like(f"{term.lower()}%", escape="\\"))
        names = func.lower(Organisation.name).like(f"{term.lower()}%", escape="\\")
    if narrowed:
        return or_(titles.whereclause, exists().where(Party.agreement_id == Agreement.id,
                                                      Party.organisation_id == Organisation.id, names))
    parties = select(Party.agreement_id).join(Organisation, Organisation.id == Party.organisation_id).where(names)
    return Agreement.id.in_(union(titles, parties))


def search(
    visible_ids,
    today: date,
    q: str = "",
    status: str = "",
    kind: str = "",
    organisation_id: int | None = None,
    expiring_within: int | None = None,
    sort: str = "updated",
    direction: str = "desc",
):
    """The agreements list query over the agreements `visible_ids` selects (None: all): the columns the list
    shows (`Listed`), in order; `listed` reads a page of it."""
    query = select(*LISTED_COLUMNS)
    if visible_ids is not None:
        query = query.where(Agreement.id.in_(visible_ids))
    if q.strip():
        query = query.where(matching(q, narrowed=visible_ids is not None))
    if status in workflow.STATUSES:
        query = query.where(Agreement.status == status)
    if kind:
        query = query.where(Agreement.kind == kind)
    if organisation_id:  # the organisation or any below it (a district: its schools too)
        below = descendants_and_self([organisation_id])
        query = query.where(exists().where(Party.agreement_id == Agreement.id, among(Party.organisation_id, below)))
    if expiring_within is not None:
        query = query.where(
            Agreement.status.in_(workflow.LIVE),
            Agreement.end_date >= today,
            Agreement.end_date <= today + timedelta(days=expiring_within),
        )
    column = SORTS.get(sort, Agreement.updated_at)
    ordered = column.desc() if direction == "desc" else column.asc()
    return query.order_by(ordered, Agreement.id.desc())


LISTED_COLUMNS = (Agreement.id, Agreement.title, Agreement.kind, Agreement.status, Agreement.effective_date,
                  Agreement.end_date, Agreement.notice_days, Agreement.updated_at)


@dataclass
class Listed:
    """An agreement as the list shows it."""

    id: int
    title: str
    kind: str
    status: str
    effective_date: date | None
    end_date: date | None
    notice_days: int | None
    updated_at: datetime
    parties: list[str] = field(default_factory=list)  # the parties' names

    notice_deadline = property(Agreement.notice_deadline.fget)


def listed(query, page: int, per_page: int) -> ListPage:
    """A page of the `search` query with its bounded count (one query: tracker.listing) and its parties' names
    (one more)."""
    found = bounded(query, page, per_page)
    found.items = [Listed(*row[:-1]) for row in found.items]
    names = db.session.execute(
        select(Party.agreement_id, Organisation.name).join(Organisation, Organisation.id == Party.organisation_id)
        .where(Party.agreement_id.in_([a.id for a in found.items])).order_by(Party.id)).all() if found.items else []
    by_id = {a.id: a for a in found.items}
    for agreement_id, name in names:
        by_id[agreement_id].parties.append(name)
    return found


def starts_later(agreement: Agreement, today: date) -> date | None:
    """Shown, never stored: an active agreement whose effective date is still ahead ("Signed, starts on ...")."""
    if agreement.status == workflow.ACTIVE and agreement.effective_date and agreement.effective_date > today:
        return agreement.effective_date
    return None


def expiring(agreement: Agreement, today: date, within: int = EXPIRING_SOON_DAYS) -> bool:
    """Shown, never stored: the end of term or the notice deadline is near."""
    if agreement.status not in workflow.LIVE:
        return False
    horizon = today + timedelta(days=within)
    return any(d is not None and today <= d <= horizon for d in (agreement.end_date, agreement.notice_deadline))


# ---- what a valid agreement is ---------------------------------------------------------------

def check_term(data: dict) -> dict[str, str]:
    errors = {}
    start, end = data.get("effective_date"), data.get("end_date")
    if start and end and end <= start:
        errors["end_date"] = _("The end date must be after the effective date.")
    if data.get("term_kind") in ("pilot", "fixed") and not end:
        errors["end_date"] = _("A pilot or fixed-term agreement needs an end date.")
    if data.get("renewal") == "automatic" and not data.get("renewal_months"):
        errors["renewal_months"] = _("Automatic renewal needs a renewal length in months.")
    first, last = data.get("modification_window_start"), data.get("modification_window_end")
    if bool(first) != bool(last):
        field = "modification_window_end" if first else "modification_window_start"
        errors[field] = _("Give both the first and the last month of the modification window, or neither.")
    return errors


def check_parties(parties: list[dict], own: frozenset[int] | None = None) -> dict[str, str]:
    """A partnership needs a public library and a school side, each organisation once, and (for anyone but
    an admin) one of the user's own organisations (`own`: theirs and those below), or they could not edit it."""
    ids = [p["organisation_id"] for p in parties]
    orgs = {o.id: o for o in db.session.execute(select(Organisation).where(Organisation.id.in_(ids))).scalars()}
    errors = {}
    unknown = [i for i in ids if i not in orgs]
    if unknown:
        errors["parties"] = _("Unknown organisation: %(ids)s.", ids=", ".join(map(str, unknown)))
    elif len(set(ids)) != len(ids):
        errors["parties"] = _("Each organisation can be a party only once.")
    else:
        kinds = {orgs[i].kind for i in ids}
        missing = []
        if not kinds & LIBRARY_KINDS:
            missing.append(_("The parties must include a public library (a library system or a branch)."))
        if not kinds & SCHOOL_KINDS:
            missing.append(_("The parties must include a school or a school district."))
        if own is not None and not set(ids) & own:
            missing.append(_("One of the parties must be your organisation or one below it."))
        if missing:
            errors["parties"] = " ".join(missing)
    return errors


# ---- changes, each audited, none lost --------------------------------------------------------

def _manager_name(agreement: Agreement) -> str | None:
    manager = db.session.get(User, agreement.manager_id) if agreement.manager_id else None
    return manager.name if manager else None


SHOWN = {"manager_id": audit.Shown("manager", _manager_name)}  # the manager by name rather than by id
CREATED = tuple(f for f in ALL_FIELDS if f != "manager_id") + ("manager_id",)  # as the history lists a new one


def create(actor: audit.Actor, data: dict, parties: list[dict], own: frozenset[int] | None = None) -> Agreement:
    errors = {**check_term(data), **check_parties(parties, own)}
    if errors:
        raise Invalid(errors)
    agreement = Agreement(status=workflow.DRAFT, **{f: data.get(f) for f in ALL_FIELDS if f in data})
    agreement.parties = [Party(**{f: p.get(f, "") for f in PARTY_FIELDS}) for p in parties]
    db.session.add(agreement)
    db.session.flush()
    changes = audit.created(audit.values(agreement, CREATED, SHOWN))
    changes["parties"] = [None, ", ".join(_party_label(p) for p in parties)]
    audit.record(actor, "agreement.created", "agreement", agreement.id, changes)
    db.session.commit()
    return agreement


def changes_since(agreement: Agreement, version: int) -> list[dict]:
    """What others saved after `version`: one entry per field, newest last."""
    events = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "agreement", AuditEvent.entity_id == str(agreement.id))
        .order_by(AuditEvent.id)
    ).scalars()
    found = []
    for event in events:
        versions = event.changes.get("version")
        if not versions or versions[0] is None or versions[0] < version:
            continue
        for field, values in event.changes.items():
            if field == "version" or not isinstance(values, list) or len(values) != 2:
                continue
            found.append({"who": event.actor_label, "at": event.at, "field": field, "before": values[0], "after": values[1]})
    return found


def _touches(change: dict, fields) -> bool:
    """Does a recorded change concern one of these fields? ("manager" is recorded for manager_id.)"""
    if fields is None:
        return True
    names = {f.removesuffix("_id") for f in fields} | set(fields)
    return change["field"] in names or change["field"].split(" ")[0] in names


def _save(actor: audit.Actor, agreement: Agreement, version: int, action: str, changes: dict, fields=None) -> None:
    """Commit a change read at `version`, unless others changed any of `fields` since (None: anything).

    Edits to other parts of the agreement are not conflicts: the change is applied on top of them.
    """
    if version != agreement.version:
        clashes = [c for c in changes_since(agreement, version) if _touches(c, fields)]
        if clashes:
            db.session.rollback()
            raise Conflict(clashes)
    old_version = agreement.version
    agreement.updated_at = datetime.now(timezone.utc).replace(tzinfo=None)  # bumps the version
    try:
        db.session.flush()
    except StaleDataError:  # someone saved between our read and our write
        db.session.rollback()
        raise Conflict(changes_since(db.session.get(Agreement, agreement.id), version)) from None
    audit.record(actor, action, "agreement", agreement.id, {**changes, "version": [old_version, agreement.version]})
    db.session.commit()


def update_section(actor: audit.Actor, agreement: Agreement, section: str, data: dict, version: int) -> dict:
    fields = SECTIONS[section]
    if section == "term":
        errors = check_term({**{f: getattr(agreement, f) for f in fields}, **data})
        if errors:
            raise Invalid(errors)
    changes = audit.populate(agreement, data, fields, shown=SHOWN)
    if not changes:
        db.session.rollback()
        return {}
    _save(actor, agreement, version, "agreement.updated", changes, fields)
    return changes


def add_party(actor: audit.Actor, agreement: Agreement, data: dict, version: int) -> None:
    current = [{"organisation_id": p.organisation_id} for p in agreement.parties]
    if data["organisation_id"] in {p["organisation_id"] for p in current}:
        raise Invalid({"organisation_id": _("This organisation is already a party.")})
    if db.session.get(Organisation, data["organisation_id"]) is None:
        raise Invalid({"organisation_id": _("That organisation does not exist.")})
    agreement.parties.append(Party(**{f: data.get(f, "") for f in PARTY_FIELDS}))
    _save(actor, agreement, version, "agreement.party_added", {"party": [None, _party_label(data)]}, {"party"})


def remove_party(actor: audit.Actor, agreement: Agreement, party_id: int, version: int,
                 own: frozenset[int] | None = None) -> None:
    party = next((p for p in agreement.parties if p.id == party_id), None)
    if party is None:
        raise Invalid({"": _("That party is not on this agreement.")})
    remaining = [{"organisation_id": p.organisation_id} for p in agreement.parties if p.id != party_id]
    errors = check_parties(remaining, own)
    if errors:
        raise Invalid({"": errors["parties"]})
    label = _party_label({"organisation_id": party.organisation_id, "role": party.role})
    agreement.parties.remove(party)
    _save(actor, agreement, version, "agreement.party_removed", {"party": [label, None]}, {"party"})


def _party_label(data: dict) -> str:
    org = db.session.get(Organisation, data["organisation_id"])
    return f"{org.name if org else data['organisation_id']} ({data.get('role', '')})"


def _goal_values(data: dict) -> dict:
    """A goal's fields from a form: blank text is "", blank progress is 0."""
    return {
        "statement": data.get("statement") or "", "measure": data.get("measure") or "", "target": data.get("target") or "",
        "due_date": data.get("due_date"), "progress": data.get("progress") or 0,
    }


def add_goal(actor: audit.Actor, agreement: Agreement, data: dict, version: int) -> None:
    position = max((g.position for g in agreement.goals), default=0) + 1
    agreement.goals.append(Goal(position=position, **_goal_values(data)))
    _save(actor, agreement, version, "agreement.goal_added", {"goal": [None, data["statement"]]}, {"goal"})


def update_goal(actor: audit.Actor, agreement: Agreement, goal_id: int, data: dict, version: int) -> None:
    goal = next((g for g in agreement.goals if g.id == goal_id), None)
    if goal is None:
        raise Invalid({"": _("That goal is not on this agreement.")})
    changes = audit.populate(goal, _goal_values(data), prefix=f"goal {goal.position} ")
    _save(actor, agreement, version, "agreement.goal_updated", changes, {"goal"})


def remove_goal(actor: audit.Actor, agreement: Agreement, goal_id: int, version: int) -> None:
    goal = next((g for g in agreement.goals if g.id == goal_id), None)
    if goal is None:
        raise Invalid({"": _("That goal is not on this agreement.")})
    agreement.goals.remove(goal)
    _save(actor, agreement, version, "agreement.goal_removed", {"goal": [goal.statement, None]}, {"goal"})


def transition(actor: audit.Actor, agreement: Agreement, name: str, role: str, version: int,
               relation=None) -> workflow.Transition:
    """Move the agreement along the workflow, or say why it cannot move (`relation`: how the user stands to
    the agreement, when they are not an admin or a command)."""
    step = workflow.BY_NAME.get(name)
    if step is None:
        raise Invalid({"": _("There is no such step.")})
    if not workflow.AGREEMENT.allows(agreement.status, name):
        raise Invalid({"": _(
            "This agreement is %(status)s, so it cannot be moved to %(target)s. %(hint)s",
            status=workflow.STATUSES[agreement.status],
            target=workflow.STATUSES[step.target],
            hint=workflow.path_hint(agreement.status, step.target),
        )})
    if not allowed(role, step.permission, relation):
        raise Invalid({"": _("Your role cannot %(step)s an agreement.", step=str(step.label).lower())})
    if step.target in workflow.NEEDS_BASICS:
        missing = [str(f) for f, v in (("purpose", agreement.purpose), ("effective date", agreement.effective_date)) if not v]
        if missing:
            raise Invalid({"": _("Before %(step)s, fill in: %(fields)s.", step=str(step.label).lower(), fields=", ".join(missing))})
    if step.target == workflow.EXPIRED and (agreement.end_date is None or agreement.end_date > clock.today()):
        raise Invalid({"": _("An agreement can only expire after its end date.")})
    before = agreement.status
    workflow.AGREEMENT.move(agreement, name)
    _save(actor, agreement, version, "agreement.status_changed", {"status": [before, step.target]})
    return step


def follow_document(actor: audit.Actor, agreement: Agreement, name: str, document: str) -> workflow.Transition | None:
    """The app's own step when the agreement's original MOU moves ("document_sent", "document_signed"): the
    agreement follows, and the audit log says why. Nothing happens where the table has no such step (an
    agreement already out for signature, or closed). Runs inside the caller's transaction, which commits."""
    if not workflow.AGREEMENT.allows(agreement.status, name):
        return None
    before = agreement.status
    step = workflow.AGREEMENT.move(agreement, name)
    old_version = agreement.version
    agreement.updated_at = datetime.now(timezone.utc).replace(tzinfo=None)  # bumps the version
    db.session.flush()
    audit.record(actor, "agreement.status_changed", "agreement", agreement.id,
                 {"status": [before, step.target], "because": [None, f"{document}: {step.label}"],
                  "version": [old_version, agreement.version]})
    return step
