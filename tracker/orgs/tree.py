"""The organisation tree: what sits below some organisations, and a user's place in it (one query each)."""
from sqlalchemy import select

from tracker.auth.models import membership
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.scope.sql import among


def _tree_below(anchor) -> frozenset[int]:
    """Ids of the organisations `anchor` selects and everything below them, in one query."""
    tree = anchor.cte("tree", recursive=True)
    tree = tree.union(select(Organisation.id).where(Organisation.parent_id == tree.c.id))
    return frozenset(db.session.execute(select(tree.c.id)).scalars())


def descendants_and_self(org_ids: list[int]) -> frozenset[int]:
    """The given organisations and everything below them in the tree."""
    if not org_ids:
        return frozenset()
    return _tree_below(select(Organisation.id).where(Organisation.id.in_(org_ids)))


def user_organisations(user_id: int) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """(the organisations the user belongs to, those and everything below them, everything above them)."""
    members = select(membership.c.organisation_id.label("id")).where(membership.c.user_id == user_id)
    tree = (select(Organisation.parent_id.label("id"))
            .where(Organisation.id.in_(members), Organisation.parent_id.is_not(None)).cte("above", recursive=True))
    tree = tree.union(select(Organisation.parent_id).where(Organisation.id == tree.c.id, Organisation.parent_id.is_not(None)))
    above = frozenset(db.session.execute(select(tree.c.id)).scalars())
    return frozenset(db.session.execute(members).scalars()), _tree_below(members), above


def users_organisations(user_ids) -> dict[int, tuple[frozenset[int], frozenset[int], frozenset[int]]]:
    """`user_organisations` for many users at once (two queries whatever their number: their memberships and the
    whole tree, walked here); a user without an organisation has three empty sets."""
    members: dict[int, set[int]] = {i: set() for i in user_ids}
    for user_id, organisation_id in db.session.execute(select(membership.c.user_id, membership.c.organisation_id)
                                                       .where(among(membership.c.user_id, members))):
        members[user_id].add(organisation_id)
    parent, children = {}, {}
    for organisation_id, parent_id in db.session.execute(select(Organisation.id, Organisation.parent_id)):
        parent[organisation_id] = parent_id
        children.setdefault(parent_id, []).append(organisation_id)
    found = {}
    for user_id, mine in members.items():
        below, todo = set(mine), list(mine)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in below:
                    below.add(child)
                    todo.append(child)
        above, todo = set(), [parent.get(o) for o in mine]
        while todo:
            up = todo.pop()
            if up is not None and up not in above:
                above.add(up)
                todo.append(parent.get(up))
        found[user_id] = (frozenset(mine), frozenset(below), frozenset(above))
    return found
