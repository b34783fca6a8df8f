"""Rules for milestones and obligations, timeline templates, and the communication log."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal, or_, select

from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.auth.models import User
from tracker.auth.permissions import WHOLE, Relation
from tracker.calendar.key_dates import KeyDate, Source, add_months, add_source, row, within
from tracker.extensions import db
from tracker.milestones.models import COMMUNICATION_KINDS, OPEN, STATUSES, Communication, Milestone
from tracker.orgs.models import Contact, Organisation
from tracker.orgs.tree import descendants_and_self
from tracker.scope import agreements as scoped
from tracker.scope.sql import among
from tracker.scope.users import scope_of
from tracker.validation import Invalid

FIELDS = ("title", "party_id", "owner_user_id", "owner_contact_id", "due_date", "status", "evidence", "done_date")
COMMUNICATION_FIELDS = ("kind", "held_on", "attendees", "summary")


# ---- milestones ------------------------------------------------------------------------------

def may_own(agreement: Agreement, user: User | None) -> bool:
    """Owners hear of the agreement's dates in their reminders, so only people who may see it can own a milestone."""
    if user is None or not user.active:
        return False
    if user.id == agreement.manager_id:
        return True
    return scope_of(user).relation(p.organisation_id for p in agreement.parties) is not Relation.UNRELATED


def may_owe(agreement: Agreement) -> list[Organisation]:
    """Who can owe a milestone: the parties, then the organisations below them (a school of a party district)."""
    parties = [p.organisation for p in agreement.parties]
    below = descendants_and_self([o.id for o in parties]) - {o.id for o in parties}
    others = db.session.scalars(select(Organisation).where(Organisation.id.in_(below)).order_by(Organisation.name)).all()
    return parties + list(others)


def concerns(milestone: Milestone, access) -> bool:
    """Does the milestone concern a user (`access`: their standing on the agreement)? Everyone who sees the whole
    agreement sees every milestone; below a party, those their organisation owes or they own."""
    return access.whole or access.scope.owes(milestone.owner_user_id, milestone.party_id)


def check(agreement: Agreement, data: dict, today: date) -> tuple[dict[str, str], list[str]]:
    """Errors (nothing is saved) and warnings (saved, but worth a look)."""
    errors, warnings = {}, []
    if data.get("party_id") is not None and data["party_id"] not in descendants_and_self([p.organisation_id for p in agreement.parties]):
        errors["party_id"] = _("Choose one of the agreement's parties, or an organisation below one.")
    if data.get("status") not in STATUSES:
        errors["status"] = _("Choose a status.")
    if data.get("owner_user_id") is not None and not may_own(agreement, db.session.get(User, data["owner_user_id"])):
        errors["owner_user_id"] = _("Choose someone who works for one of the parties, or the agreement's manager.")
    if data.get("owner_contact_id") is not None:
        contact = db.session.get(Contact, data["owner_contact_id"])
        if contact is None or contact.organisation_id not in {p.organisation_id for p in agreement.parties}:
            errors["owner_contact_id"] = _("Choose a contact of one of the parties.")
    if data.get("owner_user_id") is not None and data.get("owner_contact_id") is not None:
        errors["owner_contact_id"] = _("Give either a user or a contact as the owner, not both.")
    due, done = data.get("due_date"), data.get("done_date")
    if due is None:
        errors["due_date"] = _("Give the due date.")
    if done is not None and done > today:
        errors["done_date"] = _("The done date cannot be in the future.")
    if data.get("status") == "done" and done is None:
        data["done_date"] = today
    if data.get("status") != "done":
        data["done_date"] = None
    if due is not None:
        start, end = agreement.effective_date, agreement.end_date
        if (start and due < start) or (end and due > end):
            warnings.append(_("The due date %(due)s is outside the agreement's term (%(start)s to %(end)s).",
                              due=due.isoformat(), start=start.isoformat() if start else "…",
                              end=end.isoformat() if end else "…"))
    return errors, warnings


def _values(data: dict) -> dict:
    values = {f: data.get(f) for f in FIELDS}
    values["evidence"] = values["evidence"] or ""
    return values


def add(actor: audit.Actor, agreement: Agreement, data: dict, today: date, **extra) -> tuple[Milestone, list[str]]:
    data = dict(data)
    errors, warnings = check(agreement, data, today)
    if errors:
        raise Invalid(errors)
    milestone = Milestone(agreement_id=agreement.id, **_values(data), **extra)
    db.session.add(milestone)
    db.session.flush()
    audit.record(actor, "milestone.added", "agreement", agreement.id,
                 {"milestone": [None, milestone.title], "due date": [None, milestone.due_date.isoformat()]})
    db.session.commit()
    return milestone, warnings


def update(actor: audit.Actor, agreement: Agreement, milestone: Milestone, data: dict, today: date) -> list[str]:
    data = dict(data)
    errors, warnings = check(agreement, data, today)
    if errors:
        raise Invalid(errors)
    values = _values(data)
    audit.populate_and_record(actor, milestone, values, "milestone.updated", "agreement", agreement.id,
                              about={"milestone": values["title"]})
    db.session.commit()
    return warnings


def mark_done(actor: audit.Actor, agreement: Agreement, milestone: Milestone, today: date) -> None:
    if milestone.status == "done":
        raise Invalid({"": _("This milestone is already done.")})
    data = {f: getattr(milestone, f) for f in FIELDS} | {"status": "done", "done_date": today}
    update(actor, agreement, milestone, data, today)


def remove(actor: audit.Actor, agreement: Agreement, milestone: Milestone) -> None:
    db.session.delete(milestone)
    audit.record(actor, "milestone.removed", "agreement", agreement.id, {"milestone": [milestone.title, None]})
    db.session.commit()


def seen_by(scope):
    """SQL: the milestones a user sees: every milestone of the agreements they see whole, and of those they see
    from below a party, the ones their organisation owes or they own (None: all, for an admin)."""
    if scope.everything:
        return None
    if not scope.above:  # nothing above their organisations: they see no agreement from below a party
        return Milestone.agreement_id.in_(scoped.agreement_ids(scope, WHOLE))
    return or_(Milestone.agreement_id.in_(scoped.agreement_ids(scope, WHOLE)),
               and_(Milestone.agreement_id.in_(scoped.agreement_ids(scope, {Relation.BELOW})),
                    or_(Milestone.owner_user_id == scope.user_id, among(Milestone.party_id, scope.own))))


def overdue(agreement_ids, today: date, limit: int | None = None, seen=None) -> tuple[list, int]:
    """Open milestones past their due date, oldest first, with how many there are in all (one query, only the
    columns shown: id, title, due_date, agreement_id, agreement_title, owner_user_id, party_id, owner_name);
    `seen`: only those a user sees (`seen_by`). The milestones are counted and limited first, and only those
    shown are joined to their agreement and owner: a district has hundreds overdue."""
    late = (select(Milestone.id, Milestone.title, Milestone.due_date, Milestone.agreement_id, Milestone.owner_user_id,
                   Milestone.owner_contact_id, Milestone.party_id, func.count().over().label("total"))
            .where(Milestone.status.in_(OPEN), Milestone.due_date < today))
    if seen is not None:
        late = late.where(seen)
    late = (within(late, Milestone.agreement_id, agreement_ids)
            .order_by(Milestone.due_date, Milestone.id).limit(limit).subquery())
    owner = func.coalesce(User.name, Contact.name, "").label("owner_name")
    shown = Agreement.title.label("agreement_title")
    query = (select(late.c.id, late.c.title, late.c.due_date, late.c.agreement_id, shown, late.c.owner_user_id,
                    late.c.party_id, owner, late.c.total)
             .join(Agreement, Agreement.id == late.c.agreement_id)
             .outerjoin(User, User.id == late.c.owner_user_id)
             .outerjoin(Contact, Contact.id == late.c.owner_contact_id))
    rows = db.session.execute(query.order_by(late.c.due_date, late.c.id)).all()
    return rows, rows[0].total if rows else 0


def milestone_rows(agreement_ids, window):
    """Open milestones due in the window; open ones due before it are the overdue ones (see `overdue`)."""
    query = (select(*row(on=Milestone.due_date, kind=literal("milestone"), agreement_id=Agreement.id,
                         agreement_title=Agreement.title, ref=Milestone.id, name=Milestone.title,
                         owner_user_id=Milestone.owner_user_id, owed_by=Milestone.party_id))
             .join(Agreement, Agreement.id == Milestone.agreement_id)
             .where(Milestone.status.in_(OPEN), Milestone.due_date.between(window.start, window.end)))
    return within(query, Agreement.id, agreement_ids)


def make_milestone_date(r) -> KeyDate:
    return KeyDate(r.on, "milestone", _("Milestone due: %(title)s", title=r.name), r.agreement_id, r.agreement_title,
                   f"milestone-{r.ref}", owner_user_id=r.owner_user_id, owed_by=r.owed_by)


add_source(Source(milestone_rows, make_milestone_date, frozenset({"milestone"})))


# ---- timeline templates ----------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    key: str
    label: object
    month: int
    day: int
    title: object


TEMPLATES = [
    Template("signup_month", _l("Library Card Sign-up Month (September)"), 9, 30,
             _l("Library Card Sign-up Month %(year)s: cards issued and reported")),
    Template("registration_packet", _l("Registration-packet deadline"), 8, 1,
             _l("Library card form in the %(year)s registration packet")),
    Template("expiry_rollover", _l("Account-expiry rollover"), 9, 15,
             _l("Student accounts rolled over to the next expiry date (%(year)s)")),
    Template("annual_review", _l("Annual review"), 0, 0, _l("Annual review of the partnership (%(year)s)")),
]
TEMPLATES_BY_KEY = {t.key: t for t in TEMPLATES}


def occurrences(template: Template, agreement: Agreement, today: date) -> list[date]:
    """The template's dates from today through the end of the term (or the next one for an ongoing agreement)."""
    first = max(today, agreement.effective_date or today)
    last = agreement.end_date or add_months(first, 12)
    found = []
    for year in range(first.year, last.year + 1):
        if template.key == "annual_review":
            if agreement.effective_date is None:
                on = add_months(first, 11) if year == first.year else None
            else:  # each anniversary of the effective date
                years = year - agreement.effective_date.year
                on = add_months(agreement.effective_date, 12 * years) if years > 0 else None
        else:
            on = date(year, template.month, template.day)
        if on is not None and first <= on <= last:
            found.append(on)
    return found


def apply_template(actor: audit.Actor, agreement: Agreement, key: str, today: date) -> list[Milestone]:
    """Add the template's milestones that the agreement does not have yet: applying twice adds nothing."""
    template = TEMPLATES_BY_KEY.get(key)
    if template is None:
        raise Invalid({"template": _("Choose a timeline template.")})
    have = {m.template_key for m in agreement.milestones}
    added = []
    for on in occurrences(template, agreement, today):
        template_key = f"{key}:{on.year}"
        if template_key in have:
            continue
        milestone = Milestone(agreement_id=agreement.id, title=str(template.title) % {"year": on.year},
                              due_date=on, status="planned", evidence="", template_key=template_key)
        db.session.add(milestone)
        added.append(milestone)
    if added:
        db.session.flush()
        audit.record(actor, "milestone.template_applied", "agreement", agreement.id,
                     {"template": str(template.label), "milestones": [None, ", ".join(m.title for m in added)]})
    db.session.commit()
    db.session.refresh(agreement)
    return added


# ---- communication log -----------------------------------------------------------------------

def log_communication(actor: audit.Actor, agreement: Agreement, data: dict, follow_ups: list[dict],
                      today: date) -> tuple[Communication, list[str]]:
    """A meeting, call or note; each follow-up becomes a milestone. All or nothing."""
    errors = {}
    if data.get("kind") not in COMMUNICATION_KINDS:
        errors["kind"] = _("Choose what it was.")
    if data.get("held_on") is None:
        errors["held_on"] = _("Give the date.")
    elif data["held_on"] > today:
        errors["held_on"] = _("The date cannot be in the future; plan future meetings as milestones.")
    warnings = []
    for i, follow_up in enumerate(follow_ups):
        if follow_up.get("due_date") is None:
            errors[f"follow_ups-{i}-due_date"] = _("Give the follow-up's due date.")
            continue
        follow_errors, follow_warnings = check(agreement, {**follow_up, "status": "planned"}, today)
        errors.update({f"follow_ups-{i}-{k}": v for k, v in follow_errors.items()})
        warnings += follow_warnings
    if errors:
        raise Invalid(errors)
    entry = Communication(agreement_id=agreement.id, created_by_id=actor.user_id,
                          **{f: data.get(f) or "" for f in COMMUNICATION_FIELDS})
    db.session.add(entry)
    db.session.flush()
    for follow_up in follow_ups:
        db.session.add(Milestone(agreement_id=agreement.id, communication_id=entry.id, status="planned", evidence="",
                                 title=follow_up["title"], due_date=follow_up["due_date"],
                                 party_id=follow_up.get("party_id"), owner_user_id=follow_up.get("owner_user_id")))
    audit.record(actor, "communication.logged", "agreement", agreement.id, {
        "communication": [None, f"{COMMUNICATION_KINDS[entry.kind]} {entry.held_on.isoformat()}"],
        **({"follow-ups": [None, ", ".join(f["title"] for f in follow_ups)]} if follow_ups else {}),
    })
    db.session.commit()
    return entry, warnings
