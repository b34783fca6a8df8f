"""What `@requires(permission, scope=...)` runs: the ids in the URL become the objects the view receives.

scope="agreement": the root is `agreement_id`, or a parameter whose object names its agreement (the
drive pages, whose URLs still stand outside /agreements/<id>). The user's relation to the agreement is
worked out from its parties' organisations (tracker/scope/agreements.py): unrelated, or no such
agreement -> 404, the same answer either way; a relation the permission does not reach -> 403. Then
every other parameter is loaded inside what it belongs to (a count inside its drive, a clause inside
its version); missing, elsewhere, or not the user's to see (another school's row or student, for a
user below a party or a school librarian) -> 404.

The view receives the agreement (or organisation) when it names it as an argument: the agreement is then
read with its parties, which give the relation. A view that does not name it (the sealed PDF's download)
pays only for a query of the parties' organisation ids; the agreement is read only if a loader needs more
than its id (loaders that need only their parent's id say so with `by_parent_id`, as `child` does).

scope="organisation": the root is `org_id`; missing -> 404; a relation the permission does not reach
(editing an organisation above or beside one's own) -> 403. An organisation otherwise unrelated that is a
party to an agreement the user sees stands as their partner (Relation.PARTNER).

Each package declares the parameters of its own URLs with `add_param` from its views module, as it
declares its sections: adding one edits nothing here. `check_routes` runs when the app is built and
refuses a route whose URL names something inside an agreement or organisation without a scope.
"""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from flask import abort, g

from tracker.auth import access as guard
from tracker.auth.permissions import WHOLE, Relation, allowed, reaches
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.scope import agreements
from tracker.scope.users import Scope, current_scope


@dataclass(frozen=True)
class Access:
    """A request's standing on one agreement (or organisation): whose scope, on what, seen how."""

    scope: Scope
    relation: Relation
    subject_id: int  # the agreement's, or the organisation's
    read: Callable[[], object] = field(repr=False, compare=False)  # reads the subject

    @cached_property
    def subject(self):
        """The Agreement (with its parties and manager) or the Organisation, read the first time it is asked for."""
        return self.read()

    @property
    def whole(self) -> bool:
        """Sees the whole agreement: an admin, a party, or above a party."""
        return self.scope.everything or self.relation in WHOLE

    @property
    def schools(self) -> frozenset[int] | None:
        """The organisations whose students, drive rows and opt-outs the user works on: None for all of
        the agreement's; otherwise their own (Scope.own_schools_only)."""
        return self.scope.own if self.scope.own_schools_only(self.relation) else None

    def concerns(self, organisation_id: int | None) -> bool:
        """Does something of this organisation concern the user (a school's rows, a party's milestone)?"""
        return self.schools is None or organisation_id in self.schools


@dataclass(frozen=True)
class Param:
    """A URL parameter naming something inside an agreement or organisation."""

    name: str  # in the URL rule: "count_id"
    key: str  # the view's argument: "count"
    parent: str  # the key of what it lives in: "agreement", "organisation", "drive", "version", ...
    load: Callable[[Access, object, int], object | None]  # (access, parent or its id, id) -> the object; None: 404
    agreement_of: Callable[[int], int | None] | None = None  # a root outside /agreements/<id>: its agreement's id


PARAMS: dict[str, Param] = {}
ROOTS = {"agreement": "agreement_id", "organisation": "org_id"}


def add_param(param: Param) -> None:
    PARAMS[param.name] = param


def current_access() -> Access:
    """The standing the scope's loader worked out for this request."""
    return g.access


def by_parent_id(load):
    """Mark a parameter's loader that needs only its parent's id: it is given the id instead of the object, so
    that an agreement is not read for it."""
    load.by_parent_id = True
    return load


def _parent(access: Access, root_key: str, loaded: dict, param: Param):
    """What a parameter's loader is given: the object it lives in, or only that object's id."""
    if getattr(param.load, "by_parent_id", False):
        return access.subject_id if param.parent == root_key else loaded[param.parent].id
    return access.subject if param.parent == root_key else loaded[param.parent]


def _inside(access: Access, root_key: str, view_args: dict, takes: frozenset[str]) -> dict:
    """The view's arguments: the root object if the view takes it, and each registered parameter loaded inside
    its parent."""
    loaded = {}
    pending = [PARAMS[name] for name in view_args if name in PARAMS]
    while pending:
        ready = [p for p in pending if p.parent == root_key or p.parent in loaded]
        if not ready:
            raise RuntimeError(f"cannot load {[p.name for p in pending]}: what they live in is not in the URL")
        for param in ready:
            found = param.load(access, _parent(access, root_key, loaded, param), view_args[param.name])
            if found is None:
                abort(404)
            loaded[param.key] = found
            pending.remove(param)
    if root_key in takes:
        loaded[root_key] = access.subject
    rest = {k: v for k, v in view_args.items() if k not in PARAMS and k != ROOTS[root_key]}
    return {**rest, **loaded}


def _admit(scope: Scope, permission: str, relation: Relation, subject_id: int, read: Callable[[], object]) -> Access:
    g.relation = relation
    if not allowed(scope.role, permission, relation):
        abort(403)
    g.access = Access(scope, relation, subject_id, read)
    return g.access


def _standing(scope: Scope, agreement_id: int | None, takes_it: bool) -> tuple[Relation, Callable[[], object]] | None:
    """How the scope stands to the agreement, and how to read it; None if there is none. Read at once, with its
    parties, when the view takes it; otherwise only its parties' organisation ids, and the agreement if asked."""
    if agreement_id is None:
        return None
    if takes_it:
        found = agreements.get(scope, agreement_id)
        return None if found is None else (found[1], lambda: found[0])
    relation = agreements.relation_to(scope, agreement_id)
    return None if relation is None else (relation, lambda: agreements.read(agreement_id))


def in_agreement(permission: str, view_args: dict, takes: frozenset[str], scope: Scope | None = None) -> dict:
    scope = current_scope() if scope is None else scope
    if "agreement_id" in view_args:
        agreement_id = view_args["agreement_id"]
    else:
        root = next(PARAMS[n] for n in view_args if n in PARAMS and PARAMS[n].agreement_of is not None)
        agreement_id = root.agreement_of(view_args[root.name])
    found = _standing(scope, agreement_id, "agreement" in takes)
    # An agreement the user does not see is "not found", exactly as one that does not exist.
    if found is None or (found[0] is Relation.UNRELATED and not scope.everything and not reaches(permission, Relation.UNRELATED)):
        abort(404)
    access = _admit(scope, permission, found[0], agreement_id, found[1])
    return _inside(access, "agreement", view_args, takes)


def in_organisation(permission: str, view_args: dict, takes: frozenset[str], scope: Scope | None = None) -> dict:
    scope = current_scope() if scope is None else scope
    organisation = db.session.get(Organisation, view_args["org_id"])
    if organisation is None:
        abort(404)
    relation = scope.relation([organisation.id])
    if relation is Relation.UNRELATED and agreements.in_partnership(scope, organisation.id):
        relation = Relation.PARTNER
    access = _admit(scope, permission, relation, organisation.id, lambda: organisation)
    return _inside(access, "organisation", view_args, takes)


guard.SCOPES.update(agreement=in_agreement, organisation=in_organisation)


def check_routes(app) -> None:
    """Refuse to build an app with a route that names something inside an agreement or organisation
    in its URL but declares no scope (or a scope its URL gives no root for)."""
    roots = set(ROOTS.values()) | {p.name for p in PARAMS.values() if p.agreement_of is not None}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        named = set(rule.arguments) & (set(PARAMS) | roots)
        scope = getattr(view, "scope", None)
        if named and scope is None:
            raise RuntimeError(f"{rule.rule} names {sorted(named)} but {rule.endpoint} declares no scope: "
                               "add scope=\"agreement\" or scope=\"organisation\" to its @requires")
        if scope is not None and not set(rule.arguments) & ({ROOTS[scope]} | (roots if scope == "agreement" else set())):
            raise RuntimeError(f"{rule.endpoint} declares scope={scope!r} but {rule.rule} names no {ROOTS[scope]}")


def child(model, parent_column: str, concerns: str | None = None):
    """A loader for a row of `model` whose `parent_column` is the parent's id (and, when `concerns`
    names an organisation column, that organisation concerns the user)."""

    @by_parent_id
    def load(access: Access, parent_id: int, value: int):
        found = db.session.get(model, value)
        if found is None or getattr(found, parent_column) != parent_id:
            return None
        if concerns is not None and not access.concerns(getattr(found, concerns)):
            return None
        return found

    return load

