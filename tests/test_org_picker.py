"""Organisations are picked by typing part of a name (htmx), or with "Find" without JavaScript; no form lists them all."""
import re

from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db


def checkboxes(html: str, name: str) -> dict[str, bool]:
    """value -> checked, for the inputs of that name."""
    found = {}
    for tag in re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html):
        value = re.search(r'value="([^"]*)"', tag).group(1)
        found[value] = " checked" in tag
    return found


def test_forms_list_no_organisations_until_one_types(world, login):
    admin = login(world.emails["admin"])
    for url in ("/users/new", "/agreements/new", f"/agreements/{world.agreements['own'].id}/parties/new"):
        html = admin.get(url).text
        assert "Hill County Library" not in html and "South School" not in html, url
        assert 'type="search"' in html and ">Find</button>" in html, url


def test_the_type_ahead_answers_matches_as_boxes_to_tick(world, login):
    admin = login(world.emails["admin"])
    north = world.orgs["north"]
    html = admin.get("/organisations/pick?name=organisation_ids&id=organisation_ids&multiple=1&organisation_ids-q=scho",
                     headers={"HX-Request": "true"}).text
    assert 'type="checkbox"' in html and "North School (School, Lakeside District)" in html and "Hill School" in html
    chosen = admin.get(f"/organisations/pick?name=organisation_ids&id=organisation_ids&multiple=1&organisation_ids-q=scho"
                       f"&organisation_ids={north.id}").text
    assert "North School" not in chosen  # already ticked above the box
    single = admin.get("/organisations/pick?name=parties-0-organisation_id&id=parties-0-organisation_id&multiple=0"
                       "&parties-0-organisation_id-q=hill%20county").text
    assert checkboxes(single, "parties-0-organisation_id") == {str(world.orgs["other_library"].id): False}
    assert 'type="radio"' in single
    assert "No organisation matches" in admin.get("/organisations/pick?name=x&id=x&x-q=zzzz").text
    assert admin.get("/organisations/pick?name=<script>&id=x&x-q=a").status_code == 200  # nothing to show


def test_without_javascript_find_lists_matches_keeps_what_was_typed_and_saves_nothing(world, login, mailbox):
    admin = login(world.emails["admin"])
    form = {"name": "Rosa Diaz", "email": "rosa@lakeside.example", "role": "viewer"}
    found = admin.post("/users/new", {**form, "organisation_ids-q": "north", "find": "organisation_ids"})
    assert found.status_code == 200
    assert checkboxes(found.text, "organisation_ids") == {str(world.orgs["north"].id): False}
    assert 'value="Rosa Diaz"' in found.text
    assert db.session.scalar(select(User).where(User.email == "rosa@lakeside.example")) is None
    ticked = admin.post("/users/new", {**form, "organisation_ids": [str(world.orgs["north"].id)]})
    assert ticked.status_code == 303
    assert [o.name for o in db.session.scalar(select(User).where(User.email == "rosa@lakeside.example")).organisations] == ["North School"]


def test_the_chosen_organisations_stay_ticked_on_the_edit_page(world, login):
    admin = login(world.emails["admin"])
    viewer = db.session.scalar(select(User).where(User.email == world.emails["viewer"]))
    html = admin.get(f"/users/{viewer.id}").text
    assert checkboxes(html, "organisation_ids") == {str(o.id): True for o in viewer.organisations}


def test_adding_a_party_through_the_picker_leaves_out_the_parties_already_there(world, login):
    admin = login(world.emails["admin"])
    own = world.agreements["own"]
    url = f"/agreements/{own.id}/parties/new"
    html = admin.get(url).text
    search = re.search(r'hx-get="([^"]+)"[^>]*hx-target="#organisation_id-results"', html) or \
        re.search(r'hx-get="(/organisations/pick[^"]+)"', html)
    matches = admin.get(search.group(1).replace("&amp;", "&") + "&organisation_id-q=school").text
    assert "South School" in matches and "North School" not in matches  # North is a party already
