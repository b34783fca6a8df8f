"""Resource sharing: the register per agreement, bad input refused whole, and the balance between parties."""
from datetime import date

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.orgs.tree import descendants_and_self
from tracker.resources import service
from tracker.resources.models import ResourceShare


def share_form(world, **changes):
    data = {"kind": "ebooks", "provider_id": world.orgs["library"].id, "recipient_id": world.orgs["north"].id,
            "description": "E-book platform for students", "quantity": "600", "unit": "licences", "schedule": "all year",
            "value": "1,000.00", "period": "year", "start_date": "2026-09-01", "end_date": "2027-06-30"}
    data.update(changes)
    return data


def count_shares() -> int:
    return db.session.execute(select(func.count()).select_from(ResourceShare)).scalar()


def test_add_resources_both_ways_and_see_the_balance(world, login):
    session = login(world.emails["school_librarian"])
    own = world.agreements["own"]
    url = f"/agreements/{own.id}/resources/new"
    assert session.get(url, htmx=True).status_code == 200
    response = session.post(url, share_form(world), htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    response = session.post(url, share_form(world, kind="space", provider_id=world.orgs["north"].id,
                                            recipient_id=world.orgs["library"].id, description="Gym for sign-up night",
                                            value="50", period="month"), htmx=True)
    html = response.get_data(as_text=True)
    assert "Gym for sign-up night" in html and "E-book platform for students" in html
    # Library gives $1,000 a year; the school gives $50 a month = $600 a year: 62.5 % / 37.5 % of $1,600.
    assert "$1,000.00" in html and "$600.00" in html and "$400.00" in html and "-$400.00" in html
    assert 'value="62"' in html and 'value="38"' in html
    assert "One-sided" not in html
    page = session.get(f"/agreements/{own.id}").get_data(as_text=True)
    assert "added a shared resource" in page  # in the agreement's history


def test_a_one_sided_partnership_stands_out(world, login):
    session = login(world.emails["library_staff"])
    own = world.agreements["own"]
    html = session.post(f"/agreements/{own.id}/resources/new", share_form(world), htmx=True).get_data(as_text=True)
    assert "One-sided: one party gives most of the value." in html


def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(world, login):
    session = login(world.emails["library_staff"])
    url = f"/agreements/{world.agreements['own'].id}/resources/new"
    cases = [
        ({"value": "-5"}, "The value cannot be negative."),
        ({"value": "12.345"}, "Give an amount like 1250 or 1,250.00."),
        ({"quantity": "-1"}, "Give a number from 0 to 1,000,000."),
        ({"start_date": "2027-01-01", "end_date": "2026-12-31"}, "The end date must not be before the start date."),
        ({"recipient_id": str(world.orgs["library"].id)}, "The recipient must be another party than the provider."),
        ({"provider_id": str(world.orgs["other_school"].id)}, "Choose one of the agreement&#39;s parties."),
    ]
    for changes, message in cases:
        response = session.post(url, share_form(world, **changes), htmx=True)
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert count_shares() == 0


def test_edit_and_remove_a_share(world, login):
    session = login(world.emails["library_staff"])
    own = world.agreements["own"]
    session.post(f"/agreements/{own.id}/resources/new", share_form(world), htmx=True)
    share = db.session.execute(select(ResourceShare)).scalar_one()
    form = session.get(f"/agreements/{own.id}/resources/{share.id}/edit", htmx=True).get_data(as_text=True)
    assert 'value="1000.00"' in form
    response = session.post(f"/agreements/{own.id}/resources/{share.id}/edit", share_form(world, value="1500"), htmx=True)
    assert "$1,500.00" in response.get_data(as_text=True)
    response = session.post(f"/agreements/{own.id}/resources/{share.id}/remove", htmx=True)
    assert response.status_code == 200 and "No resources recorded yet." in response.get_data(as_text=True)
    assert count_shares() == 0


def test_someone_elses_shares_are_not_found(world, login):
    session = login(world.emails["school_librarian"])
    other = world.agreements["other"]
    assert session.get(f"/agreements/{other.id}/resources/new").status_code == 404
    assert session.post(f"/agreements/{other.id}/resources/new", share_form(world)).status_code == 404
    assert count_shares() == 0


def test_organisation_balance_counts_only_what_crosses_its_boundary(world):
    district, north, south, library = (world.orgs[k] for k in ("district", "north", "south", "library"))
    own = world.agreements["own"]
    shares = [
        ResourceShare(agreement_id=own.id, kind="ebooks", provider_id=library.id, recipient_id=north.id, value_cents=100_000, period="year"),
        ResourceShare(agreement_id=own.id, kind="space", provider_id=north.id, recipient_id=library.id, value_cents=5_000, period="month"),
        ResourceShare(agreement_id=own.id, kind="staff_time", provider_id=north.id, recipient_id=south.id, value_cents=9_999, period="once"),
    ]
    db.session.add_all(shares)
    db.session.commit()
    found = service.shares_of([own.id], date(2026, 7, 1), date(2027, 6, 30))
    result = service.organisation_balance(found, descendants_and_self([district.id]))
    assert result["gives"] == 60_000 and result["receives"] == 100_000  # north -> south stays inside the district
    assert result["given_to"] == {"Lakeside Library System": 60_000}
