"""The app as wsgi.py builds it, plus one page for the benchmark: a signed-in request that renders the
layout only ("signed-in empty"). Compared with the bare page, it shows what being signed in costs by
itself (the session, the user, the permission check, the layout), before a page's own queries.

bench/run.py serves it in place of wsgi:app, from the checkout given by --app-dir (the repository by
default), with this folder on PYTHONPATH: `tracker` is imported from the checkout being measured.
"""
from flask import render_template

from tracker import create_app
from tracker.auth.access import requires

EMPTY = """{% extends "base.html" %}{% block title %}Empty{% endblock %}
{% block content %}<h1 id="bench-empty">Signed in</h1>{% endblock %}"""

app = create_app()
empty_page = app.jinja_env.from_string(EMPTY)  # compiled once, as the app's own templates are


@requires("dashboard.view")
def signed_in_empty():
    return render_template(empty_page)


app.add_url_rule("/bench/signed-in-empty", "bench_signed_in_empty", signed_in_empty)
