"""Organisations: the list (search, filter, sort, pages, htmx), the detail page (tree, codes,
contacts, history), creating and editing with their rules, review dates and contacts."""
import re
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.orgs import service as orgs
from tracker.orgs.models import Contact, Organisation
from tests.world import SETUP, org


# ---- reading pages -------------------------------------------------------------------------

class _FormValues(HTMLParser):
    """The values a browser would submit for the fields of a page (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str | None] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value") or "y"
                else:
                    self.values.setdefault(name, None)
            elif a.get("type") not in ("submit", "button"):
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values[name] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict:
    parser = _FormValues()
    parser.feed(html)
    return {k: v for k, v in parser.values.items() if v is not None and k != "csrf_token"}


def field_errors(html: str) -> dict[str, str]:
    """{field id: message} for the error paragraphs the form macro puts beside fields."""
    return {m[0]: unescape(m[1]) for m in re.findall(r'<p class="error" id="([^"]+)-error">(.*?)</p>', html, re.S)}


def assert_error_beside(html: str, field: str, fragment: str):
    errors = field_errors(html)
    assert field in errors, f"no error beside {field}; errors: {errors}"
    assert fragment in errors[field], errors[field]
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and f"{field}-error" in tag, tag


def flat(html: str) -> str:
    """The page text with tags removed and whitespace collapsed, for reading like a user."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def listed_names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<td><a href="/organisations/\d+">([^<]+)</a></td>', html)]


def body(response) -> str:
    return response.get_data(as_text=True)


def events(action: str, entity_id=None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    return list(db.session.execute(query).scalars())


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def new_org_data(**changes) -> dict:
    data = {
        "name": "Bayview Branch", "kind": "branch", "parent_id": "", "home_branch_id": "", "state_id": "",
        "sourced_id": "", "ils_branch_code": "", "street": "1 Shore Road", "city": "Lakeside", "region": "CA",
        "postal_code": "90001", "time_zone": "America/Los_Angeles", "last_confirmed": "",
    }
    data.update(changes)
    return data


# ---- the list --------------------------------------------------------------------------------

def test_search_by_name_finds_only_matching_organisations(world, login):
    page = body(login(world.emails["viewer"]).get("/organisations?q=harbor"))
    assert listed_names(page) == ["Harbor Branch"]
    assert "1 organisation" in flat(page)


def test_search_by_state_id_ils_code_and_sourced_id(world, login, subtests):
    orgs.update_organisation(SETUP, world.orgs["south"], {"sourced_id": "ROST-77", "kind": "school",
                                                           "parent_id": world.orgs["district"].id})
    s = login(world.emails["viewer"])
    for code, expected in [("SCH-3", "Hill School"), ("HAR", "Harbor Branch"), ("rost-77", "South School")]:
        with subtests.test(code=code):
            assert listed_names(body(s.get(f"/organisations?q={code}"))) == [expected]


def test_filter_by_kind(world, login):
    page = body(login(world.emails["viewer"]).get("/organisations?kind=school"))
    assert sorted(listed_names(page)) == ["Hill School", "North School", "South School"]
    assert re.search(r'<option selected value="school">', page), "the chosen kind stays selected"


def test_sort_by_name_ascending_and_descending(world, login):
    s = login(world.emails["viewer"])
    everything = sorted(o.name for o in world.orgs.values())
    asc = listed_names(body(s.get("/organisations?sort=name&dir=asc")))
    desc = listed_names(body(s.get("/organisations?sort=name&dir=desc")))
    assert asc == everything
    assert desc == list(reversed(everything))
    assert asc != desc


def test_sort_link_flips_direction(world, login):
    page = body(login(world.emails["viewer"]).get("/organisations?sort=name&dir=asc"))
    link = re.search(r'<th scope="col" aria-sort="ascending"><a href="([^"]+)">Name', page)
    assert link, "the active sort column's header says it is ascending"
    assert "dir=desc" in unescape(link.group(1))


def test_pagination_with_more_than_a_page(world, login):
    for i in range(30):
        org(f"School {i:02d}", "school", world.orgs["district"])
    s = login(world.emails["viewer"])
    first = body(s.get("/organisations?kind=school"))
    names_1 = listed_names(first)
    assert len(names_1) == 25
    assert "33 organisations" in flat(first)
    assert "Page 1 of 2" in flat(first)
    next_link = unescape(re.search(r'<a href="([^"]+)" rel="next">', first).group(1))
    assert "page=2" in next_link and "kind=school" in next_link, "the filter is kept from page to page"
    second = body(s.get("/organisations" + next_link))
    names_2 = listed_names(second)
    assert len(names_2) == 8
    assert not set(names_1) & set(names_2)
    assert set(names_1) | set(names_2) == {f"School {i:02d}" for i in range(30)} | {"North School", "South School", "Hill School"}
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_htmx_search_returns_only_the_results_fragment(world, login):
    response = login(world.emails["viewer"]).get("/organisations?q=harbor", htmx=True)
    page = body(response)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "<html" not in page and '<nav aria-label="Main">' not in page
    assert 'id="org-q"' not in page, "no search form in the fragment"
    assert listed_names(page) == ["Harbor Branch"]


def test_full_page_also_varies_on_hx_request(world, login):
    response = login(world.emails["viewer"]).get("/organisations")
    assert "<html" in body(response)
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_full_page(world, login, header):
    response = login(world.emails["viewer"]).get("/organisations?q=harbor", htmx=True, headers={header: "true"})
    page = body(response)
    assert "<html" in page and 'id="org-q"' in page
    assert listed_names(page) == ["Harbor Branch"]
    assert "HX-Request" in response.headers.get("Vary", "")


# ---- the detail page -------------------------------------------------------------------------

def test_library_system_lists_its_branches(world, login):
    page = body(login(world.emails["viewer"]).get(f"/organisations/{world.orgs['library'].id}"))
    branches = re.search(r'<h2 id="children-heading">Branches</h2>(.*?)</section>', page, re.S)
    assert branches, "a Branches section"
    assert f'href="/organisations/{world.orgs["branch"].id}"' in branches.group(1)
    assert "Harbor Branch" in branches.group(1)
    assert "LIB-1" in flat(page)


def test_district_lists_its_schools(world, login):
    page = body(login(world.emails["viewer"]).get(f"/organisations/{world.orgs['district'].id}"))
    schools = re.search(r'<h2 id="children-heading">Schools</h2>(.*?)</section>', page, re.S)
    assert schools
    assert "North School" in schools.group(1) and "South School" in schools.group(1)
    assert "Hill School" not in schools.group(1)


def test_school_shows_district_home_branch_and_codes(world, login):
    o = world.orgs
    orgs.update_organisation(SETUP, o["north"], {"sourced_id": "north-sid", "kind": "school", "parent_id": o["district"].id,
                                                 "home_branch_id": o["branch"].id})
    page = body(login(world.emails["viewer"]).get(f"/organisations/{o['north'].id}"))
    text = flat(page)
    assert "Part of Lakeside District" in text
    assert "Home branch Harbor Branch" in text
    assert f'href="/organisations/{o["branch"].id}"' in page
    assert "State id SCH-1" in text
    assert "OneRoster sourcedId north-sid" in text


def test_branch_shows_its_ils_code(world, login):
    page = flat(body(login(world.emails["viewer"]).get(f"/organisations/{world.orgs['branch'].id}")))
    assert "ILS branch code HAR" in page
    assert "Part of Lakeside Library System" in page


def test_detail_shows_contacts(world, login):
    orgs.save_contact(SETUP, world.orgs["north"], {"name": "Pat Principal", "title": "Principal", "role": "principal",
                                                    "email": "pat@example.org", "phone": "555-0100", "can_sign": True})
    page = body(login(world.emails["viewer"]).get(f"/organisations/{world.orgs['north'].id}"))
    contacts = re.search(r'<section id="contacts".*?</section>', page, re.S).group(0)
    assert "Pat Principal" in contacts and "mailto:pat@example.org" in contacts
    row = flat(re.search(r"<tr><td>Pat Principal.*?</tr>", contacts, re.S).group(0))
    assert row == "Pat Principal Principal Principal pat@example.org yes"


def test_missing_organisation_is_404(world, login):
    assert login(world.emails["viewer"]).get("/organisations/999999").status_code == 404


# ---- create and edit -------------------------------------------------------------------------

def test_admin_creates_an_organisation_and_the_creation_is_in_its_history(world, login):
    s = login(world.emails["admin"])
    assert s.get("/organisations/new").status_code == 200
    response = s.post("/organisations/new", new_org_data(parent_id=world.orgs["library"].id, ils_branch_code="BAY"))
    assert response.status_code == 303
    created = db.session.execute(select(Organisation).where(Organisation.name == "Bayview Branch")).scalar_one()
    assert response.headers["Location"].endswith(f"/organisations/{created.id}")
    assert created.parent_id == world.orgs["library"].id and created.ils_branch_code == "BAY"
    page = s.get(response.headers["Location"])
    text = flat(body(page))
    assert "Bayview Branch was added." in text
    history = flat(re.search(r'<section id="section-history".*?</section>', body(page), re.S).group(0))
    assert "Admin created the organisation" in history and "admin@test.example" not in history
    assert "name: Bayview Branch" in history
    assert "ILS branch code: BAY" in history
    assert len(events("organisation.created", created.id)) == 1


def test_history_names_related_organisations_rather_than_their_ids(world, login):
    """"parent id: — → 1" means nothing to a reader; the History should say which organisation."""
    o = world.orgs
    s = login(world.emails["admin"])
    response = s.post("/organisations/new", new_org_data(name="West School", kind="school", parent_id=o["district"].id,
                                                         home_branch_id=o["branch"].id))
    assert response.status_code == 303
    history = flat(re.search(r'<section id="section-history".*?</section>', body(s.get(response.headers["Location"])),
                             re.S).group(0))
    assert "Lakeside District" in history, history
    assert "Harbor Branch" in history, history
    assert f"→ {o['district'].id} " not in history + " " and f"→ {o['branch'].id} " not in history + " ", history


def test_administrator_edits_an_organisation_in_scope_with_field_level_history(world, login):
    s = login(world.emails["administrator"])
    branch = world.orgs["branch"]
    form = body(s.get(f"/organisations/{branch.id}/edit"))
    data = form_values(form)
    assert data["name"] == "Harbor Branch" and data["ils_branch_code"] == "HAR"
    data.update(name="Harbour Branch", city="Port Lakeside")
    response = s.post(f"/organisations/{branch.id}/edit", data)
    assert response.status_code == 303
    saved = fresh(Organisation, branch.id)
    assert (saved.name, saved.city, saved.ils_branch_code) == ("Harbour Branch", "Port Lakeside", "HAR")
    [event] = events("organisation.updated", branch.id)
    assert event.changes == {"name": ["Harbor Branch", "Harbour Branch"], "city": ["", "Port Lakeside"]}
    page = body(s.get(f"/organisations/{branch.id}"))
    history = flat(re.search(r'<section id="section-history".*?</section>', page, re.S).group(0))
    assert "changed the organisation" in history
    assert "name: Harbor Branch → Harbour Branch" in history
    assert "city: Port Lakeside" in history
    assert "Administrator changed the" in history and "administrator@test.example" not in history


def test_saving_without_changes_records_nothing(world, login):
    s = login(world.emails["administrator"])
    branch = world.orgs["branch"]
    data = form_values(body(s.get(f"/organisations/{branch.id}/edit")))
    assert s.post(f"/organisations/{branch.id}/edit", data).status_code == 303
    assert events("organisation.updated", branch.id) == []


def _make_sourced(world):
    orgs.update_organisation(SETUP, world.orgs["south"], {"kind": "school", "parent_id": world.orgs["district"].id,
                                                           "sourced_id": "ORG-55"})


# (case id, data for a new organisation (given the world), field, message fragment)
BAD_CREATES = [
    ("duplicate state id", lambda w: new_org_data(name="Dup Library", kind="library_system", state_id="LIB-1"),
     "state_id", "LIB-1 is already used by Lakeside Library System"),
    ("duplicate sourcedId", lambda w: (_make_sourced(w), new_org_data(name="Dup School", kind="school",
                                        parent_id=w.orgs["district"].id, sourced_id="ORG-55"))[1],
     "sourced_id", "ORG-55 is already used by South School"),
    ("duplicate ILS code", lambda w: new_org_data(parent_id=w.orgs["library"].id, ils_branch_code="HAR"),
     "ils_branch_code", "HAR is already used by Harbor Branch"),
    ("branch under a district", lambda w: new_org_data(parent_id=w.orgs["district"].id),
     "parent_id", "cannot sit under"),
    ("home branch not a branch", lambda w: new_org_data(name="East School", kind="school", parent_id=w.orgs["district"].id,
                                                        home_branch_id=w.orgs["library"].id),
     "home_branch_id", "Lakeside Library System is not a branch"),
    ("home branch on a non-school", lambda w: new_org_data(parent_id=w.orgs["library"].id, home_branch_id=w.orgs["branch"].id),
     "home_branch_id", "Only a school has a home branch"),
    ("ILS code on a non-branch", lambda w: new_org_data(name="East School", kind="school", parent_id=w.orgs["district"].id,
                                                        ils_branch_code="EAS"),
     "ils_branch_code", "Only a branch has an ILS branch code"),
    ("name too long", lambda w: new_org_data(name="N" * 201, parent_id=w.orgs["library"].id),
     "name", "200"),
    ("unknown parent", lambda w: new_org_data(parent_id="987654"),
     "parent_id", "does not exist"),
]


def test_bad_input_on_create_is_refused_beside_the_field_and_kept(world, login, subtests):
    s = login(world.emails["admin"])
    count = select(db.func.count()).select_from(Organisation)
    for case, make, field, message in BAD_CREATES:
        with subtests.test(case):
            data = make(world)
            before = db.session.execute(count).scalar()
            db.session.commit()
            response = s.post("/organisations/new", data)
            page = body(response)
            assert response.status_code == 422
            assert_error_beside(page, field, message)
            kept = form_values(page)
            for name in ("name", "kind", "state_id", "sourced_id", "ils_branch_code", "street", "city"):
                assert kept[name] == str(data[name]), f"{name} was not kept"
            if data["parent_id"] and case != "unknown parent":
                assert kept["parent_id"] == str(data["parent_id"])
            db.session.expire_all()
            assert db.session.execute(count).scalar() == before
            db.session.commit()


def test_bad_input_on_edit_is_refused_and_nothing_changes(world, login):
    s = login(world.emails["administrator"])
    branch = world.orgs["branch"]
    data = form_values(body(s.get(f"/organisations/{branch.id}/edit")))
    data.update(name="Renamed Branch", state_id="DIS-1")  # the district's state id
    response = s.post(f"/organisations/{branch.id}/edit", data)
    page = body(response)
    assert response.status_code == 422
    assert_error_beside(page, "state_id", "DIS-1 is already used by Lakeside District")
    assert form_values(page)["name"] == "Renamed Branch"
    assert fresh(Organisation, branch.id).name == "Harbor Branch"
    assert events("organisation.updated", branch.id) == []


def test_an_organisation_cannot_be_placed_under_its_own_descendant(world, login):
    """A municipality turned into a branch of the library system that sits under it would make a loop."""
    city = org("City of Lakeside", "municipality")
    library = world.orgs["library"]
    orgs.update_organisation(SETUP, library, {"kind": "library_system", "parent_id": city.id})
    s = login(world.emails["admin"])
    data = form_values(body(s.get(f"/organisations/{city.id}/edit")))
    data.update(kind="branch", parent_id=str(library.id))
    response = s.post(f"/organisations/{city.id}/edit", data)
    page = body(response)
    assert response.status_code == 422, "the edit was accepted: the tree now has a loop"
    assert_error_beside(page, "parent_id", "cannot sit under itself or one of its own")
    saved = fresh(Organisation, city.id)
    assert (saved.kind, saved.parent_id) == ("municipality", None)


def test_an_organisation_cannot_be_placed_under_itself(world, login):
    library = world.orgs["library"]
    s = login(world.emails["admin"])
    data = form_values(body(s.get(f"/organisations/{library.id}/edit")))
    data.update(kind="branch", parent_id=str(library.id))
    response = s.post(f"/organisations/{library.id}/edit", data)
    assert response.status_code == 422
    assert_error_beside(body(response), "parent_id", "cannot sit under itself")
    assert fresh(Organisation, library.id).parent_id is None


def _refused_with_a_message(response):
    page = body(response)
    assert response.status_code == 422, f"accepted ({response.status_code}): the tree now breaks its own rules"
    assert field_errors(page) or 'class="form-errors"' in page


@pytest.mark.parametrize("key, change, kept, message", [
    ("library", {"kind": "district"}, "library_system",
     "Harbor Branch below it cannot sit under a School district; move them first."),
    ("district", {"kind": "library_system"}, "district",
     "North School, South School below it cannot sit under a Library system; move them first."),
    ("branch", {"kind": "library_system", "parent_id": "", "ils_branch_code": ""}, "branch",
     "It is the home branch of North School, so it must stay a branch."),
], ids=["library system with branches", "district with schools", "a school's home branch"])
def test_a_change_of_kind_cannot_strand_what_hangs_on_it(world, login, key, change, kept, message):
    org = world.orgs[key]
    s = login(world.emails["admin"])
    data = form_values(body(s.get(f"/organisations/{org.id}/edit")))
    data.update(change)
    response = s.post(f"/organisations/{org.id}/edit", data)
    _refused_with_a_message(response)
    assert message in body(response)
    assert fresh(Organisation, org.id).kind == kept


def test_administrator_of_the_library_cannot_edit_the_district_but_can_view_it(world, login):
    s = login(world.emails["administrator"])
    district = world.orgs["district"]
    page = s.get(f"/organisations/{district.id}")
    assert page.status_code == 200
    assert f'href="/organisations/{district.id}/edit"' not in body(page)
    assert "Confirm these details are current" not in body(page)
    assert s.get(f"/organisations/{district.id}/edit").status_code == 403
    data = new_org_data(name="Taken Over District", kind="district")
    assert s.post(f"/organisations/{district.id}/edit", data).status_code == 403
    assert s.post(f"/organisations/{district.id}/confirm").status_code == 403
    assert s.get(f"/organisations/{district.id}/contacts/new").status_code == 403
    assert fresh(Organisation, district.id).name == "Lakeside District"
    own = body(s.get(f"/organisations/{world.orgs['branch'].id}"))
    assert f'href="/organisations/{world.orgs["branch"].id}/edit"' in own


# ---- review dates ----------------------------------------------------------------------------

def _set_confirmed(o, when):
    o.last_confirmed = when
    db.session.commit()


def test_needs_review_flag(world, login, subtests):
    """Flagged when the details were last confirmed more than 365 days ago, or never."""
    branch = world.orgs["branch"]
    s = login(world.emails["viewer"])
    for days_ago, flagged in [(None, True), (400, True), (366, True), (365, False), (10, False)]:
        with subtests.test(days_ago=days_ago):
            _set_confirmed(branch, None if days_ago is None else date.today() - timedelta(days=days_ago))
            detail = flat(body(s.get(f"/organisations/{branch.id}")))
            listing = body(s.get("/organisations?q=harbor"))
            assert ("needs review" in detail) is flagged
            assert ("needs review" in listing) is flagged
            if days_ago is None:
                assert "Last confirmed never" in detail


def test_confirming_clears_the_flag_and_is_audited(world, login):
    branch = world.orgs["branch"]
    old = date.today() - timedelta(days=500)
    _set_confirmed(branch, old)
    s = login(world.emails["administrator"])
    page = body(s.get(f"/organisations/{branch.id}"))
    assert "needs review" in page and "Confirm these details are current" in page
    response = s.post(f"/organisations/{branch.id}/confirm")
    assert response.status_code == 303
    page = body(s.get(response.headers["Location"]))
    assert "needs review" not in page
    assert fresh(Organisation, branch.id).last_confirmed == date.today()
    [event] = events("organisation.confirmed", branch.id)
    assert event.changes == {"last_confirmed": [old.isoformat(), date.today().isoformat()]}
    history = flat(re.search(r'<section id="section-history".*?</section>', page, re.S).group(0))
    today = date.today()
    assert f"last confirmed: {old:%B} {old.day}, {old.year} → {today:%B} {today.day}, {today.year}" in history


def test_confirm_is_post_only(world, login):
    s = login(world.emails["administrator"])
    assert s.get(f"/organisations/{world.orgs['branch'].id}/confirm").status_code == 405


# ---- contacts --------------------------------------------------------------------------------

def contact_data(**changes):
    data = {"name": "Robin Reader", "title": "Teacher Librarian", "role": "school_librarian",
            "email": "robin@example.org", "phone": "555-0101", "can_sign": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_school_librarian_adds_a_contact_who_can_sign(world, login):
    north = world.orgs["north"]
    s = login(world.emails["school_librarian"])
    assert s.get(f"/organisations/{north.id}/contacts/new").status_code == 200
    response = s.post(f"/organisations/{north.id}/contacts/new", contact_data())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organisations/{north.id}#contacts")
    contact = db.session.execute(select(Contact).where(Contact.organisation_id == north.id)).scalar_one()
    assert (contact.name, contact.email, contact.can_sign, contact.role) == ("Robin Reader", "robin@example.org", True, "school_librarian")
    page = body(s.get(f"/organisations/{north.id}"))
    row = flat(re.search(r"<tr><td>Robin Reader.*?</tr>", page, re.S).group(0))
    assert row.startswith("Robin Reader Teacher Librarian School librarian robin@example.org yes")
    [event] = events("contact.created", north.id)
    assert event.changes["can_sign"] == [None, True]
    assert "name: Robin Reader" in flat(re.search(r'<section id="section-history".*?</section>', page, re.S).group(0))


def test_editing_a_contact_can_take_away_signing(world, login):
    north = world.orgs["north"]
    contact = orgs.save_contact(SETUP, north, {"name": "Robin Reader", "title": "Librarian", "role": "school_librarian",
                                               "email": "robin@example.org", "phone": "", "can_sign": True})
    s = login(world.emails["school_librarian"])
    url = f"/organisations/{north.id}/contacts/{contact.id}/edit"
    data = form_values(body(s.get(url)))
    assert data["can_sign"] == "y" and data["email"] == "robin@example.org"
    data.pop("can_sign")  # unticked: the browser sends nothing
    data["title"] = "Head Librarian"
    response = s.post(url, data)
    assert response.status_code == 303
    saved = fresh(Contact, contact.id)
    assert (saved.can_sign, saved.title) == (False, "Head Librarian")
    [event] = events("contact.updated", north.id)
    assert event.changes == {"contact": "Robin Reader", "title": ["Librarian", "Head Librarian"], "can_sign": [True, False]}
    page = body(s.get(f"/organisations/{north.id}"))
    assert flat(re.search(r"<tr><td>Robin Reader.*?</tr>", page, re.S).group(0)).startswith(
        "Robin Reader Head Librarian School librarian robin@example.org no")
    history = flat(re.search(r'<section id="section-history".*?</section>', page, re.S).group(0))
    assert "can sign: yes → no" in history


def test_bad_email_is_refused_beside_the_field(world, login):
    north = world.orgs["north"]
    s = login(world.emails["school_librarian"])
    response = s.post(f"/organisations/{north.id}/contacts/new", contact_data(email="robin-at-example"))
    page = body(response)
    assert response.status_code == 422
    assert_error_beside(page, "email", "email")
    kept = form_values(page)
    assert kept["email"] == "robin-at-example" and kept["name"] == "Robin Reader" and kept.get("can_sign") == "y"
    assert db.session.execute(select(Contact)).first() is None


def test_a_contact_at_a_test_domain_or_a_subdomain_is_taken_as_accounts_take_it(world, login):
    north = world.orgs["north"]
    s = login(world.emails["school_librarian"])
    for address in ("lee@lincoln.demo.test", "robin@mail.north.k12.ca.us"):
        response = s.post(f"/organisations/{north.id}/contacts/new", contact_data(email=address, name=address))
        assert response.status_code == 303, body(response)
    assert sorted(db.session.scalars(select(Contact.email))) == ["lee@lincoln.demo.test", "robin@mail.north.k12.ca.us"]


def test_contact_of_another_organisation_is_not_editable_through_this_one(world, login):
    south = world.orgs["south"]
    contact = orgs.save_contact(SETUP, south, {"name": "Sam South", "title": "", "role": "principal",
                                               "email": "", "phone": "", "can_sign": False})
    s = login(world.emails["admin"])
    assert s.get(f"/organisations/{world.orgs['north'].id}/contacts/{contact.id}/edit").status_code == 404


def test_removing_a_contact_keeps_them_in_the_history(world, login):
    north = world.orgs["north"]
    contact = orgs.save_contact(SETUP, north, {"name": "Robin Reader", "title": "Librarian", "role": "school_librarian",
                                               "email": "", "phone": "", "can_sign": False})
    contact_id = contact.id
    s = login(world.emails["school_librarian"])
    response = s.post(f"/organisations/{north.id}/contacts/{contact_id}/remove")
    assert response.status_code == 303
    assert fresh(Contact, contact_id) is None
    page = body(s.get(f"/organisations/{north.id}"))
    assert "Robin Reader was removed from the contacts." in page
    history = flat(re.search(r'<section id="section-history".*?</section>', page, re.S).group(0))
    assert "removed a contact" in history and "Robin Reader → —" in history
    other = login(world.emails["school_librarian"]).post(
        f"/organisations/{world.orgs['other_school'].id}/contacts/{contact_id}/remove")
    assert other.status_code == 403
