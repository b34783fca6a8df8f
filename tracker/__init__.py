"""The Library Partnership Tracker: `create_app` builds the one Flask app."""
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as settings
from tracker import extensions, languages
from tracker.pagecache import store as pagecache

ROOT = Path(__file__).resolve().parent.parent


def create_app(environment: str | None = None, overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("TRACKER_INSTANCE", str(ROOT / "instance")),
    )
    chosen = settings.load(environment)
    app.config.from_object(chosen)
    app.config["ENVIRONMENT"] = environment or os.environ.get("TRACKER_ENV", "development")
    app.config.update(overrides or {})
    if chosen is settings.Production:
        settings.check_production(app.config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'tracker.db'}"
    _normalise_database_url(app)
    from tracker.site.stored_files import StoredFiles

    app.wsgi_app = StoredFiles(app, app.wsgi_app)  # a sealed PDF's download, before the page machinery
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust X-Forwarded-For/-Proto from this many proxies, so the audit log records the real address.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _bind_extensions(app)
    from tracker.site import converters

    converters.register(app)  # ids the database cannot hold and control characters match no route
    _register_blueprints(app)
    from tracker.scope import loading

    loading.check_routes(app)  # a route naming something inside an agreement without a scope is refused
    from tracker.site import errors, templating

    errors.register(app)
    templating.register(app)
    return app


def _normalise_database_url(app: Flask) -> None:
    """Let DATABASE_URL say postgres:// or postgresql:// and use psycopg 3 either way."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len(prefix):]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # JIT compilation only slows the short queries of a web app down. A deployment's data sits in memory, so an
        # index page costs about what a sequential one does (1.1, not the spinning-disk 4): without it the planner
        # reads all 10,000 titles with ILIKE rather than look a rare term up in the trigram index (docs/performance.md).
        options["connect_args"] = {"options": "-c jit=off -c random_page_cost=1.1"}
    elif url.startswith("sqlite"):
        options = {"connect_args": {"timeout": 15}}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _bind_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (every table known before migrate binds)

    ext = extensions  # `tracker.htmx` (the helpers module) would shadow a bare `htmx` name here
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True,
                         include_object=managed_by_models)
    ext.csrf.init_app(app)
    ext.htmx.init_app(app)
    ext.babel.init_app(app, locale_selector=languages.asked)
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "auth.login"
    ext.login_manager.login_message_category = "info"
    from tracker.auth.sessions import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()  # the cookie holds a random token; the session is a row
    # Rate-limit counts in the jobs' Redis when REDIS_URL is set, else in this worker's memory.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    ext.limiter.init_app(app)
    pagecache.init_app(app)


def managed_by_models(obj, name, type_, reflected, compare_to) -> bool:
    """What autogenerate compares: everything but the PostgreSQL-only search indexes of 0002 and 0010."""
    return not (type_ == "index" and name and name.endswith(("_trgm", "_prefix")))


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from tracker.agreements.views import bp as agreements
    from tracker.audit.cli import bp as audit
    from tracker.audit.views import bp as audit_log
    from tracker.auth.account_views import bp as accounts
    from tracker.auth.cli import bp as users
    from tracker.auth.profile import bp as profile
    from tracker.auth.views import bp as auth
    from tracker.auth import password_views, sso_views  # noqa: F401  (their routes join the auth blueprint)
    from tracker.auth import domain_views  # noqa: F401  (its routes join the accounts blueprint)
    from tracker.dashboard.views import bp as dashboard
    from tracker.demo.cli import bp as demo
    from tracker.jobs.views import bp as jobs
    from tracker.jobs.worker import bp as jobs_cli
    from tracker.orgs.views import bp as orgs
    from tracker.pagecache.cli import bp as pagecache_cli
    from tracker.partners.views import bp as partners, staff as partner_changes
    from tracker.partners import overview  # noqa: F401  (its dashboard panel)
    from tracker.site.views import bp as site

    for blueprint in (site, auth, accounts, profile, dashboard, orgs, partners, partner_changes, agreements, jobs, audit, audit_log, demo, users,
                      jobs_cli, pagecache_cli):
        app.register_blueprint(blueprint)
    _register_document_blueprints(app)
    _register_card_blueprints(app)
    _register_partnership_blueprints(app)


def _register_document_blueprints(app: Flask) -> None:
    """The clause library, MOU documents, sign-off and public verification."""
    from tracker.clauses.cli import bp as clauses_cli
    from tracker.clauses.views import bp as clauses
    from tracker.documents.cli import bp as documents_cli
    from tracker.documents.public_views import bp as public_documents
    from tracker.documents import overview  # noqa: F401  (its dashboard panel and key dates)
    from tracker.documents.views import bp as documents
    from tracker.documents import list_views, sign_views  # noqa: F401  (their routes join the documents blueprint)

    for blueprint in (clauses, documents, public_documents, clauses_cli, documents_cli):
        app.register_blueprint(blueprint)


def _register_card_blueprints(app: Flask) -> None:
    """Card programmes, data-sharing specs, drives, rosters, patron exports, privacy."""
    from tracker.cards import overview  # noqa: F401  (its key dates, dashboard panel and report section)
    from tracker.outcomes import drive_section, overview as outcomes_overview  # noqa: F401  (card use: report and drive page)
    from tracker.cards.cli import patrons_cli, privacy_cli, roster_cli
    from tracker.cards.views import bp as cards
    from tracker.families.letter_views import bp as letters
    from tracker.cards import roster_views  # noqa: F401  (its routes join the cards blueprint)
    from tracker.families import responses  # noqa: F401  (its section on a drive's page)
    from tracker.families.views import bp as families
    from tracker.outcomes.views import bp as outcomes

    for blueprint in (cards, letters, outcomes, families, roster_cli, patrons_cli, privacy_cli):
        app.register_blueprint(blueprint)


def _register_partnership_blueprints(app: Flask) -> None:
    """Resources, milestones, health, calendar and reports."""
    from tracker.calendar.cli import bp as reminders
    from tracker.calendar.views import bp as calendar
    from tracker.health.views import bp as health
    from tracker.milestones.views import bp as milestones
    from tracker.reports.views import bp as reports
    from tracker.resources.views import bp as resources

    for blueprint in (resources, milestones, health, calendar, reminders, reports):
        app.register_blueprint(blueprint)
