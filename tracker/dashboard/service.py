"""The home page after sign-in: what needs attention, scoped to the user, as a list of panels.

The seam: PANELS is a list of Panel(key, template, load); `load(view)` gets a DashboardView (the
user's organisation scope, the ids of their agreements, today) and returns the template's context.
The rendered panels are kept per user in a small per-worker cache (DASHBOARD_CACHE_SIZE) until the
next audited change anywhere (every change goes through a service that writes the audit log, so
the audit chain's head is the version of the data) or the next day: a panel must show only data
that changes through audited services. Every panel costs a fixed number of queries whatever the
amount of data (tests/test_queries.py checks the whole page).

Registered here: agreement counts, ending or notice due in the next 90 days, overdue milestones,
recent activity, partners to re-confirm. Other packages register theirs with
`add_panel(Panel(...), before=...)`: tracker/documents/overview.py ("pending_signatures") and
tracker/cards/overview.py ("card_drives").
"""
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, NamedTuple

from sqlalchemy import func, select

from tracker.agreements import service as agreements
from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent, AuditHead
from tracker.calendar import key_dates
from tracker.calendar.key_dates import within
from tracker.extensions import db
from tracker.milestones.service import overdue
from tracker.orgs.models import Organisation
from tracker.scope import among, visible_agreement_ids

SOON_DAYS = agreements.EXPIRING_SOON_DAYS
LIMIT = 10


@dataclass
class DashboardView:
    user: object  # the signed-in User
    scope: frozenset[int] | None
    today: date
    review_after_days: int
    agreement_ids: list[int] | None = None  # the user's agreements, fetched once (None: an admin's, all)


class Late(NamedTuple):
    title: str
    due_date: date
    agreement_id: int
    agreement_title: str
    owner_name: str


class Activity(NamedTuple):
    at: datetime
    actor_label: str
    action: str
    agreement_id: int
    agreement_title: str


class Stale(NamedTuple):
    id: int
    name: str
    last_confirmed: date | None


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


def overview(user, scope: frozenset[int] | None, today: date, review_after_days: int) -> list[tuple[Panel, dict]]:
    view = DashboardView(user, scope, today, review_after_days, visible_agreement_ids(scope))
    return [(panel, panel.load(view)) for panel in PANELS]


def data_version() -> str | None:
    """Changes with every audited change anywhere: the head of the audit chain (one primary-key read)."""
    return db.session.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar()


class PanelCache:
    """The rendered panels per user, kept in this worker until the data version or the day changes."""

    def __init__(self):
        self._entries: OrderedDict = OrderedDict()

    def get(self, key):
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        return None

    def put(self, key, value, size: int) -> None:
        self._entries[key] = value
        while len(self._entries) > size:
            self._entries.popitem(last=False)


CACHE = PanelCache()


# ---- the panels that exist now ---------------------------------------------------------------

def counts(view: DashboardView) -> dict:
    query = within(select(Agreement.status, func.count()), Agreement.id, view.agreement_ids).group_by(Agreement.status)
    return {"counts": dict(db.session.execute(query).all())}


def ending(view: DashboardView) -> dict:
    """Agreements whose term ends or whose notice deadline falls in the next 90 days."""
    found = key_dates.agreement_term_source(view.agreement_ids, view.today, view.today + timedelta(days=SOON_DAYS),
                                            windows=False)
    found = sorted(found, key=lambda d: (d.on, d.agreement_title))
    return {"ending": found[:LIMIT], "ending_total": len(found)}


def late(view: DashboardView) -> dict:
    items, total = overdue(view.agreement_ids, view.today, limit=LIMIT)
    return {"overdue": [Late(m.title, m.due_date, m.agreement_id, m.agreement.title, m.owner_name) for m in items],
            "overdue_total": total}


def activity(view: DashboardView) -> dict:
    query = select(AuditEvent).where(AuditEvent.entity_type == "agreement")
    if view.scope is not None:
        query = query.where(among(AuditEvent.entity_id, view.agreement_ids, as_text=True))
    events = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(LIMIT)).scalars().all()
    ids = {int(e.entity_id) for e in events}
    titles = dict(db.session.execute(select(Agreement.id, Agreement.title).where(Agreement.id.in_(ids))).all()) if ids else {}
    return {"activity": [Activity(e.at, e.actor_label, e.action, int(e.entity_id), titles.get(int(e.entity_id), ""))
                         for e in events]}


def needs_review(view: DashboardView) -> dict:
    stale = select(Organisation).where(Organisation.needs_review(view.today, view.review_after_days))
    if view.scope is not None:
        stale = stale.where(among(Organisation.id, view.scope))
    stale = stale.with_only_columns(Organisation.id, Organisation.name, Organisation.last_confirmed)
    found = db.session.execute(stale.order_by(Organisation.last_confirmed.nulls_first(), Organisation.name).limit(LIMIT))
    return {"needs_review": [Stale(*row) for row in found]}


for _panel in (
    Panel("counts", "dashboard/_counts.html", counts),
    Panel("ending", "dashboard/_ending.html", ending),
    Panel("overdue", "dashboard/_overdue.html", late),
    Panel("activity", "dashboard/_activity.html", activity),
    Panel("needs_review", "dashboard/_needs_review.html", needs_review),
):
    add_panel(_panel)
