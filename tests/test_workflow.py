"""The status workflow: allowed steps only, each refusal with its reason, each step audited."""
from datetime import date, timedelta

import pytest

from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent
from tracker.extensions import db


def step(session, agreement_id, name):
    db.session.expire_all()
    version = db.session.get(Agreement, agreement_id).version
    return session.post(f"/agreements/{agreement_id}/status/{name}", {"version": version}, htmx=True)


def status_of(agreement_id):
    db.session.expire_all()
    return db.session.get(Agreement, agreement_id).status


def test_full_path_from_draft_to_active(world, login):
    a = world.agreements["own"].id
    staff, director = login(world.emails["library_staff"]), login(world.emails["administrator"])
    assert step(staff, a, "submit").status_code == 200 and status_of(a) == "in_review"
    for name, status in (("approve", "approved"), ("send", "out_for_signature"), ("activate", "active")):
        response = step(director, a, name)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert status_of(a) == status
    transitions = db.session.query(AuditEvent).filter_by(action="agreement.status_changed", entity_id=str(a)).all()
    assert [e.changes["status"] for e in transitions] == [
        ["draft", "in_review"], ["in_review", "approved"], ["approved", "out_for_signature"], ["out_for_signature", "active"]]


def test_a_step_the_workflow_does_not_allow_is_refused_with_the_reason(world, login):
    a = world.agreements["own"].id
    response = step(login(world.emails["administrator"]), a, "activate")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This agreement is Draft, so it cannot be moved to Active." in html
    assert "From Draft it can only move to: In review." in html
    assert status_of(a) == "draft"


def test_a_role_without_the_step_is_refused_with_the_reason(world, login):
    a = world.agreements["own"].id
    staff = login(world.emails["library_staff"])
    step(staff, a, "submit")
    response = step(staff, a, "approve")
    assert response.status_code == 422 and "Your role cannot approve an agreement." in response.get_data(as_text=True)
    assert status_of(a) == "in_review"


def test_viewer_sees_no_steps_and_cannot_make_one(world, login):
    a = world.agreements["own"].id
    viewer = login(world.emails["viewer"])
    assert "Submit for review" not in viewer.get(f"/agreements/{a}").get_data(as_text=True)
    assert step(viewer, a, "submit").status_code == 403  # no step of the workflow is a viewer's
    assert status_of(a) == "draft"


def test_submit_needs_purpose_and_effective_date(world, login):
    a = world.agreements["own"]
    a.purpose = ""
    db.session.commit()
    response = step(login(world.emails["library_staff"]), a.id, "submit")
    assert response.status_code == 422 and "fill in: purpose" in response.get_data(as_text=True)


def test_expiry_only_after_the_end_date(world, login):
    a = world.agreements["own"]
    a.status = "active"
    db.session.commit()
    director = login(world.emails["administrator"])
    assert "can only expire after its end date" in step(director, a.id, "expire").get_data(as_text=True)
    db.session.expire_all()
    a = db.session.get(Agreement, a.id)
    a.effective_date, a.end_date = date.today() - timedelta(days=400), date.today() - timedelta(days=1)
    db.session.commit()
    assert step(director, a.id, "expire").status_code == 200 and status_of(a.id) == "expired"
    closed = step(director, a.id, "terminate").get_data(as_text=True)
    assert "Expired agreements are closed; start a new agreement or an amendment instead." in closed


def test_step_without_javascript_redirects_with_a_message(world, login):
    a = world.agreements["own"]
    staff = login(world.emails["library_staff"])
    response = staff.post(f"/agreements/{a.id}/status/submit", {"version": a.version})
    assert response.status_code == 303
    assert "Status is now In review." in staff.get(response.headers["Location"]).get_data(as_text=True)
    refused = staff.post(f"/agreements/{a.id}/status/activate", {"version": a.version + 1})
    assert refused.status_code == 422 and "cannot be moved to Active" in refused.get_data(as_text=True)


@pytest.mark.parametrize("name", ["nonsense", "delete"])
def test_unknown_step(world, login, name):
    response = step(login(world.emails["admin"]), world.agreements["own"].id, name)
    assert response.status_code == 422 and "There is no such step." in response.get_data(as_text=True)
