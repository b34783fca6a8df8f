"""What a partner does through their link (confirm, or propose corrections) and what staff do with a proposal
(accept or reject each item). Accepted items are applied through the one audited-change helper."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import service as audit
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs import service as orgs
from tracker.orgs.models import CONTACT_ROLES, Contact, Organisation
from tracker.partners import links
from tracker.partners.models import (CONTACT, CONTACT_FIELDS, DETAIL, DETAIL_FIELDS, GONE_CONTACT, NEW_CONTACT,
                                     ProposedChange, ProposedItem, as_text, as_value, stored)
from tracker.validation import Conflict, Invalid


def send_link(actor: audit.Actor, org: Organisation, contact_id: int | None):
    """Email one of the organisation's contacts a link (links.send), committed."""
    contact = db.session.get(Contact, contact_id) if contact_id else None
    link = links.send(actor, org, contact)
    db.session.commit()
    return link


def confirm(actor: audit.Actor, token: str, today: date) -> Organisation:
    """The contact says everything is correct: the details count as confirmed today (no longer "needs review")."""
    link = links.open_link(token)
    links.spend(link)
    org = db.session.get(Organisation, link.organisation_id)
    orgs.mark_confirmed(links.actor_for(link, actor), org, today, "organisation.partner_confirmed")
    db.session.commit()
    return org


def words(item: ProposedItem, value) -> str:
    """A value of an item as a person reads it: a role by its label, a box as yes or no, a new contact as a line."""
    if isinstance(value, dict):
        parts = [value.get("name", ""), value.get("title", ""), str(CONTACT_ROLES.get(value.get("role", ""), "")),
                 value.get("email", ""), value.get("phone", ""), _("can sign agreements") if value.get("can_sign") else ""]
        return ", ".join(p for p in parts if p)
    if item.field == "can_sign":
        return _("yes") if value else _("no")
    if item.field == "role" and value in CONTACT_ROLES:
        return str(CONTACT_ROLES[value])
    return value or ""


def propose(actor: audit.Actor, token: str, details: dict, contacts: list[dict], new_contacts: list[dict]) -> ProposedChange:
    """Keep the contact's corrections as a proposal for staff; nothing of the organisation changes yet.

    `details`: the DETAIL_FIELDS; `contacts`: each {"id", "remove", and the CONTACT_FIELDS}; `new_contacts`: the
    CONTACT_FIELDS of each person to add (a blank name: nobody)."""
    link = links.open_link(token)
    org = db.session.get(Organisation, link.organisation_id)
    items = [ProposedItem(target=DETAIL, field=name, before=getattr(org, name) or "", after=details[name])
             for name in DETAIL_FIELDS if (details.get(name) or "") != (getattr(org, name) or "")]
    if "name" in details and not details["name"]:
        raise Invalid({"name": _("The organisation needs a name.")})
    current = {c.id: c for c in org.contacts}
    for row in contacts:
        contact = current.get(row.get("id"))
        if contact is None:
            continue  # removed by staff since the page was read: nothing to propose about it
        if row.get("remove"):
            items.append(ProposedItem(target=GONE_CONTACT, contact_id=contact.id, contact_name=contact.name,
                                      before=contact.name, after=""))
            continue
        items += [ProposedItem(target=CONTACT, contact_id=contact.id, contact_name=contact.name, field=name,
                               before=stored(contact, name), after=as_text(row.get(name)))
                  for name in CONTACT_FIELDS if as_text(row.get(name)) != stored(contact, name)]
    items += [ProposedItem(target=NEW_CONTACT, contact_name=new["name"], before="",
                           after={name: as_text(new.get(name)) for name in CONTACT_FIELDS})
              for new in new_contacts if new.get("name")]
    if not items:
        raise Invalid({"": _("Nothing was changed. If everything is correct, say so with “Everything is correct”.")})
    links.spend(link)
    proposal = ProposedChange(organisation_id=org.id, link_id=link.id, proposed_by=link.contact_name,
                              created_at=links.now(), items=items)
    db.session.add(proposal)
    audit.record(links.actor_for(link, actor), "organisation.partner_proposed", "organisation", org.id,
                 {item.label: [words(item, item.before) or None, words(item, item.after) or None] for item in items})
    db.session.commit()
    return proposal


def waiting(org: Organisation) -> list[ProposedChange]:
    """The organisation's proposals with items still to decide, oldest first."""
    return list(db.session.scalars(select(ProposedChange).where(ProposedChange.organisation_id == org.id,
                                                                ProposedChange.decided_at.is_(None))
                                   .order_by(ProposedChange.id)))


def decide(actor: audit.Actor, org: Organisation, proposal: ProposedChange, decisions: dict[int, bool], today: date,
           seen: dict[int, str] | None = None) -> int:
    """Accept (True) or reject (False) items of the proposal; an item left out stays waiting. When none is left
    waiting the organisation's details count as confirmed. Returns how many items were decided.

    Accepting a field that changed since the proposal was made raises Conflict (nothing decided), listing each with
    its value now, the value it was proposed from and the proposed one; `seen` (item id -> the value now, as that
    answer showed it) accepts over it knowingly, unless it changed once more."""
    if not decisions:
        raise Invalid({"": _("Choose accept or reject for at least one change.")})
    clashes = [clash for item in proposal.waiting if decisions.get(item.id)
               for clash in [_changed_since(org, item, (seen or {}).get(item.id))] if clash]
    if clashes:
        raise Conflict(clashes)
    decided = 0
    for item in proposal.waiting:
        if item.id not in decisions:
            continue
        accept = decisions[item.id]
        if accept:
            _apply(actor, org, proposal, item)
        else:
            audit.record(actor, "organisation.partner_change_rejected", "organisation", org.id,
                         {"proposed by": proposal.proposed_by,
                          item.label: [words(item, item.before) or None, words(item, item.after) or None]})
        item.accepted, item.decided_by_id, item.decided_at = accept, actor.user_id, links.now()
        decided += 1
    if not decided:
        raise Invalid({"": _("These changes were already decided; reload the page.")})
    if not proposal.waiting:
        proposal.decided_at = links.now()
        orgs.mark_confirmed(actor, org, today)
    db.session.commit()
    return decided


def _target(org: Organisation, item: ProposedItem):
    """What a field's item changes: the organisation, or its contact (None: no longer one of its contacts)."""
    if item.target == DETAIL:
        return org
    contact = db.session.get(Contact, item.contact_id) if item.contact_id else None
    return contact if contact is not None and contact.organisation_id == org.id else None


def _changed_since(org: Organisation, item: ProposedItem, seen: str | None) -> dict | None:
    """The field's change since the proposal was made (staff edited it), unless the one deciding saw it."""
    if item.target not in (DETAIL, CONTACT):
        return None
    target = _target(org, item)
    if target is None:
        return None  # a contact gone: _apply says so
    now = stored(target, item.field)
    if now == (item.before or "") or now == seen:
        return None
    return {"item": item.id, "field": item.label, "now": now, "now_words": words(item, now) or None,
            "before": words(item, item.before) or None, "after": words(item, item.after) or None}


def _apply(actor: audit.Actor, org: Organisation, proposal: ProposedChange, item: ProposedItem) -> None:
    about = {"proposed by": proposal.proposed_by}
    if item.target == DETAIL:
        audit.populate_and_record(actor, org, {item.field: item.after}, "organisation.partner_change_accepted",
                                  "organisation", org.id, [item.field], about=about, always=True)
        return
    if item.target == NEW_CONTACT:
        contact = Contact(organisation=org, **{k: as_value(k, item.after.get(k, "")) for k in CONTACT_FIELDS})
        db.session.add(contact)
        db.session.flush()
        audit.record(actor, "contact.partner_added", "organisation", org.id,
                     {**about, **audit.created(audit.values(contact, CONTACT_FIELDS))})
        return
    contact = _target(org, item)
    if contact is None:
        raise Invalid({f"item_{item.id}": _("%(name)s is no longer a contact: reject this change.", name=item.contact_name)})
    if item.target == GONE_CONTACT:
        audit.record(actor, "contact.partner_removed", "organisation", org.id, {**about, "contact": [contact.name, None]})
        db.session.delete(contact)
        return
    audit.populate_and_record(actor, contact, {item.field: as_value(item.field, item.after)},
                              "contact.partner_change_accepted", "organisation", org.id, [item.field],
                              about={**about, "contact": contact.name}, always=True)


def decider_names(proposal: ProposedChange) -> dict[int, str]:
    ids = {i.decided_by_id for i in proposal.items if i.decided_by_id}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
