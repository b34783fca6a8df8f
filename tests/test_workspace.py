"""The agreement workspace: an overview, a page per part behind tabs, parts declared from their own
package, drives under their agreement (old addresses redirect only for those who may see them)."""
import re

import pytest
from jinja2 import ChoiceLoader, DictLoader

from tests.card_fixtures import set_up_cards
from tests.world import agreement as make_agreement
from tracker.extensions import db
from tracker.agreements import parts


def tab_links(html: str) -> list[str]:
    nav = html[html.index('<nav class="tabs"'):html.index("</nav>", html.index('<nav class="tabs"'))]
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.fixture
def notes_part(app):
    """A part declared by this test module alone: no other file knows of it."""
    original = app.jinja_loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "notes/_notes.html": '<section id="section-notes" class="card"><h2>Notes</h2><p>{{ note }} for {{ agreement.title }}</p></section>',
        "notes/_glance.html": '<section class="card glance"><h3>Notes at a glance</h3><p>{{ d.count }} notes</p></section>',
    }), original])
    part = parts.Part("notes", "Field notes", (parts.Section("notes", "notes/_notes.html",
                                                             lambda agreement, access: {"note": "A note"}),))
    glance = parts.Glance("notes", "notes/_glance.html", lambda agreement, access, today: {"count": 3})
    parts.add_part(part)
    parts.add_glance(glance)
    yield part
    parts.PARTS.remove(part)
    parts.GLANCES.remove(glance)
    app.jinja_env.loader = original


def test_a_part_declared_from_one_module_is_a_tab_a_page_and_a_section(world, login, notes_part):
    s = login(world.emails["viewer"])
    agreement = world.agreements["own"]
    overview = s.get(f"/agreements/{agreement.id}").text
    assert f"/agreements/{agreement.id}/notes" in tab_links(overview) and "Field notes" in overview
    assert "3 notes" in overview
    page = s.get(f"/agreements/{agreement.id}/notes")
    assert page.status_code == 200
    assert f"A note for {agreement.title}" in page.text
    assert re.search(r'<a href="/agreements/\d+/notes"[^>]*aria-current="page"', page.text)
    alone = s.get(f"/agreements/{agreement.id}/sections/notes", htmx=True)
    assert alone.status_code == 200 and alone.text.count('id="section-notes"') == 1 and "<nav" not in alone.text


def test_a_tab_followed_with_htmx_gets_the_workspace_and_title_only(world, login):
    s = login(world.emails["viewer"])
    agreement = world.agreements["own"]
    body = s.get(f"/agreements/{agreement.id}/milestones", htmx=True).text
    assert body.lstrip().startswith("<title>") and 'id="workspace"' in body
    assert "<html" not in body and 'id="agreement-head"' not in body
    assert s.get(f"/agreements/{agreement.id}/no-such-part").status_code == 404


def test_users_below_a_party_see_only_their_tabs(world, login):
    """The school librarian (North School) stands below the district party: no history, no health, no
    communication log."""
    agreement = make_agreement("District MOU", [world.orgs["library"], world.orgs["district"]])
    db.session.commit()
    s = login(world.emails["school_librarian"])
    links = tab_links(s.get(f"/agreements/{agreement.id}").text)
    base = f"/agreements/{agreement.id}"
    assert f"{base}/milestones" in links and f"{base}/drives" in links
    assert f"{base}/history" not in links and f"{base}/health" not in links
    assert s.get(f"{base}/history").status_code == 403
    assert 'id="section-communications"' not in s.get(f"{base}/milestones").text
    staff_links = tab_links(login(world.emails["library_staff"]).get(base).text)
    assert f"{base}/history" in staff_links and f"{base}/health" in staff_links


def test_student_pages_stay_out_of_the_browser_history_cache(world, login):
    _programme, drive = set_up_cards(world)
    s = login(world.emails["library_staff"])
    roster = s.get(f"/agreements/{drive.agreement_id}/roster").text
    school = s.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{world.orgs['north'].id}").text
    assert 'hx-history="false"' in roster and 'hx-history="false"' in school
    assert 'hx-history="false"' not in s.get(f"/agreements/{drive.agreement_id}/milestones").text


def test_old_drive_addresses_redirect_after_the_access_check(world, login):
    _programme, drive = set_up_cards(world)
    north = world.orgs["north"].id
    staff = login(world.emails["library_staff"])
    moved = staff.get(f"/drives/{drive.id}/schools/{north}?grade=03")
    assert moved.status_code == 308
    assert moved.headers["Location"] == f"/agreements/{drive.agreement_id}/drives/{drive.id}/schools/{north}?grade=03"
    assert staff.get(f"/drives/{drive.id}").headers["Location"] == f"/agreements/{drive.agreement_id}/drives/{drive.id}"
    # Someone who does not see the agreement learns nothing, not even that the drive exists.
    _p, hidden = set_up_cards(world, "other")
    answer = staff.get(f"/drives/{hidden.id}/schools/{world.orgs['other_school'].id}")
    assert answer.status_code == 404 and "Location" not in answer.headers and "Hill" not in answer.text
    assert staff.get("/drives/999999").status_code == 404
    # The new address names the agreement: another agreement's id does not reach the drive.
    other = world.agreements["other"].id
    assert login(world.emails["administrator"]).get(f"/agreements/{other}/drives/{drive.id}").status_code == 404


def test_the_overview_says_what_needs_attention(world, login):
    from datetime import date, timedelta

    from tracker.audit.service import SYSTEM
    from tracker.milestones import service as milestones

    agreement = world.agreements["own"]
    data = {"title": "Send the roster", "due_date": date.today() - timedelta(days=3), "party_id": None, "owner_user_id": None,
            "owner_contact_id": None, "status": "planned", "evidence": ""}
    milestones.add(SYSTEM, agreement, data, date.today())
    page = login(world.emails["library_staff"]).get(f"/agreements/{agreement.id}").text
    attention = page[page.index('id="attention-heading"'):]
    assert "Milestone overdue: Send the roster" in attention and "Overdue" in attention
    assert f'href="/agreements/{agreement.id}/milestones#section-milestones"' in attention
