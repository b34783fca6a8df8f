"""How the tests share the database: one connection, a transaction rolled back after each test, and the
worlds tests share built once.

    BEGIN                                  the outer transaction, on one connection
      SAVEPOINT  layer "world"             tests/world.py's world, built once
        SAVEPOINT  layer "matrix"          the permission matrix's partnership and signed-in users (tests/routes.py)
          SAVEPOINT  test                  one test, rolled back after it
            SAVEPOINT ... RELEASE          each commit of the app's sessions

Every session of an app on the test database (the test's own, each request's, a command's) is bound to that
connection with join_transaction_mode="create_savepoint": a service's commit releases a savepoint, its
rollback goes back to it. Code that asks the engine for a connection of its own (the audit checkpoint reads
the head as committed, a job records its progress) is lent the same one. A test gets the layers it asks for
(the `world` and `matrix` fixtures) and no others: layers it does not want are rolled back and built again
when a later test asks for them.

A test marked `committed` (and every browser test) has its data committed for real, because another thread,
process or connection reads it: the layers are rolled back, the test builds what it needs, and every table is
emptied after it.
"""
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from tracker.extensions import db

FLUSHED = "tests.flushed"  # in Session.info: the session wrote something its transaction has not committed yet
_owner = threading.get_ident()  # the thread that runs the tests: the only one the shared connection serves
_made: list = []  # weak references to the sessions made during the running test, oldest first
BUILT: dict[str, int] = {}  # layer name -> how many times it was built in this run


class Joined:
    """Mixed into the app's session class: a session bound to the shared connection uses it for any app of this
    test session on the test database (Flask-SQLAlchemy's own get_bind always picks the app's engine)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _made.append(weakref.ref(self))

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        shared = self.bind
        if bind is None and shared is not None and self._db.engines[None].url == shared.engine.url:
            _check_thread()
            return shared
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _flushed(session, _context):
    session.info[FLUSHED] = True


def _ended(session, transaction):
    if transaction.parent is None:
        session.info.pop(FLUSHED, None)


def _check_thread():
    if threading.get_ident() != _owner:
        raise RuntimeError("another thread used the database during a test that is rolled back (its connection "
                           "serves the test's thread only): mark the test @pytest.mark.committed")


def release(session: OrmSession) -> None:
    """End a transaction that has only read, before a request, as it would end on a connection of its own:
    otherwise what the request commits would sit inside the test's savepoint, and go if the test rolled back.
    (Sessions of a committed test, not bound to the shared connection, are left as they are.)"""
    if session.bind is not None and session.in_transaction() and not (session.new or session.dirty or session.deleted or session.info.get(FLUSHED)):
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire


class _Lent:
    """The shared connection, lent to code that asked the engine for one: giving it back closes nothing."""

    def __init__(self, connection):
        self._connection = connection

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def close(self):
        pass


@dataclass
class Layer:
    name: str
    savepoint: object
    data: dict  # what tests are handed, as ids (each test reads the objects in its own session)
    checkpoints: bytes | None  # the audit checkpoint file as the layer left it


class Database:
    """The shared connection, its outer transaction and layers, and the running test's savepoint."""

    def __init__(self, app, builders: dict[str, Callable[[dict], dict]]):
        self.app = app
        self.builders = builders  # layer name -> build(data of the layers below, by name) -> its data
        with app.app_context():
            self.engine = db.engine
        self.checkpoint_file = Path(app.instance_path) / "audit" / "checkpoints.jsonl"
        self.connection = None
        self.outer = None
        self.layers: list[Layer] = []
        self.test = None
        self.committed = False
        factory = db.session.session_factory
        self._plain_class, self._plain_options = factory.class_, dict(factory.kw)
        factory.class_ = type("JoinedSession", (Joined, factory.class_), {})
        event.listen(factory.class_, "after_flush", _flushed)
        event.listen(factory.class_, "after_transaction_end", _ended)

    # ---- a test --------------------------------------------------------------------------------

    def begin_test(self, layers: list[str], committed: bool) -> None:
        self.committed = committed
        if committed:
            self._end_outer()
            self._bind(False)
            self.checkpoint_file.unlink(missing_ok=True)
            return
        self._bind(True)
        if self.outer is None:
            self.outer = self.connection.begin()
        while self.layers and [layer.name for layer in self.layers] != layers[:len(self.layers)]:
            self.layers.pop().savepoint.rollback()
        self._restore_checkpoints()
        for name in layers[len(self.layers):]:
            savepoint = self.connection.begin_nested()
            with self.app.app_context():
                data = self.builders[name]({layer.name: layer.data for layer in self.layers})
                db.session.remove()
            self._close_sessions()
            BUILT[name] = BUILT.get(name, 0) + 1
            self.layers.append(Layer(name, savepoint, data, self._read_checkpoints()))
        _made.clear()
        self.test = self.connection.begin_nested()

    def end_test(self) -> None:
        """After the test's own session is removed: roll its savepoint back (nothing to do for a committed test,
        whose tables the caller empties)."""
        if self.committed:
            return
        try:
            self._close_sessions()
            self.test.rollback()
            if not (self.outer.is_active and all(layer.savepoint.is_active for layer in self.layers)):
                raise RuntimeError("the test ended the transaction the shared worlds live in")
        except Exception:
            self._end_outer()  # start again from an empty database rather than build on a broken one
            raise
        finally:
            self.test = None
            self._restore_checkpoints()

    def layer(self, name: str) -> dict:
        return next(layer.data for layer in self.layers if layer.name == name)

    def kept_session(self, user_id: int) -> tuple[str, str] | None:
        """(cookie, CSRF token) of a session made for this user in a layer, if one was."""
        for layer in reversed(self.layers):
            if user_id in layer.data.get("sessions", {}):
                return layer.data["sessions"][user_id]
        return None

    def close(self) -> None:
        self._end_outer()
        self._bind(False)
        db.session.session_factory.class_ = self._plain_class
        if self.connection is not None:
            self.connection.invalidate()  # its driver settings were changed: it never goes back to the pool
            self.connection.close()

    # ---- the connection ------------------------------------------------------------------------

    def _bind(self, joined: bool) -> None:
        factory = db.session.session_factory
        if joined:
            if self.connection is None:
                self.connection = self._connect()
            factory.configure(bind=self.connection, join_transaction_mode="create_savepoint")
            self._lend()
        else:
            factory.kw = dict(self._plain_options)
            self.engine.__dict__.pop("connect", None)
            self.engine.__dict__.pop("begin", None)

    def _connect(self):
        connection = self.engine.connect()
        if connection.dialect.name == "sqlite":
            # pysqlite begins transactions late and leaves SAVEPOINT to chance; the documented workaround: the
            # driver does nothing, SQLAlchemy emits BEGIN (on this connection only; the app's stay as they are).
            connection.connection.driver_connection.isolation_level = None
            event.listen(connection, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return connection

    def _lend(self) -> None:
        connection = self.connection

        def connect():
            _check_thread()
            return _Lent(connection)

        @contextmanager
        def begin():
            _check_thread()
            with connection.begin_nested():
                yield _Lent(connection)

        self.engine.connect = connect
        self.engine.begin = begin

    def _close_sessions(self) -> None:
        """Close every session still open (newest first), so that the savepoints they hold go in order."""
        for ref in reversed(_made):
            session = ref()
            if session is not None:
                session.close()
        _made.clear()

    def _end_outer(self) -> None:
        if self.outer is not None:
            self._close_sessions()
            self.outer.rollback()
        self.outer, self.layers, self.test = None, [], None

    # ---- the audit checkpoint file: part of what a layer leaves -------------------------------------

    def _read_checkpoints(self) -> bytes | None:
        return self.checkpoint_file.read_bytes() if self.checkpoint_file.exists() else None

    def _restore_checkpoints(self) -> None:
        kept = self.layers[-1].checkpoints if self.layers else None
        if kept is None:
            self.checkpoint_file.unlink(missing_ok=True)
        else:
            self.checkpoint_file.write_bytes(kept)

