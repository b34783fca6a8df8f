"""The baseline: a bare Flask + Flask-SQLAlchemy page rendering 50 agreement rows from the same database.

No login, no session, no permissions, no babel: one ORM query and one compiled Jinja template.
bench/run.py serves it with gunicorn exactly like the app (same workers, same worker class):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tracker_bench .venv/bin/gunicorn --chdir bench bare_app:app
"""
import os

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import Date, DateTime, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from generate import DEFAULT_DATABASE_URL, sqlalchemy_url  # bench/ is on the path (gunicorn --chdir bench)

TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Agreements</title></head>
<body>
<h1>Agreements</h1>
<table>
  <thead><tr><th>Title</th><th>Status</th><th>Ends</th></tr></thead>
  <tbody>
  {% for a in agreements %}
    <tr><td><a href="/agreements/{{ a.id }}">{{ a.title }}</a></td><td>{{ a.status }}</td><td>{{ a.end_date or "" }}</td></tr>
  {% endfor %}
  </tbody>
</table>
</body>
</html>
"""


def database_url() -> str:
    return sqlalchemy_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Agreement(db.Model):
    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30))
    end_date = mapped_column(Date)
    updated_at = mapped_column(DateTime)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
    app.jinja_loader = DictLoader({"agreements.html": TEMPLATE})
    db.init_app(app)

    @app.route("/")
    def agreements():
        query = select(Agreement).order_by(Agreement.updated_at.desc(), Agreement.id.desc()).limit(50)
        return render_template("agreements.html", agreements=db.session.execute(query).scalars().all())

    return app


app = create_app()
