"""The one answer to "which agreements may this user see, and how", and what a signed-in request costs.

The app works a user's scope out once per worker and access version, then answers with constant id
arrays (tracker/scope/). These tests hold it against the plain definition written straight in SQL from
the membership and organisation tables, for every demo user, on whichever database the suite runs on.
"""
from datetime import date

import pytest
from sqlalchemy import text

from tests.test_queries import counting
from tests.world import SETUP, agreement, org
from tracker import clock
from tracker.agreements.models import Agreement
from tracker.auth import accounts
from tracker.auth.models import User
from tracker.auth.permissions import WHOLE, Relation
from tracker.demo import data as demo
from tracker.extensions import db
from tracker.scope import agreements as scoped
from tracker.scope.users import _work_out, scope_of, scopes_of

PLAIN = """
WITH RECURSIVE own(id) AS (
    SELECT organisation_id FROM membership WHERE user_id = :user
    UNION SELECT o.id FROM organisation o JOIN own ON o.parent_id = own.id
), above(id) AS (
    SELECT o.parent_id FROM organisation o JOIN membership m ON m.organisation_id = o.id
    WHERE m.user_id = :user AND o.parent_id IS NOT NULL
    UNION SELECT o.parent_id FROM organisation o JOIN above ON o.id = above.id WHERE o.parent_id IS NOT NULL
)
SELECT p.agreement_id,
       MAX(CASE WHEN p.organisation_id IN (SELECT organisation_id FROM membership WHERE user_id = :user) THEN 3
                WHEN p.organisation_id IN (SELECT id FROM own) THEN 2
                WHEN p.organisation_id IN (SELECT id FROM above) THEN 1 ELSE 0 END) AS closest
FROM party p GROUP BY p.agreement_id
"""
RELATION_OF = {3: Relation.PARTY, 2: Relation.ABOVE, 1: Relation.BELOW}


def plain(user: User) -> dict[int, Relation]:
    """Each agreement the user sees, and how: the definition, in SQL alone."""
    rows = db.session.execute(text(PLAIN), {"user": user.id}).all()
    return {agreement: RELATION_OF[closest] for agreement, closest in rows if closest}


@pytest.fixture
def demo_world(app):
    demo.seed("a password for the demo", clock.today())
    db.session.commit()
    return {u.email: u for u in db.session.scalars(db.select(User))}


def seen_by_query(scope, relations=scoped.ALSO_BELOW) -> set[int] | None:
    """The agreements the scope sees, as the query `scope.agreements.agreement_ids` finds them."""
    ids = scoped.agreement_ids(scope, relations)
    return None if ids is None else set(db.session.execute(ids).scalars())


def test_fast_and_plain_scopes_agree_for_every_demo_user(demo_world):
    assert len(demo_world) == 6
    for email, user in demo_world.items():
        scope = scope_of(user)
        if scope.everything:
            assert scoped.agreement_ids(scope) is None
            continue
        expected = plain(user)
        assert set(seen_by_query(scope)) == set(expected), email
        assert set(seen_by_query(scope, WHOLE)) == {a for a, r in expected.items() if r is not Relation.BELOW}, email
        assert set(seen_by_query(scope, {Relation.BELOW})) == {a for a, r in expected.items() if r is Relation.BELOW}, email
        assert scoped.relations(scope, expected) == expected, email


def test_scopes_worked_out_together_equal_those_worked_out_one_by_one(demo_world):
    """A command going through every user (the reminders) works their scopes out in three queries: the same ones."""
    users = list(demo_world.values())
    together = scopes_of(users)
    parties = scoped.parties_of()
    agreements_of = scoped.by_party(parties)
    for user in users:
        alone = _work_out(user)
        assert together[user.id] == alone, user.email
        seen = scoped.seen_ids(alone, agreements_of)
        assert seen == (None if alone.everything else set(seen_by_query(alone))), user.email
        assert scoped.relations(alone, parties, parties) == scoped.relations(alone, parties), user.email


def test_the_librarian_sees_the_district_mou_from_below(demo_world):
    librarian = demo_world["librarian@demo.test"]
    seen = scoped.relations(scope_of(librarian), seen_by_query(scope_of(librarian)))
    titles = {db.session.get(Agreement, i).title: r for i, r in seen.items()}
    assert titles == {"Lincoln Elementary Class Visits": Relation.PARTY,
                      "Student Library Card Partnership MOU": Relation.BELOW,
                      "Student Data-Sharing Agreement": Relation.BELOW}


def test_a_kept_scope_is_never_stale(world):
    """Kept per worker by access version: a change of membership or of the tree is seen at once."""
    viewer = db.session.scalar(db.select(User).where(User.email == world.emails["viewer"]))
    own, other = world.agreements["own"].id, world.agreements["other"].id
    assert set(seen_by_query(scope_of(viewer))) == {own}
    admin = db.session.scalar(db.select(User).where(User.email == world.emails["admin"]))
    accounts.update_account(SETUP, viewer, {
        "name": viewer.name, "email": viewer.email, "role": viewer.role, "active": True,
        "organisation_ids": [world.orgs["other_district"].id]}, by=admin)
    db.session.commit()
    assert set(seen_by_query(scope_of(viewer))) == {other}

    # A new school under the district she works for now, party to a new agreement: seen at once.
    school = org("Hill North School", "school", world.orgs["other_district"])
    new = agreement("Hill North Card MOU", [world.orgs["other_library"], school])
    db.session.refresh(viewer)
    assert set(seen_by_query(scope_of(viewer))) == {other, new.id}


def test_a_signed_in_page_costs_one_query_for_the_user_and_none_for_the_scope(app, world, login):
    session = login(world.emails["administrator"])
    session.get("/agreements")  # the worker works the scope out once
    with counting(app) as statements:
        assert session.get("/agreements").status_code == 200
    user_reads = [s for s in statements if 'FROM "user"' in s or "FROM user" in s]
    scope_reads = [s for s in statements if "membership" in s or "RECURSIVE" in s.upper()]
    assert len(user_reads) == 1, user_reads
    assert not scope_reads, scope_reads
