"""The clause library: every catalogue category seeded, admins edit, unknown variables named, the sandbox holds."""
from sqlalchemy import func, select

from tests import documents as docs
from tracker.clauses import service, variables
from tracker.clauses.models import CATEGORIES, Clause
from tracker.extensions import db


def test_seed_covers_every_category_once_and_only_once(app):
    assert service.seed(docs.SETUP) >= len(CATEGORIES)
    categories = set(db.session.execute(select(Clause.category)).scalars())
    assert categories == set(CATEGORIES)
    count = db.session.scalar(select(func.count()).select_from(Clause))
    assert service.seed(docs.SETUP) == 0 and db.session.scalar(select(func.count()).select_from(Clause)) == count
    for clause in service.library():
        assert variables.problems(clause.body) == [], clause.title


def test_the_clauses_seed_command(app):
    runner = app.test_cli_runner()
    assert "Added" in runner.invoke(args=["clauses", "seed"]).output
    assert "nothing changed" in runner.invoke(args=["clauses", "seed"]).output


def test_everyone_reads_the_library_by_category(world, login):
    service.seed(docs.SETUP)
    html = login(world.emails["viewer"]).get("/clauses").get_data(as_text=True)
    for label in CATEGORIES.values():
        assert str(label) in html
    assert "{{ agreement.notice_days }}" in html
    assert "New clause" not in html  # viewers cannot edit


def form(**values):
    data = {"category": "termination", "title": "Short notice", "body": "Either party may end it on {{ agreement.notice_days }} days' notice.",
            "kinds": ["mou"], "active": "y"}
    data.update(values)
    return data


def test_an_admin_adds_a_clause_and_misspelt_variables_are_named(world, login):
    admin = login(world.emails["admin"])
    bad = admin.post("/clauses/new", data=form(body="Ends {{ agreement.end_dat }} for {{ parties.shcool.name }}."))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Unknown variable: {{ agreement.end_dat }}." in html and "Unknown variable: {{ parties.shcool.name }}." in html
    assert db.session.scalar(select(func.count()).select_from(Clause)) == 0
    broken = admin.post("/clauses/new", data=form(body="Ends {{ agreement.end_date"))
    assert broken.status_code == 422 and "markup is broken" in broken.get_data(as_text=True)
    good = admin.post("/clauses/new", data=form())
    assert good.status_code == 303
    clause = db.session.scalar(select(Clause))
    assert (clause.title, clause.kinds) == ("Short notice", ["mou"])
    edited = admin.post(f"/clauses/{clause.id}/edit", data=form(title="Thirty days' notice"))
    assert edited.status_code == 303
    db.session.expire_all()
    assert db.session.get(Clause, clause.id).title == "Thirty days' notice"


def test_the_sandbox_reaches_only_the_values_given():
    for body in ("{{ agreement.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ config }}", "{% for x in config %}{% endfor %}",
                 "{{ agreement.title | attr('upper') }}", "{{ cycler.__init__.__globals__ }}"):
        assert variables.problems(body), body
    context = variables.sample_context()
    assert variables.render("Until {{ agreement.end_date }}.", context) == "Until [agreement.end_date]."
    assert variables.render("{% for s in schools %}{{ s.name }}{% endfor %}", context) == "[schools.name]"
    # Even a body that skipped the check cannot reach Python internals: the sandbox refuses.
    import pytest
    from jinja2.exceptions import SecurityError, UndefinedError

    with pytest.raises((SecurityError, UndefinedError)):
        variables.render("{{ agreement.__class__.__mro__ }}", context)
