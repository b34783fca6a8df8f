"""The clause language is an allow-list: values, if/elif/else, for over our lists, join/plural/date; every other
construct is refused at save by name, and a clause that still fails at render time stays in its own place."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import documents as docs
from tracker.clauses import language, variables
from tracker.clauses.models import Clause
from tracker.extensions import db

FORBIDDEN = {
    "{% include 'base.html' %}": "{% include %}",
    "{% extends 'base.html' %}": "{% extends %}",
    "{% import 'forms.html' as f %}": "{% import %}",
    "{% from 'forms.html' import field %}": "{% from … import %}",
    "{% macro m() %}x{% endmacro %}": "{% macro %}",
    "{% call field() %}x{% endcall %}": "{% call %}",
    "{% set x = 1 %}": "{% set %}",
    "{% set x %}y{% endset %}": "{% set %}",
    "{% with x = 1 %}{% endwith %}": "{% with %}",
    "{% filter upper %}x{% endfilter %}": "{% filter %}",
    "{% block b %}{% endblock %}": "{% block %}",
    "{% autoescape false %}x{% endautoescape %}": "{% autoescape %}",
    "{% do x %}": "{% do %}",
    "{{ agreement.title.upper() }}": "( ) (calling a function)",
    "{{ agreement['title'] }}": "[ ] (looking up an item)",
    "{{ agreement.title is defined }}": "is (a test)",
    "{{ agreement.notice_days + 1 }}": "arithmetic",
    "{{ agreement.title ~ 'x' }}": "~",
    "{{ 'a' if agreement.title else 'b' }}": "… if … else … (inside {{ }})",
    "{{ [1, 2] }}": "[ ] (a list)",
}


@pytest.mark.parametrize("body,named", FORBIDDEN.items())
def test_every_forbidden_construct_is_refused_by_name(body, named):
    found = variables.problems(body)
    assert found and named in found[0], found


@pytest.mark.parametrize("body,message", [
    ("{{ agreement.title.__class__ }}", "Unknown variable: {{ agreement.title.__class__ }}."),
    ("{{ ''.__class__ }}", "beyond the names listed"),
    ("{{ config }}", "Unknown variable: {{ config }}."),
    ("{{ agreement }}", "Unknown variable: {{ agreement }}."),
    ("{% for s in schools %}{{ s.password }}{% endfor %}", "Unknown variable: {{ s.password }}."),
    ("{% for s in agreement.title %}{% endfor %}", "repeats only over the lists given"),
    ("{{ agreement.title | upper }}", "The filter “upper” is not allowed"),
    ("{{ agreement.title | attr('x') }}", "The filter “attr” is not allowed"),
    ("{{ agreement.end_date | date('%Y') }}", "The date filter takes one of"),
    ("{{ school.count | plural('school') }}", "The plural filter takes"),
    ("{% for s in schools recursive %}{% endfor %}", "with several names"),
])
def test_attribute_access_beyond_our_values_and_unknown_names_are_refused(body, message):
    assert any(message in p for p in variables.problems(body)), variables.problems(body)


def test_what_the_language_allows():
    body = ("{% if agreement.modification_window %}During {{ agreement.modification_window }}.{% elif agreement.notice_days > 10 "
            "and not agreement.end_date %}Long.{% else %}None.{% endif %} "
            "{% for s in schools %}{{ loop.index }}. {{ s.name }}{% if not loop.last %}; {% endif %}{% endfor %} "
            "{{ school.count | plural(\"school\", \"schools\") }} {{ schools | join }} {{ schools | join(\" / \") }} "
            "{{ agreement.effective_date | date(\"short\") }} {{ agreement.effective_date }}")
    assert variables.problems(body) == []
    values = {"agreement": {"modification_window": "", "notice_days": 30, "end_date": None,
                            "effective_date": date(2026, 8, 1)},
              "school": {"count": 2}, "schools": [{"name": "North", "address": ""}, {"name": "South", "address": ""}]}
    assert variables.render(body, values) == ("Long. 1. North; 2. South schools North and South North / South "
                                              "8/1/26 August 1, 2026")


def test_unguarded_values_are_known_to_the_checklist():
    reading = variables.reading("{{ agreement.end_date }}{% if agreement.modification_window %}{{ agreement.modification_window }}{% endif %}")
    assert reading.printed == ["agreement.end_date"]


def test_values_keep_their_dates_through_json():
    context = {"a": {"d": date(2026, 8, 1)}, "l": [{"d": None}]}
    assert language.from_json(language.to_json(context)) == context


def test_a_forbidden_clause_is_refused_at_save_in_the_library_and_in_a_document(world, login):
    admin = login(world.emails["admin"])
    refused = admin.post("/clauses/new", data={"category": "termination", "title": "Bad", "kinds": ["mou"], "active": "y",
                                               "body": "{% include 'base.html' %}"})
    assert refused.status_code == 422 and "{% include %} is not allowed in a clause" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Clause)) == 0
    version = docs.draft(world)
    item = version.clauses[0]
    before = item.body
    url = f"/agreements/{world.agreements['own'].id}/versions/{version.id}/clauses/{item.id}/edit"
    editor = login(world.emails["administrator"])
    for body in ("{% extends 'base.html' %}", "{% import 'x' as y %}", "{% from 'x' import y %}"):
        response = editor.post(url, data={"title": item.title, "body": body})
        assert response.status_code == 422 and "is not allowed in a clause" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(item), item.id).body == before


def test_a_clause_broken_at_render_time_stays_in_its_place(world, login, monkeypatch):
    """Whatever slips past the check (here: a body written straight into the database and a renderer that
    fails), the version page, the preview and the PDF work, the error stands in that clause's place with a
    link to mend it, and the other clauses read as usual."""
    import io

    import pypdf

    version = docs.draft(world)
    broken = version.clauses[1]
    broken.body = "{% include 'base.html' %}"  # saved behind the check's back
    db.session.commit()
    base = f"/agreements/{world.agreements['own'].id}/versions/{version.id}"
    editor = login(world.emails["administrator"])
    page = editor.get(base)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "{% include %} is not allowed in a clause" in html and "Mend this clause" in html
    assert f"/clauses/{broken.id}/edit" in html and "Lakeside Library System" in html
    preview = editor.get(base + "/preview")
    assert preview.status_code == 200 and "Mend this clause" in preview.get_data(as_text=True)

    real = language.render

    def failing(body, context, language_code="en"):
        if "grades" in body:
            raise RuntimeError("internal detail that must not reach a person")
        return real(body, context, language_code)

    monkeypatch.setattr(language, "render", failing)
    broken.body = "The programme covers grades {{ grades }}."
    db.session.commit()
    for path in ("", "/preview"):
        response = editor.get(base + path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "This clause could not be written out" in body and "internal detail" not in body
    pdf = editor.get(base + "/pdf")
    assert pdf.status_code == 200
    words = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "This clause could not be written out" in words and "Lakeside Library System" in words
