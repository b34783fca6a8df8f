"""The permission table, checked as a matrix of every route x every role x own/other organisation.

Routes come from the URL map, so a new route without a rule fails here.
"""
import pytest

from tracker import create_app
from tracker.auth.permissions import PERMISSIONS, ROLES, allowed
from tests.routes import add_details, all_routes, url_for_case

ROUTES = all_routes(create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
PUBLIC = {"auth.login", "site.healthz", "calendar.feed", "public_documents.verify", "public_documents.sign",
          "public_documents.decline"}
SUCCESS = {"GET": {200}, "POST": {200, 303, 409, 422}}


def test_every_route_declares_its_permission():
    missing = [str(r) for r in ROUTES if r.permission == "MISSING"]
    assert not missing, f"routes without @requires(...): {missing}"
    unknown = [str(r) for r in ROUTES if r.permission is not None and r.permission not in PERMISSIONS]
    assert not unknown, f"routes naming permissions absent from the table: {unknown}"
    public = {r.endpoint for r in ROUTES if r.permission is None}
    assert public == PUBLIC, f"public routes changed: {public ^ PUBLIC}"


def expected(route, role: str | None, which: str) -> set[int]:
    if route.permission is None:
        return SUCCESS[route.method]
    if role is None:
        return {302}
    if not allowed(role, route.permission):
        return {403}
    if role == "admin":  # admins act on every organisation
        return SUCCESS[route.method]
    if which == "other" and route.scope == "agreement":
        return {404}
    if which == "other" and route.scope == "org" and route.permission != "org.view":
        return {403}
    return SUCCESS[route.method]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix(route, world, login):
    ids = add_details(world)
    sessions = {role: login(world.emails[role]) for role in ROLES}
    sessions[None] = login(None)
    cases = ("own", "other") if route.scope else ("own",)
    wrong = []
    for role, session in sessions.items():
        for which in cases:
            url = url_for_case(route, world, ids, role or "admin", which)
            response = session.get(url) if route.method == "GET" else session.post(url)
            want = expected(route, role, which)
            if route.endpoint == "auth.login" and role is not None:
                want = {302}  # already signed in: off to the dashboard
            if response.status_code not in want:
                wrong.append(f"{role or 'visitor'} {which} {url}: got {response.status_code}, want {sorted(want)}")
    assert not wrong, "\n".join(wrong)


def test_out_of_scope_agreement_does_not_leak_its_title(world, login):
    session = login(world.emails["school_librarian"])
    response = session.get(f"/agreements/{world.agreements['other'].id}")
    assert response.status_code == 404
    assert "Hill Card MOU" not in response.get_data(as_text=True)


def test_readme_lists_the_permission_table():
    """The README's table is the same as the code's (one table, two readers)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for permission, roles in PERMISSIONS.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{permission}`")), None)
        assert row is not None, f"README lacks a row for {permission}"
        cells = [c.strip() for c in row.strip("|").split("|")[1:]]
        assert cells == ["yes" if r in roles else "—" for r in ROLES], f"README row for {permission} differs: {row}"

