"""Milestones and obligations, timeline templates, and the communication log whose follow-ups become milestones."""
from datetime import date, timedelta

from sqlalchemy import func, select

from tracker.audit.service import Actor
from tracker.extensions import db
from tracker.milestones import service
from tracker.milestones.models import Communication, Milestone

ACTOR = Actor(label="test")


def milestone_form(**changes):
    data = {"title": "Send the roster", "party_id": "", "owner_user_id": "", "owner_contact_id": "",
            "due_date": (date.today() + timedelta(days=20)).isoformat(), "status": "planned", "done_date": "", "evidence": ""}
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_add_mark_done_and_overdue_flag(world, login):
    session = login(world.emails["school_librarian"])
    own = world.agreements["own"]
    late = (date.today() - timedelta(days=3)).isoformat()
    response = session.post(f"/agreements/{own.id}/milestones/new",
                            milestone_form(title="Deliver forms", due_date=late, party_id=str(world.orgs["north"].id)), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Deliver forms" in html and "Overdue" in html
    milestone = db.session.execute(select(Milestone)).scalar_one()
    assert milestone.party_id == world.orgs["north"].id
    response = session.post(f"/agreements/{own.id}/milestones/{milestone.id}/done", htmx=True)
    html = response.get_data(as_text=True)
    assert "Overdue" not in html and "Done" in html
    db.session.expire_all()
    assert milestone.status == "done" and milestone.done_date == date.today()
    again = session.post(f"/agreements/{own.id}/milestones/{milestone.id}/done", htmx=True)
    assert again.status_code == 422 and "already done" in again.get_data(as_text=True)


def test_a_due_date_outside_the_term_is_a_warning_not_an_error(world, login):
    session = login(world.emails["library_staff"])
    own = world.agreements["own"]  # term 1 Aug 2026 to 31 Jul 2029
    response = session.post(f"/agreements/{own.id}/milestones/new", milestone_form(due_date="2030-01-15"), htmx=True)
    assert response.status_code == 200
    assert "outside the agreement&#39;s term" in response.get_data(as_text=True)
    assert count(Milestone) == 1


def test_bad_milestones_are_refused_and_nothing_is_written(world, login):
    session = login(world.emails["library_staff"])
    url = f"/agreements/{world.agreements['own'].id}/milestones/new"
    for changes, message in [
        ({"due_date": ""}, "Give the due date."),
        ({"party_id": str(world.orgs["other_school"].id)}, "Choose one of the agreement&#39;s parties, or an organisation below one."),
        ({"status": "done", "done_date": (date.today() + timedelta(days=2)).isoformat()}, "cannot be in the future"),
    ]:
        response = session.post(url, milestone_form(**changes), htmx=True)
        assert response.status_code == 422 and message in response.get_data(as_text=True), changes
    assert count(Milestone) == 0


def test_applying_a_template_twice_adds_nothing_the_second_time(world, login):
    session = login(world.emails["library_staff"])
    own = world.agreements["own"]
    first = session.post(f"/agreements/{own.id}/milestones/templates", {"template": "signup_month"}, htmx=True)
    html = first.get_data(as_text=True)
    titles = [m.title for m in db.session.execute(select(Milestone).order_by(Milestone.due_date)).scalars()]
    db.session.commit()
    years = range(max(date.today(), own.effective_date).year, own.end_date.year + 1)
    expected = [f"Library Card Sign-up Month {y}: cards issued and reported" for y in years
                if max(date.today(), own.effective_date) <= date(y, 9, 30) <= own.end_date]
    assert titles == expected and len(titles) >= 2
    assert f"Added {len(titles)} milestones." in html
    second = session.post(f"/agreements/{own.id}/milestones/templates", {"template": "signup_month"}, htmx=True)
    assert "Nothing added" in second.get_data(as_text=True)
    assert count(Milestone) == len(titles)
    session.post(f"/agreements/{own.id}/milestones/templates", {"template": "annual_review"}, htmx=True)
    assert count(Milestone) > len(titles)


def test_template_dates(world):
    own = world.agreements["own"]  # 1 Aug 2026 to 31 Jul 2029
    on = date(2026, 6, 1)
    assert service.occurrences(service.TEMPLATES_BY_KEY["registration_packet"], own, on) == [
        date(2026, 8, 1), date(2027, 8, 1), date(2028, 8, 1)]
    assert service.occurrences(service.TEMPLATES_BY_KEY["annual_review"], own, on) == [
        date(2027, 8, 1), date(2028, 8, 1)]  # the anniversaries within the term
    assert service.occurrences(service.TEMPLATES_BY_KEY["expiry_rollover"], own, date(2029, 9, 16)) == []


def test_a_meeting_with_follow_ups_that_become_milestones(world, login):
    session = login(world.emails["school_librarian"])
    own = world.agreements["own"]
    due = (date.today() + timedelta(days=10)).isoformat()
    data = {"kind": "meeting", "held_on": date.today().isoformat(), "attendees": "Lee, Stacy",
            "summary": "Planned the September sign-up.", "follow_ups-0-title": "Print the forms",
            "follow_ups-0-due_date": due, "follow_ups-0-owner_user_id": "", "follow_ups-1-title": "",
            "follow_ups-1-due_date": "", "follow_ups-1-owner_user_id": ""}
    response = session.post(f"/agreements/{own.id}/communications/new", data, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Planned the September sign-up." in html and "Print the forms" in html
    milestone = db.session.execute(select(Milestone)).scalar_one()
    entry = db.session.execute(select(Communication)).scalar_one()
    assert milestone.communication_id == entry.id and milestone.due_date.isoformat() == due
    detail = session.get(f"/agreements/{own.id}/milestones").get_data(as_text=True)
    assert 'id="section-communications"' in detail and 'id="milestone-' in detail


def test_a_follow_up_without_a_date_writes_nothing(world, login):
    session = login(world.emails["school_librarian"])
    own = world.agreements["own"]
    data = {"kind": "call", "held_on": date.today().isoformat(), "summary": "Call.", "follow_ups-0-title": "Do it",
            "follow_ups-0-due_date": ""}
    response = session.post(f"/agreements/{own.id}/communications/new", data, htmx=True)
    assert response.status_code == 422 and "Give the follow-up&#39;s due date." in response.get_data(as_text=True)
    assert count(Communication) == 0 and count(Milestone) == 0


def test_overdue_counts_within_scope(world):
    own, other = world.agreements["own"], world.agreements["other"]
    past = date.today() - timedelta(days=1)
    db.session.add_all([Milestone(agreement_id=own.id, title=f"late {i}", due_date=past) for i in range(3)]
                       + [Milestone(agreement_id=other.id, title="theirs", due_date=past),
                          Milestone(agreement_id=own.id, title="done", due_date=past, status="done")])
    db.session.commit()
    items, total = service.overdue([own.id], date.today(), limit=2)
    assert total == 3 and len(items) == 2


def test_only_people_who_see_the_agreement_can_own_its_milestones(world, login):
    """An owner hears of the agreement's dates in reminders; someone from an unrelated library is refused, nothing saved."""
    from tests.conftest import PASSWORD
    from tracker.auth import service as accounts
    from tracker.auth.models import User

    district_viewer = db.session.execute(select(User).where(User.email == world.emails["viewer"])).scalar_one()
    stranger = accounts.create_user(ACTOR, "hill.viewer@test.example", "Hill Viewer", "viewer", PASSWORD, [world.orgs["other_library"]])
    db.session.commit()
    session = login(world.emails["school_librarian"])
    own = world.agreements["own"]
    refused = session.post(f"/agreements/{own.id}/milestones/new", milestone_form(owner_user_id=str(stranger.id)))
    assert refused.status_code == 422 and "works for one of the parties" in refused.get_data(as_text=True)
    missing = session.post(f"/agreements/{own.id}/milestones/new", milestone_form(owner_user_id="999999"))
    assert missing.get_data(as_text=True).count("works for one of the parties") == 1  # no telling who exists
    assert count(Milestone) == 0
    accepted = session.post(f"/agreements/{own.id}/milestones/new", milestone_form(owner_user_id=str(district_viewer.id)))
    assert accepted.status_code in (200, 303) and count(Milestone) == 1  # the district sees its school's agreement
