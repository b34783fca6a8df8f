"""Which agreements a user sees, and how: the one answer every list, page, panel, feed and report uses.

A user sees an agreement when one of its parties is one of their organisations, sits below one
(the user is above a party) or sits above one (the user is below a party). The first two see the
whole agreement; the last sees what concerns their own organisation (permissions.Relation).
"""
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from tracker.agreements.models import Agreement, Party
from tracker.agreements.service import WITH_PARTIES
from tracker.auth.permissions import ALSO_BELOW, WHOLE, Relation
from tracker.extensions import db
from tracker.scope.sql import among
from tracker.scope.users import Scope


def organisations(scope: Scope, relations=ALSO_BELOW) -> frozenset[int]:
    """The organisations whose being a party puts an agreement within these relations (all of them but BELOW alone,
    which leaves out those the scope is also a party to or above)."""
    found = frozenset()
    if set(relations) & WHOLE:
        found |= scope.own
    if Relation.BELOW in relations:
        found |= scope.above
    return found


def agreement_ids(scope: Scope, relations=ALSO_BELOW):
    """The agreements the scope sees with one of `relations`, as a SELECT of ids; None: every agreement.

    With only BELOW, the agreements seen from below and not also as a party or from above."""
    if scope.everything:
        return None
    query = select(Party.agreement_id).where(among(Party.organisation_id, organisations(scope, relations)))
    if set(relations) == {Relation.BELOW}:
        query = query.except_(select(Party.agreement_id).where(among(Party.organisation_id, scope.own)))
    return query


def visible(query, scope: Scope, relations=ALSO_BELOW):
    """Restrict a query over Agreement to the agreements the scope sees."""
    ids = agreement_ids(scope, relations)
    return query if ids is None else query.where(Agreement.id.in_(ids))


def read(agreement_id: int) -> Agreement | None:
    """The agreement with its parties and manager, as the pages inside it show them."""
    return db.session.execute(select(Agreement).where(Agreement.id == agreement_id)
                              .options(WITH_PARTIES, joinedload(Agreement.manager))).scalar()


def get(scope: Scope, agreement_id: int) -> tuple[Agreement, Relation] | None:
    """The agreement with its parties, and how the scope stands to it (UNRELATED included: only what a
    permission lets anyone reach, such as a signature, may use it); None if there is none."""
    agreement = read(agreement_id)
    if agreement is None:
        return None
    return agreement, scope.relation(p.organisation_id for p in agreement.parties)


# An agreement's id and its parties' organisation ids (built once: every sealed PDF's download runs it).
PARTIES_OF = (select(Agreement.id, Party.organisation_id).outerjoin(Party, Party.agreement_id == Agreement.id)
              .where(Agreement.id == bindparam("agreement_id")))


def relation_to(scope: Scope, agreement_id: int) -> Relation | None:
    """How the scope stands to the agreement, as `get` says, from its parties' organisation ids alone (one small
    query, no objects): for requests that need the relation, not the agreement. None if there is none."""
    rows = db.session.connection().execute(PARTIES_OF, {"agreement_id": agreement_id}).all()
    if not rows:
        return None
    return scope.relation(organisation_id for _id, organisation_id in rows if organisation_id is not None)


def parties_of(agreement_ids=None) -> dict[int, set[int]]:
    """The party organisations of each of these agreements (of every agreement, without), in one query."""
    query = select(Party.agreement_id, Party.organisation_id)
    if agreement_ids is not None:
        query = query.where(among(Party.agreement_id, agreement_ids))
    parties: dict[int, set[int]] = {}
    for agreement_id, organisation_id in db.session.execute(query):
        parties.setdefault(agreement_id, set()).add(organisation_id)
    return parties


def by_party(parties: dict[int, set[int]]) -> dict[int, set[int]]:
    """The agreements each organisation is party to, from `parties_of`."""
    found: dict[int, set[int]] = {}
    for agreement_id, organisation_ids in parties.items():
        for organisation_id in organisation_ids:
            found.setdefault(organisation_id, set()).add(agreement_id)
    return found


def seen_ids(scope: Scope, agreements_of: dict[int, set[int]]) -> set[int] | None:
    """The agreements the scope sees (`agreement_ids`' rows), from `by_party` instead of a query: for going through many
    users at once; None: every agreement."""
    if scope.everything:
        return None
    return set().union(*(agreements_of.get(o, ()) for o in organisations(scope, ALSO_BELOW)))


def relations(scope: Scope, agreement_ids, parties: dict[int, set[int]] | None = None) -> dict[int, Relation]:
    """How the scope stands to each of these agreements (one query, none when given their `parties_of`)."""
    ids = set(agreement_ids)
    if not ids:
        return {}
    if parties is None:
        parties = parties_of(ids)
    return {i: scope.relation(parties.get(i, ())) for i in ids}


def in_partnership(scope: Scope, organisation_id: int) -> bool:
    """Is the organisation a party to an agreement the scope sees (a library's partner school, for its staff)?"""
    ids = agreement_ids(scope)
    if ids is None:
        return True
    return db.session.scalar(select(Party.id).where(Party.organisation_id == organisation_id,
                                                    Party.agreement_id.in_(ids)).limit(1)) is not None
