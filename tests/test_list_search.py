"""List pages read their filters once, through a search form bound to the query string: typed values reach the
service, nonsense in a URL is ignored (never an error page), and the column the list is sorted by says so on its
header cell."""
import re
from datetime import date

import pytest

from tests.card_fixtures import import_roster, set_up_cards, users_csv
from tracker.reports.service import SchoolYear

LISTS = ["/agreements", "/organisations", "/users"]


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def sorted_headers(html: str) -> list[tuple[str, str]]:
    """(direction, column) of every element that carries aria-sort."""
    found = re.findall(r'<(\w+)[^>]*\baria-sort="(\w+)"[^>]*>(?:<a [^>]*>)?([^<]+)', html)
    assert all(tag == "th" for tag, _d, _c in found), found
    return [(direction, column.strip()) for _tag, direction, column in found]


@pytest.mark.parametrize("url", LISTS)
def test_only_the_sorted_columns_header_carries_aria_sort(world, login, url):
    s = login(world.emails["admin"])
    default = {"/agreements": ("descending", "Updated"), "/organisations": ("ascending", "Name"),
               "/users": ("ascending", "Name")}[url]
    assert sorted_headers(body(s.get(url))) == [default]
    assert sorted_headers(body(s.get(url, htmx=True))) == [default]
    column = {"/agreements": "Title", "/organisations": "Kind", "/users": "Email"}[url]
    key = {"Title": "title", "Kind": "kind", "Email": "email"}[column]
    html = body(s.get(f"{url}?sort={key}&dir=desc"))
    assert sorted_headers(html) == [("descending", column)]
    link = re.search(rf'aria-sort="descending"><a href="([^"]+)">{column}', html).group(1)
    assert "dir=asc" in link.replace("&amp;", "&"), "clicking the sorted column turns the order round"


def test_nonsense_in_the_url_is_ignored(world, login):
    s = login(world.emails["admin"])
    everything = body(s.get("/agreements"))
    titles = lambda html: sorted(re.findall(r'<td><a href="/agreements/\d+">([^<]+)</a>', html))  # noqa: E731
    html = body(s.get("/agreements?org=abc&expiring=soon&status=bogus&kind=zz&sort=nope&dir=up&q="))
    assert titles(html) == titles(everything) == ["Hill Card MOU", "Lakeside Card MOU"]
    assert sorted_headers(html) == [("descending", "Updated")]
    for name in ("status", "kind", "org", "expiring"):
        select = re.search(rf'<select[^>]*\bname="{name}".*?</select>', html, re.S).group(0)
        assert '<option selected value="">' in select, name
    assert len(re.findall(r"<tr>\s*<td>", body(s.get("/organisations?kind=bogus&sort=%00&dir=")))) == len(world.orgs)
    assert body(s.get("/users?role=wizard&status=asleep&sort=age")).count("/users/") >= len(world.emails)


def test_the_filter_form_shows_what_the_url_chose(world, login):
    s = login(world.emails["admin"])
    district = world.orgs["district"].id
    html = body(s.get(f"/agreements?q=Lake&status=draft&kind=mou&org={district}&expiring=365"))
    assert re.search(r'<input[^>]*\bname="q"[^>]*\bvalue="Lake"', html)
    for value in ("draft", "mou", str(district), "365"):
        assert f'<option selected value="{value}">' in html, value
    assert 'name="sort"' not in html, "the default order is not written into the form"
    html = body(s.get("/agreements?sort=title&dir=asc"))
    assert re.search(r'<input[^>]*\bname="sort"[^>]*\bvalue="title"', html)
    assert re.search(r'<input[^>]*\bname="dir"[^>]*\bvalue="asc"', html)
    html = body(s.get("/users?role=viewer&status=inactive"))
    assert '<option selected value="viewer">' in html and '<option selected value="inactive">' in html


def test_the_roster_search(world, login):
    set_up_cards(world)
    import_roster(world, users_csv([("n1", "sch-north", "Nia", "North", "03", "1"), ("n2", "sch-north", "Ned", "Nord", "04", "2")]))
    staff = login(world.emails["library_staff"])
    url = f"/agreements/{world.agreements['own'].id}/roster"
    assert "North, Nia" in body(staff.get(f"{url}?school=abc"))
    html = body(staff.get(f"{url}?q=+Nia+"))
    assert "North, Nia" in html and "Nord, Ned" not in html
    assert re.search(r'<input[^>]*\bname="q"[^>]*\bvalue="Nia"', html)
    assert staff.get(f"{url}?school={world.orgs['other_school'].id}").status_code == 404


def test_the_report_year(world, login):
    s = login(world.emails["viewer"])
    url = f"/reports/agreements/{world.agreements['own'].id}"
    assert '<option selected value="2025">2025–26</option>' in body(s.get(f"{url}?year=2025"))
    now = SchoolYear.containing(date.today()).first
    for nonsense in ("abc", "1850", ""):
        assert f'<option selected value="{now}">' in body(s.get(f"{url}?year={nonsense}")), nonsense


def _listed(html: str) -> list[str]:
    return sorted(re.findall(r'<td><a href="/agreements/\d+">([^<]+)</a>', html))


def test_short_terms_match_the_start_of_a_title_or_name_and_longer_ones_anywhere(world, login):
    """Terms of one or two characters are looked up by the start of the title or of a party's name (an index of
    trigrams cannot serve them); three or more, anywhere in them. Wildcards in a term are plain characters."""
    from tests.world import agreement

    agreement("Summer reading 100% MOU", [world.orgs["library"], world.orgs["north"]])
    s = login(world.emails["admin"])
    assert _listed(body(s.get("/agreements?q=su"))) == ["Summer reading 100% MOU"]
    assert _listed(body(s.get("/agreements?q=MO"))) == []  # "MOU" ends the titles: not their start
    assert _listed(body(s.get("/agreements?q=mou"))) == ["Hill Card MOU", "Lakeside Card MOU", "Summer reading 100% MOU"]
    assert _listed(body(s.get("/agreements?q=hi"))) == ["Hill Card MOU"]  # the title, and Hill School's name
    assert _listed(body(s.get("/agreements?q=ha"))) == []  # Harbor Branch is no party
    assert _listed(body(s.get("/agreements?q=00%25"))) == ["Summer reading 100% MOU"]
    assert _listed(body(s.get("/agreements?q=0%25"))) == []  # two characters: the start only
    assert _listed(body(s.get("/agreements?q=%25"))) == []  # no title or name starts with a percent sign
    assert _listed(body(s.get("/agreements?q=_"))) == []


def test_a_long_list_is_counted_only_up_to_a_bound(world, login, monkeypatch):
    from tests.test_queries import add_agreements
    from tracker import listing

    monkeypatch.setattr(listing, "BOUND", 30)
    add_agreements(world, 60)  # 62 agreements in all for the admin
    s = login(world.emails["admin"])
    first = body(s.get("/agreements"))
    assert "More than 30 agreements" in first and "Page 1 of more than 2" in first and 'rel="next"' in first
    third = body(s.get("/agreements?page=3"))
    assert "62 agreements" in third and "Page 3 of 3" in third and 'rel="next"' not in third
    assert len(_listed(third)) == 12
    assert "2 agreements" in body(s.get("/agreements?q=card"))


def test_a_select_renders_the_same_options_as_wtforms_own_widget(app):
    """The faster select (tracker/forms.py) writes exactly what WTForms writes: escaped values and labels, the
    chosen option selected, a choice with attributes of its own still through WTForms."""
    from wtforms.fields.choices import Choice
    from wtforms.widgets import Select

    from tracker.forms import _Select

    choices = [Choice(1, 'A & <b>"', False, None), Choice('x"y', "Q", True, None), Choice(True, "t", False, None),
               Choice("", "", False, None), Choice(None, None, True, None), Choice(0, "", False, None),
               Choice(2, "with attributes", True, {"disabled": True})]
    with app.test_request_context():
        for choice in choices:
            assert str(_Select.render_option(choice)) == str(Select.render_option(choice))
