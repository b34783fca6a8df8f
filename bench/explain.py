"""What PostgreSQL does for every query of the benchmark's pages: `EXPLAIN (ANALYZE, BUFFERS)` of each.

    .venv/bin/python bench/explain.py                  # the statewide set (tracker_bench, as bench/run.py)
    .venv/bin/python bench/explain.py --database-url postgresql://postgres@127.0.0.1:5432/tracker_bench_dashboard
    .venv/bin/python bench/explain.py --only dashboard,search --plans     # the whole plans too

The app runs in this process (production settings, the page cache off, so every page asks the database). Each bench
account signs in; each page is requested once to warm up, then once more while every statement the app sends is
recorded with its parameters. Each recorded SELECT is then run again as `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` on
a connection of the app's own engine (its settings: `jit=off`, `random_page_cost`), inside a transaction rolled
back afterwards.

Printed, per page and query: planning and execution time, rows, shared buffers read, the plan's top node, and every
sequential scan of a table of more than `--seq-rows` rows (10,000 by default). A sequential scan of a large table is
what stops a query staying fast as a deployment grows; the ones that are right are listed in EXPECTED_SCANS with the
reason, after someone read their plans. `--check` makes the exit status 1 when a query scans a large table that is
not listed there.

PostgreSQL only: SQLite has no `EXPLAIN ANALYZE`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402

# (page, table): why reading the whole table is the right plan there. Checked against the plans of the statewide set.
EXPECTED_SCANS = {
    ("search q=summer", "agreement"): "a common word: 'summer' is in 8 % of the titles, where reading them all beats "
                                      "the trigram index (a rare word uses ix_agreement_title_trgm)",
    ("search q=summer (admin)", "agreement"): "the same common word, for an admin",
    ("search q=su (admin)", "agreement"): "the matches come from the prefix indexes (647 of 10,000 for 'su'); "
                                          "PostgreSQL hashes them against one pass over the agreements",
    ("dashboard (admin)", "agreement"): "an admin's counts by status are of every agreement: one pass is the count",
    ("drives-list (admin)", "agreement"): "the bounded count reads up to 1,001 of the admin's 4,393 drives with their "
                                          "agreement's title: one hashed pass over the agreements (5 ms)",
}


@dataclass
class Query:
    statement: str
    parameters: object
    plan: dict = field(default_factory=dict)

    @property
    def root(self) -> dict:
        return self.plan["Plan"]

    def scans(self) -> list[str]:
        """The tables the plan reads whole."""
        found = []

        def walk(node):
            if node.get("Node Type") == "Seq Scan":
                found.append(node["Relation Name"])
            for child in node.get("Plans", ()):
                walk(child)
        walk(self.root)
        return found


def app_for(database_url: str):
    os.environ.update(DATABASE_URL=database_url, TRACKER_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                      SESSION_COOKIE_SECURE="0", PAGE_CACHE_URL="", PUBLIC_BASE_URL="https://localhost")
    from tracker import create_app
    return create_app()


def signed_in(app, email: str):
    """A test client signed in as `email`, or None when the account is not in the data set."""
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"email": email, "password": generate.BENCH_PASSWORD, "csrf_token": token.group(1)})
    if response.status_code not in (302, 303) or "/login" in response.headers.get("Location", ""):
        return None  # no such account in this data set (bench/dashboard.py's has no admin)
    return client


def pages_of(client, suffix: str, search: str) -> list[tuple[str, str]]:
    listing = client.get("/agreements", base_url="https://localhost").get_data(as_text=True)
    ids = list(dict.fromkeys(re.findall(r'href="/agreements/(\d+)"', listing)))[:1]
    pages = [("dashboard", "/"), ("list", "/agreements"), (f"search q={search}", f"/agreements?q={search}"),
             ("search q=su", "/agreements?q=su"), ("drives-list", "/drives"), ("documents", "/documents"),
             ("tasks", "/documents/tasks"), ("organisations", "/organisations"), ("organisations-search", "/organisations?q=lin"),
             ("users", "/users"), ("audit", "/audit")]
    for i in ids:
        pages += [("overview", f"/agreements/{i}"), ("milestones", f"/agreements/{i}/milestones"),
                  ("drives", f"/agreements/{i}/drives")]
    return [(name + suffix, path) for name, path in pages]


def recorded(app, client, path: str) -> list[Query] | None:
    from sqlalchemy import event
    from tracker.extensions import db

    with app.app_context():
        engine = db.engine
    queries: list[Query] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "FOR UPDATE" not in statement.upper():
            queries.append(Query(statement, parameters))

    client.get(path, base_url="https://localhost")  # warm: the statement caches, the session
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, base_url="https://localhost")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200:
        return None  # not a page this user may open (403), or not in this checkout
    return queries


def explain(app, queries: list[Query]) -> None:
    from tracker.extensions import db

    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for query in queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query.statement, query.parameters)
                query.plan = _first(cursor.fetchone()[0])
                raw.rollback()
        finally:
            raw.close()


def _first(value):
    return (json.loads(value) if isinstance(value, str) else value)[0]


def table_rows(app) -> dict[str, float]:
    from sqlalchemy import text
    from tracker.extensions import db

    with app.app_context():
        return dict(db.session.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")).all())


def summary(query: Query) -> str:
    root = query.root
    return (f"plan {query.plan['Planning Time']:6.2f}  exec {query.plan['Execution Time']:7.2f} ms  "
            f"rows {root.get('Actual Rows', 0):>6}  read {root.get('Shared Hit Blocks', 0) + root.get('Shared Read Blocks', 0):>6}  "
            f"{root['Node Type']}")


def first_line(statement: str) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= 110 else text[:107] + "..."


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", generate.DEFAULT_DATABASE_URL))
    parser.add_argument("--search", default="summer")
    parser.add_argument("--only", default="", help="comma-separated pages: dashboard, list, search, overview, milestones, drives")
    parser.add_argument("--no-admin", action="store_true")
    parser.add_argument("--seq-rows", type=int, default=10_000, help="a sequential scan of a table this large is reported")
    parser.add_argument("--plans", action="store_true", help="print each plan as PostgreSQL gives it")
    parser.add_argument("--check", action="store_true", help="exit 1 when a large table is read whole and not expected")
    args = parser.parse_args(argv)

    url = generate.sqlalchemy_url(args.database_url)
    if not url.startswith("postgresql"):
        raise SystemExit("bench/explain.py reads PostgreSQL's plans: give it a postgresql:// database")
    app = app_for(url)
    sizes = table_rows(app)
    users = [("", generate.BENCH_USER)] + ([] if args.no_admin else [(" (admin)", generate.BENCH_ADMIN)])
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    unexpected = 0
    for suffix, email in users:
        client = signed_in(app, email)
        if client is None:
            print(f"\n{email} cannot sign in to this data set: its pages are left out")
            continue
        for name, path in pages_of(client, suffix, args.search):
            if wanted and name.split(" ")[0] not in wanted:
                continue
            queries = recorded(app, client, path)
            if queries is None:
                print(f"\n{name}  GET {path}: not available to this user")
                continue
            explain(app, queries)
            print(f"\n{name}  GET {path}: {len(queries)} queries, planning {sum(q.plan['Planning Time'] for q in queries):.1f} ms, "
                  f"execution {sum(q.plan['Execution Time'] for q in queries):.1f} ms")
            for number, query in enumerate(queries, 1):
                print(f"  {number:>2}. {summary(query)}  {first_line(query.statement)}")
                for table in query.scans():
                    if sizes.get(table, 0) < args.seq_rows:
                        continue
                    reason = EXPECTED_SCANS.get((name, table))
                    unexpected += reason is None
                    print(f"      reads all of {table} ({sizes[table]:,.0f} rows): "
                          + (f"expected: {reason}" if reason else "NOT EXPECTED"))
                if args.plans:
                    print(json.dumps(query.plan, indent=1))
    print(f"\nsequential scans of tables over {args.seq_rows:,} rows not expected: {unexpected}")
    return 1 if args.check and unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
