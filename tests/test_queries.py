"""The agreements list costs the same number of queries for 5 rows as for 500."""
from contextlib import contextmanager

from sqlalchemy import event

from tracker.agreements.models import Agreement, Party
from tracker.extensions import db


@contextmanager
def counting(app):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_agreements(world, n):
    """Bulk rows straight into the tables (no audit needed to measure the list)."""
    for i in range(n):
        agreement = Agreement(title=f"Bulk agreement {i:03d}", kind="mou", status="active", version=1)
        agreement.parties = [Party(organisation_id=world.orgs["library"].id, role="lead"),
                             Party(organisation_id=world.orgs["south" if i % 2 else "north"].id, role="partner")]
        db.session.add(agreement)
    db.session.commit()


def queries_for_list(app, session, url):
    session.get(url)  # warm: the first request loads things once per process
    with counting(app) as statements:
        response = session.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_list_query_count_does_not_grow_with_rows(app, world, login):
    session = login(world.emails["administrator"])
    add_agreements(world, 4)  # with the world's own agreement: 5 rows this user sees
    few, html_few = queries_for_list(app, session, "/agreements")
    add_agreements(world, 495)  # 500
    many, html_many = queries_for_list(app, session, "/agreements")
    assert "5 agreements" in html_few and "500 agreements" in html_many
    assert few == many, f"{few} queries for 5 rows, {many} for 500"


def test_list_query_count_is_small(app, world, login):
    session = login(world.emails["school_librarian"])
    add_agreements(world, 50)
    count, _ = queries_for_list(app, session, "/agreements")
    assert count <= 8, count
