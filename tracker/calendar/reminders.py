"""The daily reminder digest: each user's key dates in the next 30 days and their overdue milestones.

A date is sent when it crosses a threshold (30, 7, 1 days before, the day itself, overdue) and each
(user, date, threshold) only once: what was sent is recorded, so a second run the same day sends nothing.
Who hears of an agreement's dates: the active users whose organisations see the agreement, its manager,
and a milestone's owner; admins (who see everything) only of what they manage or own.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, union

from tracker import clock, mail, outward
from tracker.agreements.models import Agreement
from tracker.auth.models import User
from tracker.auth.permissions import ADMIN
from tracker.calendar import key_dates, service
from tracker.calendar.models import ReminderSent
from tracker.extensions import db
from tracker.milestones.models import Milestone
from tracker.milestones.service import overdue
from tracker.scope import agreements as scoped
from tracker.scope.users import scope_of

HORIZON_DAYS = 30
THRESHOLDS = (0, 1, 7, 30)


def threshold(on: date, today: date) -> str:
    days = (on - today).days
    if days < 0:
        return "overdue"
    return str(next(t for t in THRESHOLDS if days <= t))


@dataclass
class Digest:
    user: User
    overdue: list[key_dates.KeyDate]
    upcoming: list[tuple[key_dates.KeyDate, str]]  # date and its threshold

    @property
    def items(self):
        return [(d, "overdue") for d in self.overdue] + self.upcoming


def _ids_for(user: User) -> list[int]:
    """The agreements whose dates the user hears of: those they manage or own a milestone of, and (but for
    admins, who see everything) those they see (from below a party, what concerns them: key_dates.seen_by).
    Read once as a list, so the key dates and overdue milestones are asked about the same ids, with statements
    built once for every user."""
    mine = [select(Agreement.id).where(Agreement.manager_id == user.id),
            select(Milestone.agreement_id).where(Milestone.owner_user_id == user.id)]
    if user.role != ADMIN:
        mine.append(scoped.agreement_ids(scope_of(user)))
    return sorted(set(db.session.connection().execute(union(*mine)).scalars()))


def digest_for(user: User, today: date) -> Digest:
    wanted = {k for k, on in service.preferences(user.id).items() if on}
    ids, scope = _ids_for(user), scope_of(user)
    upcoming = key_dates.collect(ids, today, today + timedelta(days=HORIZON_DAYS), kinds=wanted, scope=scope)
    late = []
    if "milestone" in wanted and ids:
        items, _total = overdue(ids, today)
        late = key_dates.seen_by([key_dates.KeyDate(
            m.due_date, "milestone", _("Overdue milestone: %(title)s", title=m.title), m.agreement_id, m.agreement_title,
            f"milestone-{m.id}", overdue=True, owner_user_id=m.owner_user_id, owed_by=m.party_id) for m in items], scope)
    sent = set(db.session.execute(select(ReminderSent.item, ReminderSent.threshold)
                                  .where(ReminderSent.user_id == user.id)).all())
    fresh_late = [d for d in late if (d.uid, "overdue") not in sent]
    fresh = [(d, threshold(d.on, today)) for d in upcoming]
    fresh = [(d, t) for d, t in fresh if (d.uid, t) not in sent]
    return Digest(user, fresh_late, fresh)


def render_text(digest: Digest) -> str:
    lines = [_("Hello %(name)s,", name=digest.user.name), ""]
    if digest.overdue:
        lines.append(_("Overdue:"))
        lines += [f"- {d.on.isoformat()}  {d.title} ({d.agreement_title})" for d in digest.overdue]
        lines.append("")
    if digest.upcoming:
        lines.append(_("In the next %(days)s days:", days=HORIZON_DAYS))
        lines += [f"- {d.on.isoformat()}  {d.title} ({d.agreement_title})" + (f"\n  {d.detail}" if d.detail else "")
                  for d, _t in digest.upcoming]
        lines.append("")
    agreements = sorted({(d.agreement_id, d.agreement_title) for d, _t in digest.items})
    lines.append(_("Open the agreements:"))
    lines += [f"- {title}: {outward.link('agreements.detail', agreement_id=aid)}" for aid, title in agreements]
    lines += ["", _("Choose which reminders you get on your profile: %(url)s", url=outward.link("profile.page"))]
    return "\n".join(lines) + "\n"


def send_all(today: date | None = None) -> dict:
    """Send each user their digest of what is new since the last run, on their own day (or on `today` for
    everyone); record what was sent."""
    users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.id)).scalars().all()
    summary = {"users": 0, "items": 0, "failed": []}
    for user in users:
        digest = digest_for(user, today or clock.today(user))
        if not digest.items:
            continue
        subject = _("Partnership key dates: %(n)s to look at", n=len(digest.items))
        try:
            mail.send(user.email, subject, render_text(digest))
        except Exception as exc:  # one bad address or a mail outage must not stop the others; retried tomorrow
            current_app.logger.warning("reminder digest to %s failed: %s", user.email, exc)
            summary["failed"].append(user.email)
            continue
        for d, level in digest.items:
            db.session.add(ReminderSent(user_id=user.id, item=d.uid, threshold=level, due_on=d.on))
        db.session.commit()
        summary["users"] += 1
        summary["items"] += len(digest.items)
    return summary
