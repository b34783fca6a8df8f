"""Writing many new students at once, as the database does it fastest: COPY on PostgreSQL (psycopg's copy),
the driver's own executemany on SQLite, in the session's transaction either way (a failure rolls back with
the rest of the import). Values go through each column's own bind processing, so a row reads back exactly as
one written through the ORM would."""
import gc
from contextlib import contextmanager

from tracker.cards.models import Student
from tracker.extensions import db

CHUNK = 5000  # ids per statement on SQLite (it allows 32,766 parameters)
TABLE = Student.__table__.name


def insert_students(columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows of values of these columns (Python values: dates as dates) into the student table."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    table = Student.__table__
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
        bound = [(i, p, {}) for i, p in enumerate(processors) if p is not None]
        if bound:
            rows = [_bind(row, bound) for row in rows]
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def _bind(row: tuple, bound: list) -> list:
    """The row with each value bound as its column binds it (each distinct value processed once)."""
    out = list(row)
    for i, process, seen in bound:
        value = out[i]
        if value is not None:
            done = seen.get(value)
            if done is None:
                done = seen[value] = process(value)
            out[i] = done
    return out


@contextmanager
def marking_exported(ids: list[int], when):
    """Set exported_at on these students while the block runs. On PostgreSQL the UPDATE (one statement over an
    array) is sent at once, in psycopg's pipeline mode, and the server runs it while Python goes on writing the
    file; its outcome (an error too) is read when the block ends. On SQLite the rows are updated when the block ends
    (not if it raises), in chunks of ids taken in order, as they are stored (a file's order, by school and name,
    made it three times slower), without compiling an expanding IN for each chunk."""
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
    yield
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            cursor.execute(f"UPDATE {TABLE} SET exported_at = ? WHERE id IN ({', '.join('?' * len(chunk))})", (when, *chunk))
    finally:
        cursor.close()


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
    """The cyclic garbage collector paused (for the whole process, a few seconds): the tuples and lists of 100,000
    students' values made it run over and over, a fifth of an export's CPU, and they hold no reference cycles
    (reference counting frees them all the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
