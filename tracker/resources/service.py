"""Rules for resource shares: who gives what to whom, what it is worth, and the balance between parties."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import literal, select
from sqlalchemy.orm import selectinload

from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.calendar.key_dates import KeyDate, Source, add_source, row, within
from tracker.extensions import db
from tracker.resources.models import KINDS, PERIODS, ResourceShare
from tracker.validation import Invalid

FIELDS = ("kind", "provider_id", "recipient_id", "description", "quantity", "unit", "schedule",
          "value_cents", "period", "start_date", "end_date")


def check(agreement: Agreement, data: dict) -> dict[str, str]:
    errors = {}
    parties = {p.organisation_id for p in agreement.parties}
    for name in ("provider_id", "recipient_id"):
        if data.get(name) not in parties:
            errors[name] = _("Choose one of the agreement's parties.")
    if not errors and data["provider_id"] == data["recipient_id"]:
        errors["recipient_id"] = _("The recipient must be another party than the provider.")
    if data.get("kind") not in KINDS:
        errors["kind"] = _("Choose a kind of resource.")
    if data.get("period") not in PERIODS:
        errors["period"] = _("Choose how often the value recurs.")
    if data.get("quantity") is not None and data["quantity"] < 0:
        errors["quantity"] = _("The quantity cannot be negative.")
    if (data.get("value_cents") or 0) < 0:
        errors["value_cents"] = _("The value cannot be negative.")
    if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
        errors["end_date"] = _("The end date must not be before the start date.")
    return errors


def _label(share_data: dict) -> str:
    return f"{KINDS.get(share_data['kind'], share_data['kind'])}: {share_data.get('description') or ''}".strip(": ")


def add(actor: audit.Actor, agreement: Agreement, data: dict) -> ResourceShare:
    errors = check(agreement, data)
    if errors:
        raise Invalid(errors)
    share = ResourceShare(agreement_id=agreement.id, **{f: data.get(f) for f in FIELDS})
    share.value_cents = share.value_cents or 0
    db.session.add(share)
    db.session.flush()
    audit.record(actor, "resource.added", "agreement", agreement.id,
                 {"resource": [None, _label(data)], **audit.created({f: data.get(f) for f in FIELDS})})
    db.session.commit()
    return share


def update(actor: audit.Actor, agreement: Agreement, share: ResourceShare, data: dict) -> None:
    errors = check(agreement, data)
    if errors:
        raise Invalid(errors)
    values = {f: data.get(f) for f in FIELDS} | {"value_cents": data.get("value_cents") or 0}
    audit.populate_and_record(actor, share, values, "resource.updated", "agreement", agreement.id,
                              about={"resource": _label(data)})
    db.session.commit()


def remove(actor: audit.Actor, agreement: Agreement, share: ResourceShare) -> None:
    label = _label({f: getattr(share, f) for f in FIELDS})
    db.session.delete(share)
    audit.record(actor, "resource.removed", "agreement", agreement.id, {"resource": [label, None]})
    db.session.commit()


@dataclass
class Side:
    """One party's give and take, per year, in cents."""

    organisation_id: int
    name: str
    gives: int = 0
    receives: int = 0

    @property
    def net(self) -> int:
        return self.gives - self.receives


@dataclass
class Balance:
    sides: list[Side]
    total: int

    def percent(self, side: Side) -> int:
        return round(100 * side.gives / self.total) if self.total else 0

    @property
    def one_sided(self) -> bool:
        """One party gives four fifths or more of the value (or everything)."""
        return self.total > 0 and len(self.sides) > 1 and max(self.percent(s) for s in self.sides) >= 80


def balance(shares, organisations) -> Balance:
    """Per organisation: yearly value given and received; `organisations` are (id, name) pairs to show."""
    sides = {org_id: Side(org_id, name) for org_id, name in organisations}
    for share in shares:
        if share.provider_id in sides:
            sides[share.provider_id].gives += share.yearly_value_cents
        if share.recipient_id in sides:
            sides[share.recipient_id].receives += share.yearly_value_cents
    return Balance(list(sides.values()), sum(s.yearly_value_cents for s in shares))


def agreement_balance(agreement: Agreement) -> Balance:
    return balance(agreement.resource_shares, [(p.organisation_id, p.organisation.name) for p in agreement.parties])


def active_in(share: ResourceShare, start: date, end: date) -> bool:
    return (share.start_date is None or share.start_date <= end) and (share.end_date is None or share.end_date >= start)


def shares_of(agreement_ids, start: date | None = None, end: date | None = None) -> list[ResourceShare]:
    """Shares of these agreements (a SELECT of ids or a list), active in [start, end] when given."""
    query = within(select(ResourceShare), ResourceShare.agreement_id, agreement_ids).options(
        selectinload(ResourceShare.provider), selectinload(ResourceShare.recipient), selectinload(ResourceShare.agreement))
    shares = db.session.execute(query.order_by(ResourceShare.agreement_id, ResourceShare.id)).scalars().all()
    return [s for s in shares if start is None or active_in(s, start, end)]


def organisation_balance(shares, below: frozenset[int]) -> dict:
    """For an organisation and those below it (a district and its schools): value given to and
    received from partners outside it, per year, in cents."""
    given = defaultdict(int)
    received = defaultdict(int)
    for s in shares:
        inside_provider, inside_recipient = s.provider_id in below, s.recipient_id in below
        if inside_provider and not inside_recipient:
            given[s.recipient.name] += s.yearly_value_cents
        elif inside_recipient and not inside_provider:
            received[s.provider.name] += s.yearly_value_cents
    return {"gives": sum(given.values()), "receives": sum(received.values()),
            "given_to": dict(sorted(given.items())), "received_from": dict(sorted(received.items()))}


def resource_end_rows(agreement_ids, window):
    query = (select(*row(on=ResourceShare.end_date, kind=literal("resource"), agreement_id=Agreement.id,
                         agreement_title=Agreement.title, ref=ResourceShare.id, name=ResourceShare.description,
                         note=ResourceShare.kind))
             .join(Agreement, Agreement.id == ResourceShare.agreement_id)
             .where(ResourceShare.end_date.between(window.start, window.end)))
    return within(query, Agreement.id, agreement_ids)


def make_resource_end_date(r) -> KeyDate:
    return KeyDate(r.on, "resource", _("Resource sharing ends: %(what)s", what=r.name or KINDS.get(r.note, r.note)),
                   r.agreement_id, r.agreement_title, f"resource-{r.ref}-end")


add_source(Source(resource_end_rows, make_resource_end_date, frozenset({"resource"})))
