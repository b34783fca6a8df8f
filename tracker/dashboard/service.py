from datetime import date

from sqlalchemy import func, select

from tracker.agreements import service as agreements
from tracker.agreements.models import Agreement
from tracker.extensions import db
from tracker.orgs.models import Organisation


def overview(scope: frozenset[int] | None, today: date, review_after_days: int) -> dict:
    ending = db.session.execute(
        agreements.search(scope, today, expiring_within=agreements.EXPIRING_SOON_DAYS, sort="end", direction="asc").limit(10)
    ).scalars().all()
    counts = dict(
        db.session.execute(
            agreements.visible(select(Agreement.status, func.count()), scope).group_by(Agreement.status)
        ).all()
    )
    stale = select(Organisation).where(Organisation.needs_review(today, review_after_days))
    if scope is not None:
        stale = stale.where(Organisation.id.in_(scope))
    needs_review = db.session.execute(stale.order_by(Organisation.last_confirmed.nulls_first(), Organisation.name).limit(10)).scalars().all()
    return {"ending": ending, "counts": counts, "needs_review": needs_review}
