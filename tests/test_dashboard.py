"""The dashboard shows what needs attention, only from the user's own organisations."""
from datetime import date, timedelta

from tracker.extensions import db
from tests.world import agreement


def test_dashboard_lists_what_ends_soon_and_partners_to_reconfirm_within_scope(world, login):
    ours = agreement("Ours Ending", [world.orgs["library"], world.orgs["south"]],
                     effective_date=date.today() - timedelta(days=300), end_date=date.today() + timedelta(days=40))
    theirs = agreement("Theirs Ending", [world.orgs["other_library"], world.orgs["other_school"]],
                       effective_date=date.today() - timedelta(days=300), end_date=date.today() + timedelta(days=40))
    ours.status = theirs.status = "active"
    world.orgs["south"].last_confirmed = date.today() - timedelta(days=400)
    world.orgs["other_school"].last_confirmed = None
    db.session.commit()

    page = login(world.emails["viewer"]).get("/").get_data(as_text=True)  # viewer at Lakeside District
    assert "Ours Ending" in page and "Theirs Ending" not in page
    assert "South School" in page and "Hill School" not in page
    assert "Active</a>: <strong>1</strong>" in page and "Draft</a>: <strong>1</strong>" in page

    admin = login(world.emails["admin"]).get("/").get_data(as_text=True)
    assert "Ours Ending" in admin and "Theirs Ending" in admin and "Hill School" in admin
