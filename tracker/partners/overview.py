"""The dashboard's panel of partner corrections waiting for staff, for the organisations whose corrections the user
may decide (theirs, and those in partnership with them)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tracker.agreements.models import Party
from tracker.auth.permissions import allowed
from tracker.dashboard.service import DashboardView, Panel, add_panel
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.partners.models import ProposedChange
from tracker.scope import agreements
from tracker.scope.sql import among

LIMIT = 10


@dataclass(frozen=True)
class Waiting:
    id: int  # the organisation's
    name: str
    proposals: int
    since: datetime


def corrections(view: DashboardView) -> dict:
    if not allowed(view.user.role, "org.request_review"):
        return {"corrections": []}
    query = (select(Organisation.id, Organisation.name, func.count(ProposedChange.id), func.min(ProposedChange.created_at))
             .join(ProposedChange, ProposedChange.organisation_id == Organisation.id)
             .where(ProposedChange.decided_at.is_(None)))
    if not view.scope.everything:  # their organisations, and those in partnership with them (org.request_review)
        partners = select(Party.organisation_id).where(Party.agreement_id.in_(agreements.agreement_ids(view.scope)))
        query = query.where(among(Organisation.id, view.scope.own) | Organisation.id.in_(partners))
    rows = db.session.execute(query.group_by(Organisation.id, Organisation.name)
                              .order_by(func.min(ProposedChange.created_at)).limit(LIMIT)).all()
    return {"corrections": [Waiting(*row) for row in rows]}


add_panel(Panel("partner_corrections", "partners/_dashboard.html", corrections), before="needs_review")
