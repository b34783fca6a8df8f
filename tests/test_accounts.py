"""Admins manage accounts on the Users pages: add, edit, deactivate, set passwords; nobody locks out the last admin."""
import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.extensions import db


def account(email) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def signs_in(email, password, login) -> bool:
    visitor = login(None)
    visitor.get("/login")
    response = visitor.post("/login", {"email": email, "password": password})
    return response.status_code == 303 and visitor.get("/").status_code == 200


def new_user_form(world, **overrides):
    return {"name": "Rosa Diaz", "email": "Rosa.Diaz@Lakeside.example", "role": "school_librarian",
            "organisation_ids": [str(world.orgs["north"].id)], **overrides}


def test_an_admin_invites_a_user_who_chooses_a_password_then_signs_in(world, login, mailbox):
    admin = login(world.emails["admin"])
    response = admin.post("/users/new", new_user_form(world))
    assert response.status_code == 303
    rosa = account("rosa.diaz@lakeside.example")
    assert (rosa.name, rosa.role, [o.name for o in rosa.organisations]) == ("Rosa Diaz", "school_librarian", ["North School"])
    found = admin.get("/users?q=rosa").text
    assert "Rosa Diaz" in found and "North School" in found  # each user with the organisations they work for
    assert "Rosa Diaz" in admin.get("/users?q=diaz@lake").text and "Rosa Diaz" not in admin.get("/users?q=r_sa").text
    assert "An invitation is waiting to be used" in admin.get(f"/users/{rosa.id}").text
    mailbox.wait(1)
    assert mailbox.envelopes[0][1] == ["rosa.diaz@lakeside.example"]
    link = re.search(r"http://\S+/password/\S+", mailbox.text(0)).group(0)
    path = link[link.index("/password/"):]
    visitor = login(None)
    assert "Welcome, Rosa Diaz" in visitor.get(path).text
    assert visitor.post(path, {"password": "a long first password", "confirm": "a long first password"}).status_code == 303
    assert signs_in("rosa.diaz@lakeside.example", "a long first password", login)
    assert visitor.get(path).status_code == 410  # used: it works once
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(rosa.id))).all()
    assert {"user.created", "user.invited", "user.invitation_accepted"} <= set(actions)


def test_the_role_starts_at_viewer_and_real_addresses_with_subdomains_and_test_domains_are_accepted(world, login, mailbox):
    admin = login(world.emails["admin"])
    page = admin.get("/users/new").text
    assert re.search(r'<option selected value="viewer">|<option value="viewer" selected>', page)
    response = admin.post("/users/new", new_user_form(world, email="mgonzalez@washington.rusd.test", role="viewer"))
    assert response.status_code == 303
    assert account("mgonzalez@washington.rusd.test").role == "viewer"
    refused = admin.post("/users/new", new_user_form(world, email="not an address@", role="viewer"))
    assert refused.status_code == 422 and "Enter an email address like" in refused.text


def test_bad_input_is_reported_next_to_each_field_and_nothing_is_saved(world, login):
    admin = login(world.emails["admin"])
    response = admin.post("/users/new", new_user_form(world, name="", email=world.emails["viewer"], organisation_ids=[]))
    assert response.status_code == 422
    text = response.text
    assert "Enter the person&#39;s name." in text
    assert "already has an account" in text
    assert "Choose the organisation(s) this person works for" in text
    assert db.session.scalar(select(db.func.count(User.id))) == len(world.emails)


def test_editing_changes_role_and_organisations_and_history_says_so(world, login):
    admin = login(world.emails["admin"])
    viewer = account(world.emails["viewer"])
    response = admin.post(f"/users/{viewer.id}", {"name": "Vera Viewer", "email": viewer.email, "role": "library_staff",
                                                  "organisation_ids": [str(world.orgs["library"].id)], "active": "y"})
    assert response.status_code == 303
    viewer = account(world.emails["viewer"])
    assert (viewer.name, viewer.role, [o.name for o in viewer.organisations]) == ("Vera Viewer", "library_staff", ["Lakeside Library System"])
    page = admin.get(f"/users/{viewer.id}").text
    assert "changed the account" in page and "Lakeside Library System" in page


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(world, login):
    staff = login(world.emails["library_staff"])
    assert staff.get("/").status_code == 200
    user = account(world.emails["library_staff"])
    admin = login(world.emails["admin"])
    admin.post(f"/users/{user.id}", {"name": user.name, "email": user.email, "role": user.role,
                                     "organisation_ids": [str(o.id) for o in user.organisations]})  # "active" unticked
    assert account(world.emails["library_staff"]).active is False
    assert staff.get("/").status_code == 302  # the open session ends
    assert not signs_in(world.emails["library_staff"], PASSWORD, login)


def test_admins_cannot_remove_their_own_access_or_the_last_admin(world, login):
    admin_user = account(world.emails["admin"])
    admin = login(world.emails["admin"])
    response = admin.post(f"/users/{admin_user.id}", {"name": admin_user.name, "email": admin_user.email, "role": "viewer",
                                                      "organisation_ids": [str(world.orgs["library"].id)], "active": "y"})
    assert response.status_code == 422 and "cannot remove your own admin access" in response.text
    assert account(world.emails["admin"]).role == "admin"


def test_setting_a_password(world, login):
    admin = login(world.emails["admin"])
    old_session = login(world.emails["viewer"])
    assert old_session.get("/").status_code == 200
    viewer = account(world.emails["viewer"])
    assert admin.post(f"/users/{viewer.id}/password", {"password": "short"}).status_code == 422
    assert admin.post(f"/users/{viewer.id}/password", {"password": "a brand new long password"}).status_code == 303
    assert old_session.get("/").status_code == 302  # sessions from before the new password end
    assert signs_in(world.emails["viewer"], "a brand new long password", login)
    assert not signs_in(world.emails["viewer"], PASSWORD, login)


def test_only_admins_see_the_users_pages(world, login):
    assert login(world.emails["administrator"]).get("/users").status_code == 403
    assert "/users" not in login(world.emails["administrator"]).get("/").text
    assert 'href="/users"' in login(world.emails["admin"]).get("/").text
