"""The agreements list costs the same number of queries for 5 rows as for 500."""
from contextlib import contextmanager

from sqlalchemy import event

from tracker import clock
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


def add_partnership_rows(world, n):
    """Agreements ending soon with overdue milestones and resource shares, straight into the tables."""
    from datetime import timedelta

    from tracker.milestones.models import Milestone
    from tracker.resources.models import ResourceShare

    today = clock.today()  # the app's day (DEFAULT_TIME_ZONE), which says what is overdue
    for i in range(n):
        agreement = Agreement(title=f"Dashboard agreement {i:03d}", kind="mou", status="active", version=1,
                              end_date=today + timedelta(days=10 + i % 80), notice_days=30, renewal="automatic",
                              renewal_months=12, modification_window_start=1 + i % 12, modification_window_end=1 + i % 12)
        agreement.parties = [Party(organisation_id=world.orgs["library"].id, role="lead"),
                             Party(organisation_id=world.orgs["south" if i % 2 else "north"].id, role="partner")]
        db.session.add(agreement)
        db.session.flush()
        db.session.add_all([
            Milestone(agreement_id=agreement.id, title=f"Late {i}", due_date=today - timedelta(days=1 + i % 30)),
            ResourceShare(agreement_id=agreement.id, kind="ebooks", provider_id=world.orgs["library"].id,
                          recipient_id=world.orgs["north"].id, value_cents=100, period="year"),
        ])
    db.session.commit()


def test_dashboard_query_count_does_not_grow_with_data(app, world, login):
    session = login(world.emails["viewer"])  # at the district: scoped
    add_partnership_rows(world, 10)
    few, html_few = queries_for_list(app, session, "/")
    add_partnership_rows(world, 1_990)
    many, html_many = queries_for_list(app, session, "/")
    assert "Late 0" in html_few and "and 1990 more" in html_many  # 2,000 overdue, 10 shown
    assert few == many, f"{few} queries with 10 agreements, {many} with 2,000"
    admin = login(world.emails["admin"])
    # two more for the admin: approvals and partner corrections waiting (a viewer may do neither, so is not asked)
    assert queries_for_list(app, admin, "/")[0] <= many + 2


def add_drives(world, n, start=0):
    """Drives with one count row each on the world's own agreement (bulk rows: no audit needed to measure the list)."""
    from datetime import date, timedelta

    from tracker.cards.models import CardDrive, DriveCount

    for i in range(start, start + n):
        drive = CardDrive(agreement_id=world.agreements["own"].id, name=f"Drive {i:03d}", status="collecting",
                          starts_on=date(2020, 1, 1) + timedelta(days=i), ends_on=date(2030, 1, 1), grades=["04"])
        drive.counts = [DriveCount(school_id=world.orgs["north"].id, grade="04", enrolment=100, issued=i % 100)]
        db.session.add(drive)
    db.session.commit()


def test_the_drives_list_pages_and_costs_the_same_for_3_drives_as_for_60(app, world, login):
    """A statewide admin sees thousands of drives: the list is a page of them (the newest first, each with its
    totals), in the same number of queries whatever their number."""
    session = login(world.emails["admin"])
    add_drives(world, 3)
    few, html_few = queries_for_list(app, session, "/drives")
    add_drives(world, 57, start=3)
    many, html_many = queries_for_list(app, session, "/drives")
    assert few == many, f"{few} queries for 3 drives, {many} for 60"
    assert "Drive 002" in html_few and 'rel="next"' not in html_few
    assert "Drive 059" in html_many and "Drive 035" in html_many and "Drive 034" not in html_many  # 25 a page
    assert "Page 1 of 3" in html_many and "60 card drives" in html_many and "3 card drives" in html_few
    second = session.get("/drives?page=2").get_data(as_text=True)
    assert "Drive 034" in second and "Drive 010" in second and "Drive 009" not in second and "Drive 059" not in second
    assert ">34<" in second  # the drive's own count (issued), summed for the page's drives
