"""Writing many new students at once, as the database does it fastest: COPY on PostgreSQL (psycopg's copy),
the driver's own executemany on SQLite, in the session's transaction either way (a failure rolls back with
the rest of the import). Values go through each column's own bind processing, so a row reads back exactly as
one written through the ORM would."""
import gc
import sqlite3
import threading
from contextlib import contextmanager

from tracker.cards.models import Student
from tracker.extensions import db

CHUNK = 5000  # ids per statement on SQLite (it allows 32,766 parameters)
MARK_CHUNK = 16_000  # ids per statement marking students exported on SQLite (more made SQLite hold 20 MB more)
TABLE = Student.__table__.name


def insert_students(names: tuple[str, ...], columns: list[list]) -> None:
    """Insert students into the student table: `columns` holds each named column's values (Python values: dates as
    dates), one per student."""
    if not columns or not columns[0]:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    table = Student.__table__
    quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in names)
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                for row in zip(*columns):
                    copy.write_row(row)
            return
        columns = [_bound(values, table.c[c].type._cached_bind_processor(dialect)) for c, values in zip(names, columns)]
        marks = ", ".join("?" for _ in names)
        cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", zip(*columns))
    finally:
        cursor.close()


def _bound(values: list, process) -> list:
    """A column's values bound as the column binds them (each distinct value processed once, None left as it is)."""
    if process is None:
        return values
    made = {value: process(value) for value in set(values) if value is not None}
    made[None] = None
    return list(map(made.__getitem__, values))


@contextmanager
def marking_exported(ids: list[int], when):
    """Set exported_at on these students while the block runs (the block must not use the session): the database
    marks the rows while Python goes on writing the file, and the outcome (an error too) is read when the block
    ends, before anything else is written. On PostgreSQL the UPDATE (one statement over an array) is sent at once,
    in psycopg's pipeline mode, and the server runs it. On SQLite a thread runs it (the driver lets go of the
    interpreter while SQLite works), over ids taken in order, as they are stored (a file's order, by school and
    name, made it three times slower), without compiling an expanding IN."""
    if not ids:
        yield
        return
    ids = sorted(ids)
    connection = db.session.connection()
    dialect = connection.dialect
    column = Student.__table__.c.exported_at
    process = column.type._cached_bind_processor(dialect)
    when = process(when) if process else when
    if dialect.name == "postgresql":
        # The array as its text ('{1,2,3}'): psycopg dumps a list of ints an element at a time in Python.
        array = "{" + ",".join(map(str, ids)) + "}"
        driver = connection.connection.driver_connection
        with driver.pipeline(), driver.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET exported_at = %s WHERE id = ANY(%s::integer[])", (when, array))
            yield
        return
    marking = _SqliteMarking(connection.connection.driver_connection, ids, when)
    marking.start()
    try:
        yield
    finally:
        marking.join()
    if marking.error is not None:
        raise marking.error


class _SqliteMarking(threading.Thread):
    """The chunked UPDATE of `marking_exported`, run beside the thread that writes the file."""

    def __init__(self, driver_connection, ids: list[int], when):
        super().__init__(name="marking-exported", daemon=True)
        self.driver_connection, self.ids, self.when = driver_connection, ids, when
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            cursor = self.driver_connection.cursor()
            try:
                # Few statements: between two, this thread waits for the interpreter, which the file's writer holds.
                size = min(MARK_CHUNK, self.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1)
                for start in range(0, len(self.ids), size):
                    chunk = self.ids[start:start + size]
                    cursor.execute(f"UPDATE {TABLE} SET exported_at = ? WHERE id IN ({', '.join('?' * len(chunk))})",
                                   (self.when, *chunk))
            finally:
                cursor.close()
        except BaseException as error:  # handed to the thread that waits for it
            self.error = error


def read_columns(statement) -> list:
    """The columns a select of student columns reads, a sequence of values each, fetched by the driver (no row
    object per row): each column's values go through its type's result processing, as the ORM's would, once per
    distinct value."""
    connection = db.session.connection()
    result = connection.execute(statement)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    columns = list(zip(*rows)) if rows else [()] * len(statement.selected_columns)
    for index, column in enumerate(statement.selected_columns):
        process = column.type._cached_result_processor(connection.dialect, None)
        if process is not None:
            made = {value: process(value) for value in set(columns[index])}
            columns[index] = list(map(made.__getitem__, columns[index]))
    return columns


@contextmanager
def gc_paused():
    """The cyclic garbage collector paused (for the whole process, a few seconds): the dicts, tuples and lists of
    100,000 students' values made it run over and over (a fifth of an export's CPU, a third of reading a roster),
    and they hold no reference cycles (reference counting frees them all the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
