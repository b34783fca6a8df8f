"""Sign-up domains as an admin page: domains stored in the database, added and removed by admins (audited), honoured
by single sign-on together with the SSO_SIGNUP_DOMAINS setting (tested through the local OIDC provider)."""
import pytest
from sqlalchemy import func, select

from tests.test_sso import entra_shaped, google_shaped, sign_in_with, sso_config  # noqa: F401  (fixtures)
from tracker.audit import sentences
from tracker.audit.models import AuditEvent
from tracker.auth.models import SignupDomain, User
from tracker.extensions import db


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("role", ("administrator", "library_staff", "school_librarian", "viewer"))
def test_only_admins_manage_sign_up_domains(world, login, role):
    session = login(world.emails[role])
    assert session.get("/users/sign-up-domains").status_code in (403, 404)
    assert session.post("/users/sign-up-domains", {"domain": "riverside.test"}).status_code in (403, 404)
    assert db.session.scalar(select(SignupDomain)) is None


def test_admins_add_and_remove_a_domain_and_the_log_says_so(world, login):
    admin = login(world.emails["admin"])
    assert "Sign-up domains" in admin.get("/users").text
    response = admin.post("/users/sign-up-domains", {"domain": " @Riverside.K12.test "})
    assert response.status_code == 303
    page = admin.get("/users/sign-up-domains").text
    assert "riverside.k12.test" in page and "People from riverside.k12.test may now ask for an account" in page
    for bad, says in (("not a domain", "Give a domain such as"), ("riverside.k12.test", "already on the list"),
                      ("", "This field is required.")):
        refused = admin.post("/users/sign-up-domains", {"domain": bad})
        assert refused.status_code == 422 and says in refused.text, bad
    assert db.session.scalar(select(func.count(SignupDomain.id))) == 1
    row = db.session.scalar(select(SignupDomain))
    assert admin.post(f"/users/sign-up-domains/{row.id}/remove").status_code == 303
    assert db.session.scalar(select(SignupDomain)) is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "signup_domain")
                                .order_by(AuditEvent.id)).all()
    read = [f"{line.sentence} | {line.details}" for line in sentences.lines(events)]
    assert read[0].endswith("allowed sign-up through single sign-on for an email domain | domain: riverside.k12.test")
    assert read[1].endswith("stopped sign-up through single sign-on for an email domain | domain: riverside.k12.test → —")


def test_the_setting_s_domains_are_listed_and_not_added_twice(app, world, login, sso_config):
    admin = login(world.emails["admin"])
    page = admin.get("/users/sign-up-domains").text
    assert "lakeside.test" in page and "set by the deployment" in page
    refused = admin.post("/users/sign-up-domains", {"domain": "lakeside.test"})
    assert refused.status_code == 422 and "already allowed by the deployment" in refused.text


def test_single_sign_on_honours_a_domain_added_in_the_app(world, client, login, sso_config, google_shaped):  # noqa: F811
    google_shaped.add_user("g-river", email="rosa@riverside.test", email_verified=True, name="Rosa Rio")
    before = users()
    refused = sign_in_with(client, "google", "g-river")
    assert refused.status_code == 403 and "cannot ask for one by signing in" in refused.text
    assert users() == before

    admin = login(world.emails["admin"])
    assert admin.post("/users/sign-up-domains", {"domain": "riverside.test"}).status_code == 303
    waiting = sign_in_with(client, "google", "g-river")
    assert waiting.status_code == 200 and "waits for an admin to approve it" in waiting.text
    rosa = db.session.scalar(select(User).where(User.email == "rosa@riverside.test"))
    assert (rosa.role, rosa.active, rosa.pending_approval) == ("viewer", False, True)


def test_a_removed_domain_no_longer_lets_new_people_ask(world, client, login, sso_config, google_shaped):  # noqa: F811
    admin = login(world.emails["admin"])
    admin.post("/users/sign-up-domains", {"domain": "riverside.test"})
    row = db.session.scalar(select(SignupDomain))
    admin.post(f"/users/sign-up-domains/{row.id}/remove")
    google_shaped.add_user("g-late", email="luis@riverside.test", email_verified=True)
    before = users()
    assert sign_in_with(client, "google", "g-late").status_code == 403
    assert users() == before
