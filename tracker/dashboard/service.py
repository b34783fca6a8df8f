"""The home page after sign-in: what needs attention, scoped to the user, as a list of panels.

The seam: PANELS is a list of Panel(key, template, load); `load(view)` gets a DashboardView (the
user's organisation scope, their agreements as a SELECT of ids, today) and returns the template's
context. Nothing is kept between requests: every panel is computed from the database each time, with
a fixed number of queries whatever the amount of data (tests/test_queries.py checks the whole page at
10 and 2,000 agreements), sorting, counting and limiting in SQL and fetching only the columns it shows.
The agreements go into each panel's query as a subquery of the parties among the user's organisations,
never as a list: a district's 2,000 ids, read into Python and written into every query as a literal,
cost more Python and more PostgreSQL planning than all the panels' work.

Registered here: what the user owes, agreement counts, ending or notice due in the next 90 days,
overdue milestones, recent activity, partners to re-confirm. Other packages register theirs with
`add_panel(Panel(...), before=...)`: tracker/documents/overview.py ("pending_signatures") and
tracker/cards/overview.py ("card_drives").
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, NamedTuple

from sqlalchemy import String, cast, func, or_, select

from tracker.agreements import service as agreements
from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent
from tracker.auth.permissions import WHOLE, Relation
from tracker.calendar import key_dates
from tracker.calendar.key_dates import within
from tracker.extensions import db
from tracker.registry import Registry
from tracker.milestones.models import OPEN, Milestone
from tracker.milestones.service import overdue, seen_by
from tracker.orgs.models import Organisation
from tracker.scope import agreements as scoped
from tracker.scope.sql import among, per_row

SOON_DAYS = agreements.EXPIRING_SOON_DAYS
OWED_DAYS = 60
LIMIT = 10


@dataclass
class DashboardView:
    user: object  # the signed-in User
    scope: object  # their tracker.scope.users.Scope
    today: date
    review_after_days: int
    agreement_ids: object = None  # the agreements they see, a SELECT of ids (None: an admin's, all)
    whole_ids: object = None  # of those, the ones they see whole (not only from below a party)

    @property
    def below_ids(self):
        """The agreements they see only from below a party (a SELECT of ids; [] when nothing is above them)."""
        if self.agreement_ids is None or not self.scope.above:
            return []
        return scoped.agreement_ids(self.scope, {Relation.BELOW})


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


class Owed(NamedTuple):
    title: str
    due_date: date
    agreement_id: int
    agreement_title: str
    overdue: bool


class Stale(NamedTuple):
    id: int
    name: str
    last_confirmed: date | None


@dataclass
class Panel:
    key: str
    template: str
    load: Callable[[DashboardView], dict]


PANELS: Registry = Registry()


def add_panel(panel: Panel, before: str | None = None) -> None:
    PANELS.add(panel, before)


def overview(user, scope, today: date, review_after_days: int) -> list[tuple[Panel, dict]]:
    view = DashboardView(user, scope, today, review_after_days, scoped.agreement_ids(scope),
                         scoped.agreement_ids(scope, WHOLE))
    return [(panel, panel.load(view)) for panel in PANELS]


# ---- the panels that exist now ---------------------------------------------------------------

def counts(view: DashboardView) -> dict:
    query = within(select(Agreement.status, func.count()), Agreement.id, view.agreement_ids).group_by(Agreement.status)
    return {"counts": dict(db.session.execute(query).all())}


def ending(view: DashboardView) -> dict:
    """Agreements whose term ends or whose notice deadline falls in the next 90 days."""
    agreements = None if view.agreement_ids is None else key_dates.Parties(scoped.organisations(view.scope))
    found, total = key_dates.first_term_dates(agreements, view.today, view.today + timedelta(days=SOON_DAYS), LIMIT)
    return {"ending": found, "ending_total": total}


def late(view: DashboardView) -> dict:
    # What `seen_by` lets them see lies among their agreements: restricting to those as well would be paid twice.
    items, total = overdue(None, view.today, limit=LIMIT, seen=seen_by(view.scope))
    return {"overdue": [Late(m.title, m.due_date, m.agreement_id, m.agreement_title, m.owner_name) for m in items],
            "overdue_total": total}


def owed(view: DashboardView) -> dict:
    """What the user owes: open milestones they own or their organisations (and those below) owe, overdue or
    due in the next OWED_DAYS days."""
    organisations = view.scope.members | (view.scope.own or frozenset())
    theirs = Milestone.owner_user_id == view.user.id
    if organisations:  # without any (an admin), only their own: the owner index finds those at once
        theirs = or_(theirs, among(Milestone.party_id, organisations))
    query = (select(Milestone.title, Milestone.due_date, Milestone.agreement_id, Agreement.title)
             .join(Agreement, Agreement.id == Milestone.agreement_id)
             .where(Milestone.status.in_(OPEN), Milestone.due_date <= view.today + timedelta(days=OWED_DAYS), theirs))
    rows = db.session.execute(within(query, Milestone.agreement_id, view.agreement_ids)
                              .order_by(Milestone.due_date, Milestone.id).limit(LIMIT)).all()
    return {"owed": [Owed(*row, overdue=row.due_date < view.today) for row in rows]}


def activity(view: DashboardView) -> dict:
    """Recent changes of the agreements the user sees whole (below a party: not what happens at other schools)."""
    query = (select(AuditEvent.at, AuditEvent.actor_label, AuditEvent.action, AuditEvent.entity_id)
             .where(AuditEvent.entity_type == "agreement"))
    if view.whole_ids is not None:
        whole = view.whole_ids.subquery()
        query = query.where(per_row(AuditEvent.entity_id.in_(select(cast(whole.c.agreement_id, String)))))
    events = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(LIMIT)).all()
    ids = {int(e.entity_id) for e in events}
    titles = dict(db.session.execute(select(Agreement.id, Agreement.title).where(Agreement.id.in_(ids))).all()) if ids else {}
    return {"activity": [Activity(e.at, e.actor_label, e.action, int(e.entity_id), titles.get(int(e.entity_id), ""))
                         for e in events]}


def needs_review(view: DashboardView) -> dict:
    stale = select(Organisation).where(Organisation.needs_review(view.today, view.review_after_days))
    if not view.scope.everything:
        stale = stale.where(among(Organisation.id, view.scope.own))
    stale = stale.with_only_columns(Organisation.id, Organisation.name, Organisation.last_confirmed)
    found = db.session.execute(stale.order_by(Organisation.last_confirmed.nulls_first(), Organisation.name).limit(LIMIT))
    return {"needs_review": [Stale(*row) for row in found]}


for _panel in (
    Panel("owed", "dashboard/_owed.html", owed),
    Panel("counts", "dashboard/_counts.html", counts),
    Panel("ending", "dashboard/_ending.html", ending),
    Panel("overdue", "dashboard/_overdue.html", late),
    Panel("activity", "dashboard/_activity.html", activity),
    Panel("needs_review", "dashboard/_needs_review.html", needs_review),
):
    add_panel(_panel)
