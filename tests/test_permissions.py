"""The permission table, checked as a matrix: every route x every role x every relation a user's
organisation can stand in to what the route is about (the party itself, above a party, below a party,
unrelated; see tests/routes.py for who is where).

Routes come from the URL map, so a new route without a rule fails here; and the app refuses to start
with a route that names something inside an agreement or organisation but declares no scope.
"""
import pytest

from tracker import create_app
from tracker.auth.access import requires
from tracker.auth.permissions import ADMIN, PERMISSIONS, REACH_WORDS, ROLES, SCHOOL_LIBRARIAN, Relation, allowed, reaches
from tests.routes import ACT_FOR_NORTH, HOMES, ORGANISATION, SCHOOL_ROWS, SUBJECT, all_routes, url_for

ROUTES = all_routes(create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
PUBLIC = {"site.choose_language", "auth.login", "auth.forgot_password", "auth.set_password", "auth.sso_start", "auth.sso_callback", "site.healthz",
          "calendar.feed", "public_documents.verify", "public_documents.sign", "public_documents.decline",
          "public_documents.copy", "public_documents.revocation_list", "partners.page", "partners.confirm", "families.start", "families.arrive",
          "partners.thanks"}
SUCCESS = {"GET": {200}, "POST": {200, 303, 409, 422}}
RELATIONS = (Relation.PARTY, Relation.ABOVE, Relation.BELOW, Relation.UNRELATED)
TITLE = "Lakeside District Card MOU"  # the subject partnership's title (tests/routes.py)


def test_every_route_declares_its_permission():
    missing = [str(r) for r in ROUTES if r.permission == "MISSING"]
    assert not missing, f"routes without @requires(...): {missing}"
    unknown = [str(r) for r in ROUTES if r.permission is not None and r.permission not in PERMISSIONS]
    assert not unknown, f"routes naming permissions absent from the table: {unknown}"
    public = {r.endpoint for r in ROUTES if r.permission is None}
    assert public == PUBLIC, f"public routes changed: {public ^ PUBLIC}"


def test_every_route_inside_an_agreement_or_organisation_declares_its_scope():
    inside = [r for r in ROUTES if "<int:agreement_id>" in r.rule or "<int:drive_id>" in r.rule or "<int:org_id>" in r.rule]
    assert len(inside) > 60
    assert not [str(r) for r in inside if r.scope not in ("agreement", "organisation")]


def test_the_app_refuses_a_route_that_names_an_agreement_without_a_scope():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    from tracker.scope import loading

    @requires("agreement.view")
    def careless(agreement_id):
        return "the title of any agreement"

    app.add_url_rule("/agreements/<int:agreement_id>/careless", "careless", careless)
    with pytest.raises(RuntimeError, match="declares no scope"):
        loading.check_routes(app)


def expected(route, role: str | None, relation: Relation) -> set[int]:
    if route.endpoint == "public_documents.copy":
        return {404}  # the matrix's signer has not signed: no copy for anyone (tests/test_documents_signing.py)
    if route.endpoint.startswith("auth.sso_"):
        return {404}  # no single sign-on provider of that name (the matrix's app has none)
    if route.endpoint == "families.arrive":
        return {404} if route.method == "GET" else {404, 422}  # no letter carries the matrix's code: the same for all
    if route.permission is None:
        return SUCCESS[route.method]
    if role is None:
        return {302}
    if not allowed(role, route.permission):
        return {404} if route.hidden else {403}
    if route.endpoint == "cards.old_drive_address":  # a drive's old address: to its new one, for who sees drives
        seen = role == ADMIN or (relation is not Relation.UNRELATED and allowed(role, "card.view", relation))
        return {308} if seen else {404}
    success = {303} if route.endpoint == "agreements.section" else SUCCESS[route.method]  # a section alone is for htmx
    if role == ADMIN or route.scope is None:
        return success
    if route.scope == "agreement" and relation is Relation.UNRELATED:
        return {404}  # not seen: not found, whatever the permission (a signer reaches only what they sign)
    if not reaches(route.permission, relation):
        return {403}
    if role == SCHOOL_LIBRARIAN and any(p in route.rule for p in SCHOOL_ROWS) and \
            HOMES[(route.scope, relation)] not in ACT_FOR_NORTH:
        return {404}  # school librarians work on their own schools' rows and students only
    return success


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix(route, matrix, signed_in, login):
    relations = RELATIONS if route.scope else (Relation.PARTY,)
    cases = [(None, Relation.PARTY)] + [(role, relation) for role in ROLES for relation in
                                        ((Relation.PARTY,) if role == ADMIN else relations)]
    wrong = []
    for role, relation in cases:
        user = matrix.user(role or ADMIN, route.scope, relation)
        session = login(None) if role is None else signed_in(user)
        url = url_for(route, matrix, user)
        response = session.get(url) if route.method == "GET" else session.post(url)
        want = expected(route, role, relation)
        if route.endpoint == "auth.login" and role is not None:
            want = {302}  # already signed in: off to the dashboard
        if response.status_code not in want:
            wrong.append(f"{role or 'visitor'} ({relation}) {url}: got {response.status_code}, want {sorted(want)}")
        if want == {404}:  # not found, plain or htmx, and nothing of the agreement is revealed
            again = session.get(url, htmx=True) if route.method == "GET" else session.post(url, htmx=True)
            for answer in (response, again):
                if answer.status_code != 404 or TITLE in answer.get_data(as_text=True):
                    wrong.append(f"{role} ({relation}) {url}: {answer.status_code} revealing the agreement")
    assert not wrong, "\n".join(wrong)


def test_out_of_scope_agreement_does_not_leak_its_title(world, login):
    session = login(world.emails["school_librarian"])
    response = session.get(f"/agreements/{world.agreements['other'].id}")
    assert response.status_code == 404
    assert "Hill Card MOU" not in response.get_data(as_text=True)


def test_the_matrix_world_puts_each_home_where_it_says(matrix):
    """The homes of tests/routes.py stand in the relations the matrix assumes (to the subject, and to the
    organisation the organisation pages name)."""
    from tracker.scope import agreements as scoped
    from tracker.scope.users import scope_of

    world = matrix.world
    subject, organisation = world.agreements[SUBJECT], world.orgs[ORGANISATION]
    for relation in RELATIONS:
        scope = scope_of(matrix.user("viewer", "agreement", relation))
        assert scoped.get(scope, subject.id)[1] is relation
        assert scope_of(matrix.user("viewer", "organisation", relation)).relation([organisation.id]) is relation


def test_readme_lists_the_permission_table():
    """The README's table is the same as the code's (one table, two readers)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for permission, rule in PERMISSIONS.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{permission}`")), None)
        assert row is not None, f"README lacks a row for {permission}"
        cells = [c.strip() for c in row.strip("|").split("|")[1:]]
        want = ["yes" if r in rule.roles else "—" for r in ROLES] + [REACH_WORDS[rule.relations]]
        assert cells == want, f"README row for {permission} differs: {row}"
