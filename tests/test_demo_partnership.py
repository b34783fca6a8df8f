"""The demo partnership's resources, milestones, key dates and survey (issue 5)."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.test_demo import row_counts, seed
from tracker.agreements.models import Agreement
from tracker.calendar.key_dates import collect
from tracker.extensions import db


def test_demo_partnership_shows_give_and_take_deadlines_and_health(app, login):
    seed(app, "--password", PASSWORD)
    mou = db.session.execute(select(Agreement).where(Agreement.title == "Student Library Card Partnership MOU")).scalar_one()
    providers = {s.provider.kind for s in mou.resource_shares}
    assert providers == {"library_system", "district"}, "resources go both ways"
    today = date.today()
    statuses = {m.status for m in mou.milestones}
    assert "done" in statuses and any(m.overdue(today) for m in mou.milestones)
    soon = collect(select(Agreement.id), today, today + timedelta(days=30))
    assert soon, "a key date inside the next 30 days"
    assert len(mou.survey_rounds) == 2 and all(r.answers for r in mou.survey_rounds)
    page = login("viewer@demo.test").get("/").get_data(as_text=True)
    assert "Consent opt-out list returned" in page

    before = row_counts()
    seed(app, "--password", PASSWORD)
    assert row_counts() == before
