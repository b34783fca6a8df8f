"""A user's scope: the organisations they belong to, those below them and those above them.

Worked out in one round of queries the first time a worker meets a user, then kept by the worker
keyed by the user's id and access version. The version lives on the user row, which every request
reads anyway, and changes whenever the user's organisations or the organisation tree change, so a
kept copy is never stale and a signed-in request pays no query for its scope.
"""
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import g
from flask_login import current_user
from sqlalchemy import select

from tracker.auth.models import membership
from tracker.auth.permissions import ADMIN, SCHOOL_LIBRARIAN, Relation
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.orgs.tree import user_organisations, users_organisations
from tracker.scope.sql import among

KEPT = 4096  # scopes a worker keeps; the least recently used go first


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    role: str | None
    members: frozenset[int]  # the organisations the user belongs to
    own: frozenset[int] | None  # those and every organisation below them; None: everything (an admin)
    above: frozenset[int]  # every organisation above the ones they belong to
    time_zone: str | None  # their first organisation's

    @property
    def everything(self) -> bool:
        return self.own is None

    def acts_for(self, organisation_id: int | None) -> bool:
        """Is this one of the user's organisations, or below one?"""
        return self.own is None or organisation_id in self.own

    def owes(self, owner_user_id: int | None, owed_by: int | None) -> bool:
        """Is something (a milestone) the user's: do they own it, or does one of their organisations owe it?"""
        return owner_user_id == self.user_id or (owed_by is not None and self.acts_for(owed_by))

    def own_schools_only(self, relation: Relation) -> bool:
        """Does the user work only on their own organisations' students, drive rows and opt-outs here? Users below
        a party do, and school librarians everywhere; everyone else works on all of the agreement's schools."""
        return not self.everything and (relation is Relation.BELOW or self.role == SCHOOL_LIBRARIAN)

    def relation(self, organisation_ids) -> Relation:
        """How the user stands to an agreement with these parties, or to one organisation ([its id])."""
        if self.own is None:
            return Relation.PARTY
        ids = set(organisation_ids)
        if ids & self.members:
            return Relation.PARTY
        if ids & self.own:
            return Relation.ABOVE
        if ids & self.above:
            return Relation.BELOW
        return Relation.UNRELATED


NOBODY = Scope(None, None, frozenset(), frozenset(), frozenset(), None)


class _Kept:
    """The scopes this worker has worked out, by (user id, access version)."""

    def __init__(self):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key, scope: Scope) -> None:
        with self._lock:
            self._entries[key] = scope
            while len(self._entries) > KEPT:
                self._entries.popitem(last=False)


_kept = _Kept()


def _key(user) -> tuple:
    return user.id, user.access_version, user.role


def scope_of(user) -> Scope:
    """The user's scope; worked out at most once per worker and access version."""
    found = _kept.get(_key(user))
    if found is None:
        found = _work_out(user)
        _kept.put(_key(user), found)
    return found


def _made(user, organisations: tuple, zone: str | None) -> Scope:
    members, own, above = organisations
    return Scope(user.id, user.role, members, None if user.role == ADMIN else own, above, zone)


def _work_out(user) -> Scope:
    zone = db.session.scalar(select(Organisation.time_zone).join(membership, membership.c.organisation_id == Organisation.id)
                             .where(membership.c.user_id == user.id).order_by(Organisation.id).limit(1))
    return _made(user, user_organisations(user.id), zone)


def scopes_of(users) -> dict[int, Scope]:
    """Each user's scope, by id, as `scope_of` would work it out, in three queries whatever their number (a command
    going through every user); kept like those of `scope_of`."""
    wanted = {user.id: user for user in users}
    found = {i: _kept.get(_key(u)) for i, u in wanted.items()}
    missing = [i for i, scope in found.items() if scope is None]
    if not missing:
        return found
    zones = {}
    for user_id, zone in db.session.execute(
            select(membership.c.user_id, Organisation.time_zone)
            .join(Organisation, Organisation.id == membership.c.organisation_id)
            .where(among(membership.c.user_id, missing)).order_by(membership.c.user_id, Organisation.id)):
        zones.setdefault(user_id, zone)  # their first organisation's
    for user_id, organisations in users_organisations(missing).items():
        found[user_id] = _made(wanted[user_id], organisations, zones.get(user_id))
        _kept.put(_key(wanted[user_id]), found[user_id])
    return found


def current_scope() -> Scope:
    """The signed-in user's scope for this request (NOBODY for a visitor)."""
    if "scope" not in g:
        g.scope = scope_of(current_user) if current_user.is_authenticated else NOBODY
    return g.scope
