"""Calendar feeds behind secret tokens, reminder preferences, and the key dates a user should hear of."""
import secrets
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event
from sqlalchemy import select

from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.auth.models import User
from tracker.auth.permissions import Relation
from tracker.calendar import key_dates
from tracker.calendar.models import CalendarFeed, ReminderSetting
from tracker.extensions import db
from tracker.scope import agreements as scoped
from tracker.scope.sql import among
from tracker.scope.users import scope_of

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 730


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


# ---- feeds -----------------------------------------------------------------------------------

def feed(user: User, agreement_id: int | None = None, create: bool = True) -> CalendarFeed | None:
    """The user's live feed (all their dates, or one agreement's), made on first use."""
    found = db.session.execute(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.agreement_id.is_(agreement_id)
                                   if agreement_id is None else CalendarFeed.agreement_id == agreement_id,
                                   CalendarFeed.revoked_at.is_(None))
    ).scalar()
    if found is None and create:
        found = CalendarFeed(user_id=user.id, agreement_id=agreement_id, token=secrets.token_urlsafe(32))
        db.session.add(found)
        db.session.flush()
        audit.record(audit.Actor(user.id, f"{user.name} <{user.email}>"), "calendar.feed_created", "user", user.id,
                     {"feed": [None, f"agreement {agreement_id}" if agreement_id else "all key dates"]})
        db.session.commit()
    return found


def revoke(actor: audit.Actor, user: User, regenerate: bool = False) -> CalendarFeed | None:
    """Revoke every live feed of the user (their own and per agreement); the old addresses answer 404."""
    live = db.session.execute(select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                                         CalendarFeed.revoked_at.is_(None))).scalars().all()
    for f in live:
        f.revoked_at = _now()
    audit.record(actor, "calendar.feed_regenerated" if regenerate else "calendar.feed_revoked", "user", user.id,
                 {"feeds revoked": len(live)})
    db.session.commit()
    return feed(user) if regenerate else None


def by_token(token: str) -> CalendarFeed | None:
    """A live feed whose owner is still active and (for an agreement feed) still sees the agreement."""
    if not token or len(token) > 64:
        return None
    found = db.session.execute(select(CalendarFeed).where(CalendarFeed.token == token,
                                                          CalendarFeed.revoked_at.is_(None))).scalar()
    if found is None or not found.user.active:
        return None
    if found.agreement_id is not None and \
            scoped.relations(scope_of(found.user), [found.agreement_id])[found.agreement_id] is Relation.UNRELATED:
        return None
    return found


def feed_dates(found: CalendarFeed, today: date) -> tuple[str, list[key_dates.KeyDate]]:
    scope = scope_of(found.user)
    if found.agreement_id is None:
        ids, name = scoped.agreement_ids(scope), f"{found.user.name}: key dates"
    else:
        ids, name = [found.agreement_id], db.session.get(Agreement, found.agreement_id).title
    dates = key_dates.collect(ids, today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS), scope=scope)
    return name, dates


def ics(name: str, dates: list[key_dates.KeyDate], agreement_url, host: str) -> bytes:
    """RFC 5545: an all-day event per key date, its UID stable across runs so calendar apps update it.
    `agreement_url(agreement_id)` is the address of an agreement's page; `host` the deployment's stable domain."""
    cal = Calendar()
    cal.add("prodid", "-//Library Partnership Tracker//key dates//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    for d in dates:
        event = Event()
        event.add("uid", f"{d.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", d.on)
        event.add("dtend", d.on + timedelta(days=1))
        event.add("summary", str(d.title))
        event.add("description", "\n".join(filter(None, [d.agreement_title, str(d.detail)])))
        event.add("categories", [d.kind_label])
        event.add("url", agreement_url(d.agreement_id))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


# ---- reminder preferences --------------------------------------------------------------------

def preferences(user_id: int) -> dict[str, bool]:
    """Per kind of key date: does the user want reminders (yes unless they switched it off)?"""
    return preferences_of([user_id])[user_id]


def preferences_of(user_ids) -> dict[int, dict[str, bool]]:
    """`preferences` of each of these users, by id (one query)."""
    chosen: dict[int, dict[str, bool]] = {i: {} for i in user_ids}
    for user_id, kind, enabled in db.session.execute(select(ReminderSetting.user_id, ReminderSetting.kind,
                                                            ReminderSetting.enabled)
                                                     .where(among(ReminderSetting.user_id, chosen))):
        chosen[user_id][kind] = enabled
    return {i: {kind: mine.get(kind, True) for kind in key_dates.KINDS} for i, mine in chosen.items()}


def set_preferences(actor: audit.Actor, user_id: int, enabled: set[str]) -> dict:
    chosen = preferences(user_id)
    changes = audit.populate_and_record(actor, chosen, {k: k in enabled for k in key_dates.KINDS},
                                        "reminders.preferences_changed", "user", user_id)
    existing = {s.kind: s for s in db.session.execute(select(ReminderSetting).where(ReminderSetting.user_id == user_id)).scalars()}
    for kind, on in chosen.items():
        row = existing.get(kind) or ReminderSetting(user_id=user_id, kind=kind)
        row.enabled = on
        db.session.add(row)
    db.session.commit()
    return changes
