"""Sessions kept on the server: the cookie holds a random token and nothing else.

Each browser's session is a row of `user_session`, keyed by the SHA-256 of its token (a copy of the table
lets nobody take a session over). The row holds what Flask keeps in a session: who is signed in, the CSRF
token, messages for the next page. Opening a request's session reads that row and its user in one query,
so the signed-in user costs nothing more (`user_loader` hands that user on).

- Signing out deletes the row: a copied cookie stops working. A password change or a deactivation deletes
  the user's other rows (`end_all`); anyone can end their own sessions from /profile.
- "Keep me signed in" makes the session last REMEMBER_DAYS since last seen, with a cookie that outlives the
  browser; otherwise SESSION_IDLE_HOURS since last seen, with a cookie that ends with the browser. There
  is no separate remember-me cookie.
- "Last seen" is written at most once every SESSION_TOUCH_MINUTES, so most requests write nothing.
- Signing in starts a new session (a new token): a token planted before sign-in is worth nothing after.
- An unknown, ended or expired token is simply no session: the visitor is signed out.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import request, session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from tracker.audit import service as audit
from tracker.auth.models import User, UserSession
from tracker.extensions import db

ANONYMOUS_HOURS = 3  # a session no one signed in to (a form's CSRF token: sign-in, an outside signer) lasts this long
PURGE_EVERY = timedelta(minutes=10)  # how often a worker deletes expired rows, when it starts a session
_purged = [datetime.min]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """The session's contents, and what the row said about them when the request began."""

    def __init__(self, data=None, sid: str | None = None, user: User | None = None, last_seen: datetime | None = None):
        def changed(session):
            session.modified = True

        super().__init__(data or {}, changed)
        self.sid = sid  # the row's id; None: no row yet
        self.user = user  # the signed-in user, read with the row (as a User, or its columns: see `read`)
        self.last_seen = last_seen
        self.modified = False
        self.renew = False  # give it a new token (set when someone signs in)


# A request's session and its user, in one query (built once: every signed-in request runs it).
OPEN = (select(UserSession.data, UserSession.last_seen_at, User).outerjoin(User, User.id == UserSession.user_id)
        .where(UserSession.id == bindparam("sid"), UserSession.expires_at > bindparam("now")))


def read(token: str, objects: bool = True) -> ServerSession | None:
    """The session a cookie's token opens, with its signed-in user (None: no such session, or the token is not one).
    A user who is no longer active is signed out of it. `objects`: the user as a User, as a page uses it; otherwise
    as the user's columns (id, role, access_version, ...), for a stored file's download, which needs no object."""
    if not token or len(token) > 100:
        return None
    sid = _hash(token)
    execute = db.session.execute if objects else db.session.connection().execute
    found = execute(OPEN, {"sid": sid, "now": _now()}).first()
    if found is None:
        return None
    user = found[2] if objects else (found if found.id is not None else None)
    data = dict(found.data or {})
    if user is None or not user.active:
        data.pop("_user_id", None)
    return ServerSession(data, sid, user, found.last_seen_at)


def due_a_touch(app, session: ServerSession) -> bool:
    """Is its "last seen" to be written at the end of this request?"""
    return session.last_seen is None or _now() - session.last_seen >= _touch(app)


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app, req) -> ServerSession:
        if req.path.startswith((app.static_url_path or "/static") + "/"):
            return ServerSession()  # static files: never a query
        try:
            return read(req.cookies.get(app.config["SESSION_COOKIE_NAME"], "")) or ServerSession()
        except SQLAlchemyError:  # the database is away: the page says so (500), signed out rather than broken
            app.logger.exception("could not read the session")
            db.session.rollback()
            return ServerSession()

    def save_session(self, app, session: ServerSession, response) -> None:
        name = app.config["SESSION_COOKIE_NAME"]
        if not isinstance(session, ServerSession):
            return
        if not session:
            if session.sid is not None:  # signed out, or emptied: the row goes, and the cookie
                _write(delete(UserSession).where(UserSession.id == session.sid))
                response.delete_cookie(name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app))
            return
        now = _now()
        lifetime = _lifetime(app, session)
        user_id = int(session["_user_id"]) if str(session.get("_user_id", "")).isdigit() else None
        if session.renew and session.sid is not None:
            _write(delete(UserSession).where(UserSession.id == session.sid))
            session.sid = None
        if session.sid is None:
            token = secrets.token_urlsafe(32)
            _write(*_purge(now), insert(UserSession).values(
                id=_hash(token), user_id=user_id, data=dict(session), remember=session.permanent, created_at=now,
                last_seen_at=now, expires_at=now + lifetime, ip=(request.remote_addr or "")[:64],
                user_agent=(request.user_agent.string or "")[:400]))
            self._set_cookie(app, session, response, token, now + lifetime)
        elif session.modified or due_a_touch(app, session):
            values = dict(last_seen_at=now, expires_at=now + lifetime, ip=(request.remote_addr or "")[:64])
            if session.modified:
                values.update(data=dict(session), user_id=user_id, remember=session.permanent)
            _write(update(UserSession).where(UserSession.id == session.sid).values(**values))
            if session.permanent:  # the cookie lasts as long as the row now does
                token = request.cookies.get(name, "")
                self._set_cookie(app, session, response, token, now + lifetime)

    def _set_cookie(self, app, session, response, token: str, expires: datetime) -> None:
        response.set_cookie(
            app.config["SESSION_COOKIE_NAME"], token,
            expires=expires.replace(tzinfo=timezone.utc) if session.permanent else None,
            httponly=self.get_cookie_httponly(app), domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")


def _lifetime(app, session) -> timedelta:
    if session.permanent:
        return timedelta(days=app.config["REMEMBER_DAYS"])
    if "_user_id" in session:
        return timedelta(hours=app.config["SESSION_IDLE_HOURS"])
    return timedelta(hours=ANONYMOUS_HOURS)


def _touch(app) -> timedelta:
    return timedelta(minutes=app.config["SESSION_TOUCH_MINUTES"])


def _write(*statements) -> None:
    """Writes of the session table, in a transaction of their own. What the request did is done by now
    (services commit their own work), so anything left uncommitted is dropped first, never written along."""
    db.session.rollback()
    for statement in statements:
        db.session.execute(statement)
    db.session.commit()


def _purge(now: datetime) -> list:
    """Expired rows go now and then, when a session starts (no cron needed): the statement, when it is time."""
    if now - _purged[0] < PURGE_EVERY:
        return []
    _purged[0] = now
    return [delete(UserSession).where(UserSession.expires_at <= now)]


def signed_in_user(user_id: str) -> User | None:
    """For Flask-Login's user_loader: the user read with the session row (no second query)."""
    user = getattr(session, "user", None)
    if user is not None and str(user.id) == user_id and user.active:
        return user
    if not user_id.isdigit():
        return None
    return db.session.execute(select(User).where(User.id == int(user_id), User.active.is_(True))).scalar()


def start(remember: bool) -> None:
    """After signing someone in: a new token for the session, and how long it lasts."""
    session.renew = True
    session.permanent = remember


def finish() -> None:
    """Signing out: this session's row goes (a copied cookie stops working); what follows starts afresh."""
    session.clear()
    session.renew = True


# ---- a user's sessions, on their profile -----------------------------------------------------

@dataclass(frozen=True)
class OpenSession:
    handle: str  # the row's id: shown only to its owner, and useless as a cookie
    browser: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    remember: bool
    current: bool


def open_sessions(user_id: int) -> list[OpenSession]:
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at > _now())
                              .order_by(UserSession.last_seen_at.desc())).all()
    here = getattr(session, "sid", None)
    return [OpenSession(r.id, browser_of(r.user_agent), r.ip, r.created_at, r.last_seen_at, r.remember, r.id == here)
            for r in rows]


def end(actor, user_id: int, handle: str) -> bool:
    """End one of the user's own sessions; that browser is signed out at its next request."""
    ended = db.session.execute(delete(UserSession).where(UserSession.id == handle, UserSession.user_id == user_id)).rowcount
    if ended:
        audit.record(actor, "auth.session_ended", "user", user_id, {})
    db.session.commit()
    return bool(ended)


def end_others(actor, user_id: int, keep: str | None) -> int:
    """"Sign out everywhere else": every session of the user but this one ends; recorded."""
    ended = end_all(user_id, keep=keep)
    audit.record(actor, "auth.sessions_ended", "user", user_id, {"sessions ended": [None, ended]})
    db.session.commit()
    return ended


def end_all(user_id: int, keep: str | None = None) -> int:
    """End every session of the user (but `keep`), in the caller's transaction: a new password, a deactivation,
    or "sign out everywhere else"."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query).rowcount


def current_handle() -> str | None:
    return getattr(session, "sid", None)


BROWSERS = [("Edge", r"Edg/"), ("Opera", r"OPR/"), ("Firefox", r"Firefox/"), ("Chrome", r"Chrome/|CriOS/"),
            ("Safari", r"Safari/")]
SYSTEMS = [("iPhone", r"iPhone"), ("iPad", r"iPad"), ("Android", r"Android"), ("Windows", r"Windows"),
           ("macOS", r"Mac OS X"), ("ChromeOS", r"CrOS"), ("Linux", r"Linux")]


def browser_of(user_agent: str) -> str:
    """"Firefox on Windows" from a browser's User-Agent; the string itself when it says neither."""
    browser = next((name for name, pattern in BROWSERS if re.search(pattern, user_agent or "")), None)
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent or "")), None)
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or (user_agent or "")[:60] or "?"


def signed_in_request() -> bool:
    """Does this request carry a signed-in session? (Nothing is loaded to answer.)"""
    return "_user_id" in session
