"""Every state-changing route refuses a request without a valid CSRF token and changes nothing."""
import pytest
from sqlalchemy import func, select

from tracker.auth.permissions import ADMIN, Relation
from tracker.extensions import db
from tests.routes import url_for
from tests.test_permissions import ROUTES

STATE_CHANGING = [r for r in ROUTES if r.method not in ("GET", "HEAD", "OPTIONS")]


def table_counts() -> dict[str, int]:
    return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one() for t in db.Model.metadata.sorted_tables}


def test_state_changing_routes_exist():
    assert len(STATE_CHANGING) >= 10


@pytest.mark.parametrize("route", STATE_CHANGING, ids=str)
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_refused_without_valid_token(route, token, matrix, signed_in):
    admin = matrix.user(ADMIN, route.scope, Relation.PARTY)
    session = signed_in(admin)
    url = url_for(route, matrix, admin)
    before = table_counts()
    data = {"version": "1", "title": "Changed", "name": "Changed", "email": "admin@test.example", "password": "x"}
    if token == "forged":
        data["csrf_token"] = "forged-token"
    response = session.post(url, data=data, csrf=False, headers={"HX-Request": "true"} if "sections" in url else {})
    assert response.status_code == 400, f"{route}: {response.status_code}"
    assert "did not come from this site" in response.get_data(as_text=True)
    db.session.expire_all()
    assert table_counts() == before


def test_htmx_header_token_is_accepted(world, login):
    """htmx sends the token in X-CSRFToken (hx-headers on <body>), not in the form."""
    session = login(world.emails["administrator"])
    agreement = world.agreements["own"]
    response = session.post(
        f"/agreements/{agreement.id}/status/submit", data={"version": agreement.version}, csrf=False,
        headers={"HX-Request": "true", "X-CSRFToken": session.token},
    )
    assert response.status_code == 200
    assert "In review" in response.get_data(as_text=True)
