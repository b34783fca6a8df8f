"""Agreements: creating, listing, inline editing, parties and goals, through the pages."""
import re
from datetime import date, timedelta

import pytest

from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tests.world import agreement as make_agreement


def new_agreement_form(world, **overrides):
    data = {
        "title": "Summer Reading MOU", "kind": "mou", "purpose": "Summer reading for all grades.",
        "collaboration_level": "cooperating", "manager_id": "", "term_kind": "fixed",
        "effective_date": "2027-01-01", "end_date": "2028-12-31", "renewal": "none", "renewal_months": "",
        "notice_days": "30", "modification_window_start": "", "modification_window_end": "",
        "parties-0-organisation_id": str(world.orgs["library"].id), "parties-0-role": "lead",
        "parties-0-contributes": "Books", "parties-0-receives": "",
        "parties-1-organisation_id": str(world.orgs["north"].id), "parties-1-role": "partner",
        "parties-1-contributes": "", "parties-1-receives": "Books",
        "parties-2-organisation_id": "", "parties-2-role": "partner",
    }
    data.update(overrides)
    return data


def error_near(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', html)
    return match.group(1) if match else ""


def test_create_agreement_as_draft_and_audit_it(world, login):
    s = login(world.emails["library_staff"])
    response = s.post("/agreements/new", new_agreement_form(world))
    assert response.status_code == 303
    created = db.session.query(Agreement).filter_by(title="Summer Reading MOU").one()
    assert created.status == "draft"
    assert {p.organisation.name for p in created.parties} == {"Lakeside Library System", "North School"}
    event = db.session.query(AuditEvent).filter_by(action="agreement.created", entity_id=str(created.id)).one()
    assert event.changes["title"] == [None, "Summer Reading MOU"]
    assert event.actor_label.startswith("Library Staff")
    page = s.get(response.headers["Location"]).get_data(as_text=True)
    assert "Summer Reading MOU" in page and "created the agreement" in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"end_date": "2026-06-01"}, "end_date", "The end date must be after the effective date."),
    ({"end_date": ""}, "end_date", "A pilot or fixed-term agreement needs an end date."),
    ({"renewal": "automatic"}, "renewal_months", "Automatic renewal needs a renewal length in months."),
    ({"modification_window_start": "2"}, "modification_window_end", "Give both the first and the last month"),
    ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters."),
    ({"title": ""}, "title", "This field is required."),
    ({"notice_days": "-5"}, "notice_days", "Number must be between 0 and 3650."),
])
def test_create_refuses_bad_fields_beside_the_field(world, login, overrides, field, message):
    s = login(world.emails["administrator"])
    response = s.post("/agreements/new", new_agreement_form(world, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in error_near(html, field)
    assert 'value="Summer Reading MOU"' in html or field == "title"  # what was typed is kept
    assert db.session.query(Agreement).count() == 2


@pytest.mark.parametrize("parties, message", [
    ({"parties-0-organisation_id": "", }, "must include a public library"),
    ({"parties-1-organisation_id": "", }, "must include a school or a school district"),
    ({"parties-2-organisation_id": "99999"}, "Unknown organisation: 99999"),
    ({"parties-2-organisation_id": "SPAM"}, "Unknown organisation"),
    ("duplicate", "Each organisation can be a party only once."),
])
def test_create_refuses_bad_party_lists(world, login, parties, message):
    s = login(world.emails["administrator"])
    if parties == "duplicate":
        parties = {"parties-2-organisation_id": str(world.orgs["north"].id)}
    response = s.post("/agreements/new", new_agreement_form(world, **parties))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(Agreement).count() == 2


def test_missing_library_and_school_each_get_their_own_message(world, login):
    s = login(world.emails["administrator"])
    form = new_agreement_form(world, **{"parties-0-organisation_id": "", "parties-1-organisation_id": ""})
    html = s.post("/agreements/new", form).get_data(as_text=True)
    assert "must include a public library" in html and "must include a school or a school district" in html


# ---- the list ---------------------------------------------------------------------------

def titles(html: str) -> list[str]:
    return re.findall(r'<td><a href="/agreements/\d+">([^<]+)</a>', html)


def test_list_searches_title_and_party_names(world, login):
    s = login(world.emails["admin"])
    assert titles(s.get("/agreements?q=lakeside card").get_data(as_text=True)) == ["Lakeside Card MOU"]
    assert titles(s.get("/agreements?q=hill school").get_data(as_text=True)) == ["Hill Card MOU"]
    assert titles(s.get("/agreements?q=nothing-like-this").get_data(as_text=True)) == []


def test_list_is_scoped_to_the_users_organisations(world, login):
    assert titles(login(world.emails["school_librarian"]).get("/agreements").get_data(as_text=True)) == ["Lakeside Card MOU"]
    assert sorted(titles(login(world.emails["admin"]).get("/agreements").get_data(as_text=True))) == ["Hill Card MOU", "Lakeside Card MOU"]


def test_list_filters_by_status_kind_organisation_and_expiry(world, login):
    soon = make_agreement("Ending Soon", [world.orgs["branch"], world.orgs["south"]], kind="joint_use",
                          effective_date=date.today() - timedelta(days=300), end_date=date.today() + timedelta(days=20))
    soon.status = "active"
    db.session.commit()
    s = login(world.emails["admin"])
    assert titles(s.get("/agreements?status=active").get_data(as_text=True)) == ["Ending Soon"]
    assert titles(s.get("/agreements?kind=joint_use").get_data(as_text=True)) == ["Ending Soon"]
    assert titles(s.get(f"/agreements?org={world.orgs['south'].id}").get_data(as_text=True)) == ["Ending Soon"]
    assert titles(s.get("/agreements?expiring=30").get_data(as_text=True)) == ["Ending Soon"]
    assert titles(s.get("/agreements?expiring=10").get_data(as_text=True)) == []
    assert "expiring" in s.get("/agreements?status=active").get_data(as_text=True)


def test_list_sorts_and_pages_keeping_the_filters(world, login):
    for i in range(30):
        make_agreement(f"Bulk {i:02d}", [world.orgs["library"], world.orgs["south"]])
    s = login(world.emails["admin"])
    html = s.get("/agreements?q=bulk&sort=title&dir=asc").get_data(as_text=True)
    assert titles(html)[:3] == ["Bulk 00", "Bulk 01", "Bulk 02"] and len(titles(html)) == 25
    assert 'href="?q=bulk&amp;sort=title&amp;dir=asc&amp;page=2"' in html
    page2 = s.get("/agreements?q=bulk&sort=title&dir=asc&page=2").get_data(as_text=True)
    assert titles(page2) == [f"Bulk {i}" for i in range(25, 30)]
    desc = s.get("/agreements?q=bulk&sort=title&dir=desc").get_data(as_text=True)
    assert titles(desc)[0] == "Bulk 29"


def test_htmx_search_returns_only_the_results(world, login):
    s = login(world.emails["admin"])
    fragment = s.get("/agreements?q=hill", htmx=True)
    assert "<html" not in fragment.get_data(as_text=True) and titles(fragment.get_data(as_text=True)) == ["Hill Card MOU"]
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = s.get("/agreements?q=hill", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    restore = s.get("/agreements?q=hill", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


# ---- inline sections ------------------------------------------------------------------------

def test_inline_edit_swaps_only_the_section(world, login):
    s = login(world.emails["school_librarian"])
    a = world.agreements["own"]
    form = s.get(f"/agreements/{a.id}/sections/term/edit", htmx=True).get_data(as_text=True)
    assert form.lstrip().startswith('<section id="section-term"') and "<html" not in form
    response = s.post(f"/agreements/{a.id}/sections/term/edit", {
        "version": str(a.version), "term_kind": "fixed", "effective_date": "2026-08-01", "end_date": "2030-07-31",
        "renewal": "mutual", "renewal_months": "12", "notice_days": "60",
        "modification_window_start": "2", "modification_window_end": "5"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="section-term"') and "July 31, 2030" in html and "February" in html
    assert 'id="section-status"' in html and 'hx-swap-oob="true"' in html  # the status bar learns the new version
    db.session.expire_all()
    assert db.session.get(type(a), a.id).end_date == date(2030, 7, 31)


def test_inline_edit_errors_stay_in_the_section_with_typed_values(world, login):
    s = login(world.emails["administrator"])
    a = world.agreements["own"]
    response = s.post(f"/agreements/{a.id}/sections/summary/edit",
                      {"version": str(a.version), "title": "", "kind": "mou", "purpose": "Kept text",
                       "collaboration_level": "networking", "manager_id": ""}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in error_near(html, "title") and "Kept text" in html


def test_section_edit_without_javascript_redirects_back(world, login):
    s = login(world.emails["administrator"])
    a = world.agreements["own"]
    page = s.get(f"/agreements/{a.id}/sections/summary/edit")
    assert "<html" in page.get_data(as_text=True)
    response = s.post(f"/agreements/{a.id}/sections/summary/edit", {
        "version": str(a.version), "title": "Renamed MOU", "kind": "mou", "purpose": "p",
        "collaboration_level": "networking", "manager_id": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("#section-summary")
    assert "Renamed MOU" in s.get(f"/agreements/{a.id}").get_data(as_text=True)


def test_history_shows_field_level_changes(world, login):
    s = login(world.emails["administrator"])
    a = world.agreements["own"]
    s.post(f"/agreements/{a.id}/sections/summary/edit", {
        "version": str(a.version), "title": "Renamed MOU", "kind": "mou", "purpose": "Cards for every student.",
        "collaboration_level": "cooperating", "manager_id": ""})
    page = s.get(f"/agreements/{a.id}/history").get_data(as_text=True)
    history = page[page.index('id="section-history"'):]
    assert "Lakeside Card MOU → Renamed MOU" in history and "changed the agreement" in history


# ---- parties and goals -----------------------------------------------------------------------

def test_add_and_remove_parties(world, login):
    s = login(world.emails["library_staff"])
    a = world.agreements["own"]
    form = s.get(f"/agreements/{a.id}/parties/new", htmx=True).get_data(as_text=True)
    assert form.lstrip().startswith('<section id="section-parties"') and 'name="organisation_id-q"' in form
    search = re.search(r'hx-get="(/organisations/pick[^"]+)"', form).group(1).replace("&amp;", "&")
    matches = s.get(search + "&organisation_id-q=school", htmx=True).get_data(as_text=True)
    assert "South School (School, Lakeside District)" in matches
    assert "North School" not in matches  # already a party
    response = s.post(f"/agreements/{a.id}/parties", {"version": a.version, "organisation_id": world.orgs["south"].id,
                                                       "role": "partner", "contributes": "Space"}, htmx=True)
    assert response.status_code == 200 and "South School" in response.get_data(as_text=True)
    db.session.expire_all()
    a = db.session.get(Agreement, a.id)
    south = next(p for p in a.parties if p.organisation_id == world.orgs["south"].id)
    again = s.post(f"/agreements/{a.id}/parties", {"version": a.version, "organisation_id": world.orgs["south"].id,
                                                    "role": "partner"}, htmx=True)
    assert again.status_code == 422 and "already a party" in again.get_data(as_text=True)
    removed = s.post(f"/agreements/{a.id}/parties/{south.id}/remove", {"version": a.version}, htmx=True)
    assert removed.status_code == 200 and "South School" not in removed.get_data(as_text=True).split("Add a party")[0]


def test_removing_the_only_library_is_refused(world, login):
    s = login(world.emails["library_staff"])
    a = world.agreements["own"]
    library = next(p for p in a.parties if p.organisation_id == world.orgs["library"].id)
    response = s.post(f"/agreements/{a.id}/parties/{library.id}/remove", {"version": a.version}, htmx=True)
    assert response.status_code == 422
    assert "must include a public library" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Agreement, a.id).parties) == 2


def test_goals_are_added_with_checked_progress(world, login):
    s = login(world.emails["school_librarian"])
    a = world.agreements["own"]
    bad = s.post(f"/agreements/{a.id}/goals", {"version": a.version, "statement": "90% of students hold a card",
                                                "progress": "140"}, htmx=True)
    assert bad.status_code == 422 and "Number must be between 0 and 100." in bad.get_data(as_text=True)
    assert "90% of students hold a card" in bad.get_data(as_text=True)  # kept
    good = s.post(f"/agreements/{a.id}/goals", {"version": a.version, "statement": "90% of students hold a card",
                                                 "measure": "cards / enrolment", "target": "90%", "progress": "40"}, htmx=True)
    assert good.status_code == 200 and 'value="40"' in good.get_data(as_text=True)


def test_a_new_agreement_must_include_one_of_the_users_organisations(world, login):
    s = login(world.emails["library_staff"])
    form = new_agreement_form(world, **{"parties-0-organisation_id": str(world.orgs["other_library"].id),
                                        "parties-1-organisation_id": str(world.orgs["other_school"].id)})
    response = s.post("/agreements/new", form)
    assert response.status_code == 422
    assert "One of the parties must be your organisation or one below it." in response.get_data(as_text=True)
    # an admin may set up a partnership between any organisations
    assert login(world.emails["admin"]).post("/agreements/new", form).status_code == 303


def test_organisation_filter_includes_the_organisations_below(world, login):
    s = login(world.emails["admin"])
    html = s.get(f"/agreements?org={world.orgs['district'].id}").get_data(as_text=True)
    assert titles(html) == ["Lakeside Card MOU"]  # North School is a party, and it is in the district
    assert f'<option selected value="{world.orgs["district"].id}">' in html
    school = s.get(f"/agreements?org={world.orgs['north'].id}").get_data(as_text=True)
    assert f'<option selected value="{world.orgs["north"].id}">North School</option>' in school


def test_goal_progress_is_updated_inline_and_audited(world, login):
    s = login(world.emails["school_librarian"])
    a = world.agreements["own"]
    s.post(f"/agreements/{a.id}/goals", {"version": a.version, "statement": "Cards for all", "progress": "10"}, htmx=True)
    db.session.expire_all()
    a = db.session.get(Agreement, a.id)
    goal = a.goals[0]
    form = s.get(f"/agreements/{a.id}/goals/{goal.id}/edit", htmx=True).get_data(as_text=True)
    assert form.lstrip().startswith('<section id="section-goals"') and 'value="Cards for all"' in form
    bad = s.post(f"/agreements/{a.id}/goals/{goal.id}/edit", {"version": a.version, "statement": "Cards for all",
                                                                "progress": "-1"}, htmx=True)
    assert bad.status_code == 422 and "Number must be between 0 and 100." in bad.get_data(as_text=True)
    good = s.post(f"/agreements/{a.id}/goals/{goal.id}/edit", {"version": a.version, "statement": "Cards for all",
                                                                 "progress": "65"}, htmx=True)
    assert good.status_code == 200 and 'value="65"' in good.get_data(as_text=True)
    event = db.session.query(AuditEvent).filter_by(action="agreement.goal_updated").one()
    assert event.changes["goal 1 progress"] == [10, 65]


def test_the_agreement_tabs_lead_to_every_part_and_each_shows_its_sections(world, login):
    s = login(world.emails["library_staff"])
    agreement = world.agreements["own"]
    page = s.get(f"/agreements/{agreement.id}").text
    tabs = page[page.index('<nav class="tabs"'):page.index("</nav>", page.index('<nav class="tabs"'))]
    links = re.findall(r'<a href="([^"]+)"', tabs)
    base = f"/agreements/{agreement.id}"
    assert links[:2] == [base, f"{base}/details"] and links[-1] == f"{base}/history"
    assert {f"{base}/documents", f"{base}/cards", f"{base}/drives", f"{base}/roster", f"{base}/milestones",
            f"{base}/key-dates", f"{base}/health"} <= set(links)
    sections = {"details": ["summary", "term", "parties", "goals"], "documents": ["documents"],
                "cards": ["card-programme", "data-sharing"], "milestones": ["milestones", "communications"],
                "key-dates": ["key-dates"], "history": ["history"]}
    for part, keys in sections.items():
        shown = s.get(f"{base}/{part}").text
        assert 'aria-current="page"' in shown and all(f'id="section-{k}"' in shown for k in keys), part
