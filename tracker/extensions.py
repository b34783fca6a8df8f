"""Extensions, created once here and bound to the app in create_app."""
import flask_limiter
from flask import current_app, has_app_context, has_request_context, request
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from tracker.fields import page_number

# Stable constraint names, so migrations can alter them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Database(SQLAlchemy):
    def paginate(self, select, *, page=None, **kwargs):
        """A list's page: the `page` of the query string, a whole number from 1 the database can offset by (a
        page number that is not one is the first page), unless the caller gives it."""
        if page is None and has_request_context():
            page = page_number(request.args.get("page"))
        return super().paginate(select, page=page, **kwargs)


db = Database(model_class=Model)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter with its counts kept per app, like the other extensions keep their state.

    Flask-Limiter keeps one storage per extension object, replaced by every `init_app`; the tests build
    several apps in one process (one of them on Redis), so each app keeps the storage it was bound with.
    """

    def init_app(self, app) -> None:
        for setting in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META"):
            if app.config.get(setting):
                raise RuntimeError(f"{setting} is not used: every limit is a page's own, set in tracker/limits.py")
        super().init_app(app)
        app.extensions["limiter.counts"] = (self._storage, self._limiter)

    def _check_request_limit(self, callable_name=None, in_middleware=True) -> None:
        """Every limit of the app is a page's own (`page_limit`, tracker/limits.py), counted when its view is called;
        none is application-wide (see `init_app`). So the check Flask-Limiter runs before every request would find
        nothing to count, and is skipped: a request without a limit pays nothing for the limiter."""
        if not in_middleware:
            super()._check_request_limit(callable_name, in_middleware)

    def _counts(self):
        if has_app_context() and "limiter.counts" in current_app.extensions:
            return current_app.extensions["limiter.counts"]
        return self._storage, self._limiter

    @property
    def storage(self):
        return self._counts()[0]

    @property
    def limiter(self):
        return self._counts()[1]


# Limits themselves are set in tracker/limits.py, nowhere else.
limiter = Limiter(key_func=get_remote_address)
