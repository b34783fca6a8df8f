"""Each person's own day. Dates are stored as dates and times in UTC; "today" and "now" are the user's: in the time
zone of their first organisation, else DEFAULT_TIME_ZONE, never the server's. Outside a request (commands, jobs)
it is DEFAULT_TIME_ZONE's day unless a user is named (a reminder digest is sent on its reader's day)."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, has_request_context

from tracker.scope.users import current_scope, scope_of


def zone_name(user=None, scope=None) -> str:
    """The IANA name of the user's time zone (the signed-in user's, without one; in a command, the default). A
    user's `scope` (tracker.scope.users) says it as well as the user."""
    if scope is None and user is not None:
        scope = scope_of(user)
    if scope is None and has_request_context():
        scope = current_scope()
    chosen = scope.time_zone if scope is not None else None
    return chosen if is_zone(chosen) else current_app.config["DEFAULT_TIME_ZONE"]


def zone(user=None, scope=None) -> ZoneInfo:
    return ZoneInfo(zone_name(user, scope))


def now(user=None, scope=None) -> datetime:
    """The moment, as a clock on the user's wall shows it (aware)."""
    return datetime.now(timezone.utc).astimezone(zone(user, scope))


def today(user=None, scope=None) -> date:
    return now(user, scope).date()


def zone_of(organisation) -> ZoneInfo:
    """The organisation's own time zone (the default zone when it names none we know)."""
    name = organisation.time_zone if is_zone(organisation.time_zone) else current_app.config["DEFAULT_TIME_ZONE"]
    return ZoneInfo(name)


def today_of(organisation) -> date:
    """The organisation's date, in its own time zone."""
    return datetime.now(timezone.utc).astimezone(zone_of(organisation)).date()


def local(value: datetime, user=None, scope=None, organisation=None) -> datetime:
    """A stored time (naive UTC) in the user's zone, or the organisation's when one is given (a page for someone
    without an account); aware, so it can say its abbreviation."""
    in_zone = zone_of(organisation) if organisation is not None else zone(user, scope)
    return value.replace(tzinfo=timezone.utc).astimezone(in_zone)


def stored(day: date, at: time, in_zone: ZoneInfo) -> datetime:
    """The moment `at` on `day` on a wall clock in `in_zone`, as times are stored (naive UTC)."""
    return datetime.combine(day, at, tzinfo=in_zone).astimezone(timezone.utc).replace(tzinfo=None)


def is_zone(name: str | None) -> bool:
    """Is this an IANA time-zone name (America/Los_Angeles, UTC), as the zone database knows it?"""
    if not name or name not in _known():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_zones: frozenset[str] | None = None


def _known() -> frozenset[str]:
    global _zones
    if _zones is None:
        _zones = frozenset(available_timezones())
    return _zones
