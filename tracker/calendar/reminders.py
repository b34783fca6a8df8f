"""The daily reminder digest: each user's key dates in the next 30 days and their overdue milestones.

A date is sent when it crosses a threshold (30, 7, 1 days before, the day itself, overdue) and each
(user, date, threshold) only once: what was sent is recorded, so a second run the same day sends nothing.
Who hears of an agreement's dates: the active users whose organisations see the agreement, its manager,
and a milestone's owner; admins (who see everything) only of what they manage or own.
`digest_for` works one user's digest out in queries of its own: the rules, written plainly. `send_all` uses
`digests`, which works out everyone's at once in a bounded number of queries and gives the same digests
(tests/test_reminders.py holds it to `digest_for`).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, union

from tracker import clock, languages, mail, outward
from tracker.agreements.models import Agreement
from tracker.auth.models import User
from tracker.auth.permissions import ADMIN
from tracker.calendar import key_dates, service
from tracker.calendar.models import ReminderSent
from tracker.extensions import db
from tracker.milestones.models import Milestone
from tracker.milestones.service import overdue
from tracker.scope import agreements as scoped
from tracker.scope.sql import among
from tracker.scope.users import scope_of, scopes_of

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
    """One user's digest, in a few queries of its own: the rules, which `digests` follows for everyone at once."""
    wanted = {k for k, on in service.preferences(user.id).items() if on}
    ids, scope = _ids_for(user), scope_of(user)
    upcoming = key_dates.collect(ids, today, today + timedelta(days=HORIZON_DAYS), kinds=wanted, scope=scope)
    late = []
    if "milestone" in wanted and ids:
        items, _total = overdue(ids, today)
        late = key_dates.seen_by([_overdue_date(m) for m in items], scope)
    sent = set(db.session.execute(select(ReminderSent.item, ReminderSent.threshold)
                                  .where(ReminderSent.user_id == user.id)).all())
    return _digest(user, late, upcoming, sent, today)


def _overdue_date(m) -> key_dates.KeyDate:
    """An overdue milestone (a row of `overdue`) as a key date."""
    return key_dates.KeyDate(m.due_date, "milestone", _("Overdue milestone: %(title)s", title=m.title), m.agreement_id,
                             m.agreement_title, f"milestone-{m.id}", overdue=True, owner_user_id=m.owner_user_id,
                             owed_by=m.party_id)


def _digest(user: User, late: list[key_dates.KeyDate], upcoming: list[key_dates.KeyDate], sent: set, today: date) -> Digest:
    """What of these dates was not sent to the user yet at its threshold (`sent`: their (item, threshold) pairs)."""
    fresh = [(d, threshold(d.on, today)) for d in upcoming]
    return Digest(user, [d for d in late if (d.uid, "overdue") not in sent], [(d, t) for d, t in fresh if (d.uid, t) not in sent])


# ---- every user at once ------------------------------------------------------------------------

CHUNK = 5_000  # agreements per query: a few large queries, each list well within SQLite's parameter limit


def digests(users: list[User], today: date | None = None) -> list[Digest]:
    """Each user's `digest_for`, on their own day (or `today`), in a bounded number of queries whatever the number of
    users and agreements: scopes, preferences, the agreements each hears of, the parties of those and what was sent
    are read once for all; then the key dates and overdue milestones of every agreement anyone hears of, in
    batches of CHUNK (the key dates once per day and time zone among the readers); the digests are put together
    here from those rows."""
    if not users:
        return []
    scopes = scopes_of(users)
    wanted = {i: {k for k, on in chosen.items() if on} for i, chosen in service.preferences_of([u.id for u in users]).items()}
    parties = scoped.parties_of()
    follows = _followed(users, scopes, scoped.by_party(parties))
    days = {u.id: today or clock.today(scope=scopes[u.id]) for u in users}
    readers: dict[tuple, list[User]] = {}  # by day and time zone: the key dates of moments fall on the reader's day
    for u in users:
        readers.setdefault((days[u.id], clock.zone(scope=scopes[u.id])), []).append(u)
    upcoming: dict[tuple, dict[int, list]] = {}
    for (day, zone), group in readers.items():
        ids = set().union(*(follows[u.id] for u in group))
        kinds = set().union(*(wanted[u.id] for u in group))
        upcoming[day, zone] = _by_agreement(d for chunk in _chunks(ids) for d in key_dates.dated(
            chunk, day, day + timedelta(days=HORIZON_DAYS), kinds, zone))
    late = _by_agreement(m for chunk in _chunks(set().union(*follows.values()))
                         for m in overdue(chunk, max(days.values()))[0])
    late_dates = {m.id: _overdue_date(m) for rows in late.values() for m in rows}  # made once, shared by the digests
    sent: dict[int, set] = {u.id: set() for u in users}
    for user_id, item, level in db.session.execute(select(ReminderSent.user_id, ReminderSent.item, ReminderSent.threshold)
                                                   .where(among(ReminderSent.user_id, sent))):
        sent[user_id].add((item, level))

    found = []
    for u in users:
        scope, day, kinds, ids = scopes[u.id], days[u.id], wanted[u.id], sorted(follows[u.id])
        dates = upcoming[day, clock.zone(scope=scope)]
        mine = key_dates.in_order(key_dates.seen_by(
            [d for i in ids for d in dates.get(i, ()) if d.kind in kinds], scope, parties))
        overdue_here = []
        if "milestone" in kinds:
            rows = sorted((m for i in ids for m in late.get(i, ()) if m.due_date < day), key=lambda m: (m.due_date, m.id))
            overdue_here = key_dates.seen_by([late_dates[m.id] for m in rows], scope, parties)
        found.append(_digest(u, overdue_here, mine, sent[u.id], day))
    return found


def _followed(users: list[User], scopes: dict, agreements_of: dict[int, set[int]]) -> dict[int, set[int]]:
    """`_ids_for` of each user, by id (one query, for what they manage or own; the rest from their scopes)."""
    follows = {u.id: set() for u in users}
    mine = union(select(Agreement.manager_id, Agreement.id).where(among(Agreement.manager_id, follows)),
                 select(Milestone.owner_user_id, Milestone.agreement_id).where(among(Milestone.owner_user_id, follows)))
    for user_id, agreement_id in db.session.connection().execute(mine):
        follows[user_id].add(agreement_id)
    for u in users:
        if u.role != ADMIN:
            follows[u.id] |= scoped.seen_ids(scopes[u.id], agreements_of)
    return follows


def _chunks(ids: set[int]):
    ordered = sorted(ids)
    return [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def _by_agreement(items) -> dict[int, list]:
    found: dict[int, list] = {}
    for item in items:
        found.setdefault(item.agreement_id, []).append(item)
    return found


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


def subject(digest: Digest) -> str:
    return _("Partnership key dates: %(n)s to look at", n=len(digest.items))


def send_all(today: date | None = None) -> dict:
    """Send each user their digest of what is new since the last run, on their own day (or on `today` for
    everyone); record what was sent."""
    users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.id)).scalars().all()
    for user in users:  # read once: committing each digest's record must not read them again one by one
        db.session.expunge(user)
    summary = {"users": 0, "items": 0, "failed": []}
    with mail.Postbox() as post:  # one connection for every digest
        for digest in digests(users, today):
            if not digest.items:
                continue
            user = digest.user
            try:
                with languages.speaking(languages.of_user(user)):
                    message = subject(digest), render_text(digest)
                post.send(user.email, *message)
            except Exception as exc:  # one bad address or a mail outage must not stop the others; retried tomorrow
                current_app.logger.warning("reminder digest to %s failed: %s", user.email, exc)
                summary["failed"].append(user.email)
                continue
            db.session.execute(insert(ReminderSent.__table__), [{"user_id": user.id, "item": d.uid, "threshold": level,
                                                       "due_on": d.on} for d, level in digest.items])
            db.session.commit()  # recorded as soon as sent
            summary["users"] += 1
            summary["items"] += len(digest.items)
    return summary
