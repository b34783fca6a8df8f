"""What every page shares: the health check, error pages in the layout, pages that work
without JavaScript, vendored htmx and the CSRF header on <body>."""
import json
import re
from html import unescape

import pytest
from flask import request
from sqlalchemy import select
from werkzeug.exceptions import InternalServerError

from tests.conftest import Session
from tracker import create_app
from tracker.extensions import db
from tracker.orgs.models import Organisation


def body(response) -> str:
    return response.get_data(as_text=True)


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def in_layout(html: str) -> bool:
    return html.lstrip().lower().startswith("<!doctype html>") and 'class="site-header"' in html and "</footer>" in html


def heading(html: str) -> str:
    return flat(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))


# ---- health ------------------------------------------------------------------------------------

def test_healthz_reports_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(app):
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-dir/nowhere/tracker.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "degraded" and data["database"].startswith("error")


# ---- error pages -------------------------------------------------------------------------------

def test_404_page_is_inside_the_layout(world, login):
    response = login(world.emails["viewer"]).get("/organisations/999999")
    page = body(response)
    assert response.status_code == 404
    assert in_layout(page)
    assert '<nav aria-label="Main">' in page
    assert heading(page) == "Not found"
    assert 'href="/"' in page


def test_404_for_an_unknown_url_when_logged_out(client):
    response = client.get("/no/such/page")
    page = body(response)
    assert response.status_code == 404
    assert in_layout(page) and heading(page) == "Not found"


def test_403_page_is_inside_the_layout(world, login):
    response = login(world.emails["administrator"]).get(f"/organisations/{world.orgs['district'].id}/edit")
    page = body(response)
    assert response.status_code == 403
    assert in_layout(page)
    assert '<nav aria-label="Main">' in page
    assert heading(page) == "Not allowed"
    assert "Your role does not allow this." in flat(page)


def test_htmx_error_is_a_fragment(world, login):
    response = login(world.emails["viewer"]).get("/organisations/999999", htmx=True)
    page = body(response)
    assert response.status_code == 404
    assert "<html" not in page and 'class="error-page"' in page


@pytest.fixture
def failing_app(app):
    """A second app on the same database with a route that writes, then fails."""
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                   "PROPAGATE_EXCEPTIONS": False})
    other.instance_path = app.instance_path  # the suite's audit key and seal, not the repository's instance/
    seen = {}

    @other.route("/explode")
    def explode():
        db.session.add(Organisation(name="Half-written Library", kind="library_system"))
        db.session.flush()
        seen["pending"] = db.session.execute(
            select(Organisation).where(Organisation.name == "Half-written Library")).scalar() is not None
        raise RuntimeError("boom")

    @other.teardown_request
    def look(_exc):
        if request.path == "/explode":
            # Before Flask-SQLAlchemy closes the session: was the failed work rolled back?
            seen["in_session_after_error"] = db.session.execute(
                select(Organisation).where(Organisation.name == "Half-written Library")).scalar() is not None

    other.seen = seen
    yield other
    with other.app_context():
        db.engine.dispose()


def test_500_rolls_back_and_renders_the_error_page(world, failing_app):
    s = Session(failing_app.test_client(), world.emails["viewer"])
    response = s.get("/explode")
    page = body(response)
    assert response.status_code == 500
    assert in_layout(page) and '<nav aria-label="Main">' in page
    assert heading(page) == "Something went wrong"
    assert "Nothing was saved from this request." in flat(page)
    assert "boom" not in page and "Traceback" not in page
    assert failing_app.seen["pending"] is True, "the route did write before failing"
    assert failing_app.seen["in_session_after_error"] is False, "the error handler did not roll the session back"
    db.session.expire_all()
    assert db.session.execute(select(Organisation).where(Organisation.name == "Half-written Library")).scalar() is None


def test_500_handler_rolls_back_the_session(app):
    handler = app.error_handler_spec[None][500][InternalServerError]
    with app.test_request_context("/"):
        db.session.add(Organisation(name="Unsaved Library", kind="library_system"))
        db.session.flush()
        html, status = handler(InternalServerError())
        assert status == 500
        assert "Something went wrong" in html
        assert db.session.execute(select(Organisation).where(Organisation.name == "Unsaved Library")).scalar() is None


# ---- without JavaScript ------------------------------------------------------------------------

def form_tag(html: str, action: str) -> str:
    return re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', html, re.S).group(0)


def test_organisation_list_is_a_plain_get_form(world, login):
    s = login(world.emails["viewer"])
    page = body(s.get("/organisations"))
    tag = form_tag(page, "/organisations")
    assert 'method="get"' in tag
    assert re.search(r'<input(?=[^>]*\bid="org-q")(?=[^>]*\btype="search")[^>]*\bname="q"', page)
    assert re.search(r'<select id="org-kind" name="kind"', page)
    assert re.search(r'<button type="submit">', page)
    page = body(s.get("/organisations?q=school&kind=school"))
    names = re.findall(r'<td><a href="/organisations/\d+">([^<]+)</a></td>', page)
    assert sorted(names) == ["Hill School", "North School", "South School"]
    assert 'value="school"' in re.search(r'<input id="org-q"[^>]*>', page).group(0), "the search stays in the box"


def test_agreement_list_is_a_plain_get_form(world, login):
    s = login(world.emails["admin"])
    page = body(s.get("/agreements"))
    tag = form_tag(page, "/agreements")
    assert 'method="get"' in tag
    for name in ("q", "status", "kind", "org", "expiring"):
        assert re.search(rf'<(input|select)(?=[^>]*\bid="agreement-{name}")[^>]*\bname="{name}"', page), name
    titles = lambda html: sorted(re.findall(r'<td><a href="/agreements/\d+">([^<]+)</a>', html))  # noqa: E731
    assert titles(page) == ["Hill Card MOU", "Lakeside Card MOU"]
    assert titles(body(s.get("/agreements?q=Lakeside"))) == ["Lakeside Card MOU"]
    assert titles(body(s.get(f"/agreements?org={world.orgs['other_school'].id}"))) == ["Hill Card MOU"]
    assert titles(body(s.get("/agreements?status=active"))) == []
    page = body(s.get("/agreements?status=draft&kind=mou"))
    assert titles(page) == ["Hill Card MOU", "Lakeside Card MOU"]
    assert '<option selected value="draft">' in page


def test_detail_links_work_without_javascript(world, login):
    """Every hx- link on the agreement page also has a plain href or form action."""
    s = login(world.emails["administrator"])
    page = body(s.get(f"/agreements/{world.agreements['own'].id}"))
    for tag in re.findall(r"<(?:a|form)\b[^>]*\bhx-(?:get|post)=[^>]*>", page):
        assert re.search(r'\b(href|action)="/', tag), tag


# ---- assets and CSRF header --------------------------------------------------------------------

def test_htmx_is_vendored(client):
    page = body(client.get("/login"))
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts, "a script tag"
    htmx = [src for src in scripts if "htmx" in src]
    assert htmx and all(src.startswith("/static/vendor/") for src in htmx)
    assert not any(src.startswith(("http:", "https:", "//")) for src in scripts), scripts
    asset = client.get(htmx[0])
    assert asset.status_code == 200
    assert b"htmx" in asset.data and len(asset.data) > 10_000
    assert re.search(r'version:\s*"2\.0\.', asset.get_data(as_text=True)) or b"2.0." in asset.data


def csrf_header(html: str) -> str | None:
    match = re.search(r"<body[^>]*\shx-headers='([^']*)'", html)
    return json.loads(unescape(match.group(1))).get("X-CSRFToken") if match else None


def test_every_page_sends_the_csrf_token_from_body(world, login, client, subtests):
    s = login(world.emails["admin"])
    o, a = world.orgs, world.agreements
    pages = ["/", "/organisations", f"/organisations/{o['branch'].id}", f"/organisations/{o['branch'].id}/edit",
             "/organisations/new", f"/organisations/{o['north'].id}/contacts/new", "/agreements", "/agreements/new",
             f"/agreements/{a['own'].id}", f"/agreements/{a['own'].id}/sections/summary/edit", "/organisations/999999"]
    for url in pages:
        with subtests.test(url=url):
            token = csrf_header(body(s.get(url)))
            assert token and len(token) > 20
    with subtests.test(url="/login (visitor)"):  # a visitor's page has no htmx requests to send it with
        page = body(client.get("/login"))
        assert csrf_header(page) is None and 'name="csrf_token"' in page


def test_a_visitors_page_without_a_form_starts_no_session(client):
    """Error pages and the like write nothing: a crawler without cookies costs no session rows."""
    for url in ("/nowhere", "/healthz"):
        response = client.get(url)
        assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")], url


def test_the_body_token_is_accepted_as_a_header(world, login):
    s = login(world.emails["administrator"])
    branch = world.orgs["branch"]
    token = csrf_header(body(s.get(f"/organisations/{branch.id}")))
    response = s.post(f"/organisations/{branch.id}/confirm", csrf=False, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_every_page_carries_security_headers(world, login):
    s = login(world.emails["administrator"])
    for url in ("/", "/agreements", "/login", "/no-such-page"):
        headers = s.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_an_upload_over_the_limit_is_refused_with_a_page_that_says_so(app, client):
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = client.post("/verify", data={"file": (__import__("io").BytesIO(b"%PDF-" + b"0" * 2_000_000), "big.pdf")})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert response.status_code == 413
    assert "File too large" in response.text and "1 MB" in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"
