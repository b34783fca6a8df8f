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
    assert "Termination-notice deadline" in page  # the notice date (40 - 30 days ahead) is listed too

    admin = login(world.emails["admin"]).get("/").get_data(as_text=True)
    assert "Ours Ending" in admin and "Theirs Ending" in admin and "Hill School" in admin


def test_overdue_milestones_and_recent_activity_change_when_a_milestone_is_done(world, login):
    own = world.agreements["own"]
    session = login(world.emails["school_librarian"])
    late = (date.today() - timedelta(days=5)).isoformat()
    session.post(f"/agreements/{own.id}/milestones/new", {"title": "Return the consent forms", "due_date": late,
                                                          "status": "planned"}, htmx=True)
    page = session.get("/").get_data(as_text=True)
    overdue = page.split('id="panel-overdue"')[1].split("</section>")[0]
    assert "Return the consent forms" in overdue and "Lakeside Card MOU" in overdue
    assert "added a milestone" in page.split('id="panel-activity"')[1]

    from tracker.milestones.models import Milestone
    milestone = db.session.query(Milestone).one()
    session.post(f"/agreements/{own.id}/milestones/{milestone.id}/done", htmx=True)
    page = session.get("/").get_data(as_text=True)
    assert "No milestone is overdue." in page
    assert "changed a milestone" in page.split('id="panel-activity"')[1]


def test_someone_elses_overdue_milestones_and_activity_stay_out_of_view(world, login):
    from tracker.milestones.models import Milestone

    db.session.add(Milestone(agreement_id=world.agreements["other"].id, title="Hill consent forms",
                             due_date=date.today() - timedelta(days=3)))
    db.session.commit()
    page = login(world.emails["viewer"]).get("/").get_data(as_text=True)
    assert "Hill consent forms" not in page and "Hill Card MOU" not in page
    assert "Hill consent forms" in login(world.emails["admin"]).get("/").get_data(as_text=True)


def test_the_dashboard_shows_a_change_at_once_however_it_was_made(world, login):
    """Nothing is kept between requests: a row written past the services shows on the next view too."""
    from tracker.milestones.models import Milestone

    own = world.agreements["own"]
    session = login(world.emails["school_librarian"])
    assert "No milestone is overdue." in session.get("/").get_data(as_text=True)
    db.session.add(Milestone(agreement_id=own.id, title="Written past the services", due_date=date.today() - timedelta(days=2)))
    db.session.commit()
    assert "Written past the services" in session.get("/").get_data(as_text=True)


def test_below_a_party_the_dashboard_shows_only_what_concerns_their_school(world, login):
    """The school librarian at North sees the district's agreement from below: its term, and the milestones North
    owes, but not South's nor what happens to the agreement itself; the district's viewer sees all of it."""
    from tracker.milestones.models import Milestone

    district = agreement("District Reading MOU", [world.orgs["library"], world.orgs["district"]],
                         effective_date=date.today() - timedelta(days=300), end_date=date.today() + timedelta(days=40))
    district.status = "active"
    late = date.today() - timedelta(days=4)
    db.session.add_all([Milestone(agreement_id=district.id, title=f"{school.title()} reading list",
                                  party_id=world.orgs[school].id, due_date=late) for school in ("north", "south")])
    db.session.commit()

    def panel(page, key):
        return page.split(f'id="panel-{key}"')[1].split("</section>")[0]

    librarian = login(world.emails["school_librarian"]).get("/").get_data(as_text=True)
    assert "District Reading MOU" in panel(librarian, "ending")
    assert "North reading list" in panel(librarian, "overdue") and "South reading list" not in librarian
    assert "District Reading MOU" not in panel(librarian, "activity")

    viewer = login(world.emails["viewer"]).get("/").get_data(as_text=True)
    assert "North reading list" in panel(viewer, "overdue") and "South reading list" in panel(viewer, "overdue")
    assert "District Reading MOU" in panel(viewer, "activity")


def test_an_admin_is_shown_the_milestones_they_own_though_no_organisation_is_theirs(world, login):
    """An admin belongs to no organisation: "What you owe" asks only for what they own (by the owner index), and
    still lists it, next to nothing owed by anyone else."""
    from sqlalchemy import select

    from tracker.auth.models import User
    from tracker.milestones.models import Milestone

    admin = db.session.scalar(select(User).where(User.email == world.emails["admin"]))
    soon = date.today() + timedelta(days=10)
    db.session.add_all([
        Milestone(agreement_id=world.agreements["other"].id, title="Admin's own review", due_date=soon, owner_user_id=admin.id),
        Milestone(agreement_id=world.agreements["other"].id, title="Hill's own task", due_date=soon,
                  party_id=world.orgs["other_school"].id),
    ])
    db.session.commit()
    owed = login(world.emails["admin"]).get("/").get_data(as_text=True).split('id="panel-owed"')[1].split("</section>")[0]
    assert "Admin&#39;s own review" in owed and "Hill&#39;s own task" not in owed


def test_the_open_milestones_index_holds_exactly_the_open_statuses():
    """The partial index of migration 0024 is written in SQL; it must name the statuses `OPEN` names."""
    import re

    from tracker.milestones.models import OPEN, OPEN_SQL

    assert set(re.findall(r"'(\w+)'", str(OPEN_SQL))) == set(OPEN)
