"""The home page after sign-in: what needs attention, scoped to the user, as a list of panels.

The seam: PANELS is a list of Panel(key, template, load); `load(view)` gets a DashboardView (the
user's organisation scope, a SELECT of their agreement ids, today) and returns the template's
context. Every panel costs a fixed number of queries whatever the amount of data (tests/test_queries.py
checks the whole page). Registered here: agreement counts, key dates in the next 90 days, overdue
milestones, recent activity, partners to re-confirm. Still to be registered by their own packages
with `add_panel(...)` when they land:

- "pending_signatures": versions waiting for the user's signature (sign-off package);
- "card_drives": card-drive progress per school against target (card-drive package).
"""
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import String, cast, func, select

from tracker.agreements import service as agreements
from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent
from tracker.calendar import key_dates
from tracker.calendar.service import agreement_ids
from tracker.extensions import db
from tracker.milestones.service import overdue
from tracker.orgs.models import Organisation

SOON_DAYS = agreements.EXPIRING_SOON_DAYS
TERM_KINDS = {"end_of_term", "renewal_notice", "termination_notice"}
LIMIT = 10


@dataclass
class DashboardView:
    scope: frozenset[int] | None
    today: date
    review_after_days: int

    @property
    def agreement_ids(self):
        return agreement_ids(self.scope)


@dataclass
class Panel:
    key: str
    template: str
    load: Callable[[DashboardView], dict]


PANELS: list[Panel] = []


def add_panel(panel: Panel, before: str | None = None) -> None:
    if any(p.key == panel.key for p in PANELS):
        return
    keys = [p.key for p in PANELS]
    PANELS.insert(keys.index(before) if before in keys else len(PANELS), panel)


def overview(scope: frozenset[int] | None, today: date, review_after_days: int) -> list[tuple[Panel, dict]]:
    view = DashboardView(scope, today, review_after_days)
    return [(panel, panel.load(view)) for panel in PANELS]


# ---- the panels that exist now ---------------------------------------------------------------

def counts(view: DashboardView) -> dict:
    query = agreements.visible(select(Agreement.status, func.count()), view.scope).group_by(Agreement.status)
    return {"counts": dict(db.session.execute(query).all())}


def ending(view: DashboardView) -> dict:
    """Agreements whose term ends or whose notice deadline falls in the next 90 days."""
    found = key_dates.agreement_term_source(view.agreement_ids, view.today, view.today + timedelta(days=SOON_DAYS))
    found = sorted((d for d in found if d.kind in TERM_KINDS), key=lambda d: (d.on, d.agreement_title))
    return {"ending": found[:LIMIT], "ending_total": len(found)}


def late(view: DashboardView) -> dict:
    items, total = overdue(view.agreement_ids, view.today, limit=LIMIT)
    return {"overdue": items, "overdue_total": total}


def activity(view: DashboardView) -> dict:
    query = select(AuditEvent).where(AuditEvent.entity_type == "agreement")
    if view.scope is not None:
        query = query.where(AuditEvent.entity_id.in_(
            agreements.visible(select(cast(Agreement.id, String)), view.scope).scalar_subquery()))
    events = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(LIMIT)).scalars().all()
    ids = {int(e.entity_id) for e in events}
    titles = dict(db.session.execute(select(Agreement.id, Agreement.title).where(Agreement.id.in_(ids))).all()) if ids else {}
    return {"activity": [(e, int(e.entity_id), titles.get(int(e.entity_id), "")) for e in events]}


def needs_review(view: DashboardView) -> dict:
    stale = select(Organisation).where(Organisation.needs_review(view.today, view.review_after_days))
    if view.scope is not None:
        stale = stale.where(Organisation.id.in_(view.scope))
    found = db.session.execute(stale.order_by(Organisation.last_confirmed.nulls_first(), Organisation.name).limit(LIMIT))
    return {"needs_review": found.scalars().all()}


for _panel in (
    Panel("counts", "dashboard/_counts.html", counts),
    Panel("ending", "dashboard/_ending.html", ending),
    Panel("overdue", "dashboard/_overdue.html", late),
    Panel("activity", "dashboard/_activity.html", activity),
    Panel("needs_review", "dashboard/_needs_review.html", needs_review),
):
    add_panel(_panel)
