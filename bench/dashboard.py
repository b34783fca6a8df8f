"""The dashboard of a user at a large district against the bare 50-row page, and its query count.

    .venv/bin/python bench/dashboard.py                     # PostgreSQL database tracker_bench_dashboard (recreated)
    .venv/bin/python bench/dashboard.py --database-url /tmp/dashboard.db --duration 6

The data set (built fresh each run, fixed seed, bulk Core inserts on the schema of the app's own
migrations): one library system with 12 branches; a district with 500 schools and 2,000
agreements between its schools (or itself) and the library, each with milestones (a quarter of
them overdue), resource shares and audit events; and a small district with 5 schools and 10
agreements. `bench.district@bench.test` is an administrator at the large district,
`bench.small@bench.test` at the small one (password `bench-password-not-a-secret`).

The dashboard keeps nothing between requests: every view computes its panels.

Printed:
- queries per dashboard request for the small and the large district's user (counted in-process
  on the same database): the target is the same number whatever the data size;
- throughput of `/` for the large district's user and of the bare page (bench/bare_app.py), served
  by two gunicorns with the same settings and loaded in alternating slices as in bench/run.py:
  the target is a ratio >= 0.7.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402
import run  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/tracker_bench_dashboard"
LARGE_USER = generate.BENCH_USER
SMALL_USER = "bench.small@bench.test"
SCHOOLS, AGREEMENTS = 500, 2_000
TABLES = ("organisation", "user", "membership", "agreement", "party", "milestone", "resource_share", "audit_event")


def build_rows(today: date) -> dict[str, list[dict]]:
    from werkzeug.security import generate_password_hash

    rng = random.Random(generate.SEED)
    now = datetime(today.year, today.month, today.day, 12)
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    ids = {t: iter(range(1, 10**9)) for t in TABLES}

    def org(name, kind, parent=None, **extra):
        row = {"id": next(ids["organisation"]), "name": name, "kind": kind, "parent_id": parent["id"] if parent else None,
               "home_branch_id": None, "state_id": None, "sourced_id": None, "ils_branch_code": None, "street": "1 Main Street",
               "city": "Riverside", "region": "CA", "postal_code": "92501", "time_zone": "America/Los_Angeles",
               "created_at": now - timedelta(days=900),
               "last_confirmed": None if rng.random() < 0.2 else today - timedelta(days=rng.randint(0, 700)), **extra}
        rows["organisation"].append(row)
        return row

    library = org("Riverside Public Library", "library_system")
    branches = [org(f"Branch {b}", "branch", library, ils_branch_code=f"B{b:02d}") for b in range(12)]
    large = org("Riverside Unified School District", "district")
    small = org("Small Valley School District", "district")
    large_schools = [org(f"School {i:03d}", "school", large, home_branch_id=rng.choice(branches)["id"]) for i in range(SCHOOLS)]
    small_schools = [org(f"Valley School {i}", "school", small) for i in range(5)]

    password = generate_password_hash(generate.BENCH_PASSWORD)
    for email, name, home in ((LARGE_USER, "Large District Administrator", large), (SMALL_USER, "Small District Administrator", small)):
        uid = next(ids["user"])
        rows["user"].append({"id": uid, "email": email, "name": name, "role": "administrator", "password_hash": password,
                             "active": True, "created_at": now - timedelta(days=400)})
        rows["membership"].append({"user_id": uid, "organisation_id": home["id"]})

    def agreement(school_side, n):
        aid = next(ids["agreement"])
        effective = today - timedelta(days=rng.randint(0, 1000))
        ongoing = rng.random() < 0.2
        status = rng.choice(["active"] * 6 + ["draft", "in_review", "approved", "expired"])
        renewal = rng.choice(["none", "automatic", "mutual"])
        rows["agreement"].append({
            "id": aid, "title": f"{school_side['name']} partnership {n}", "kind": "mou", "status": status, "purpose": "",
            "term_kind": "ongoing" if ongoing else "fixed", "effective_date": effective,
            "end_date": None if ongoing else effective + timedelta(days=rng.choice([365, 730, 1095])),
            "renewal": renewal, "renewal_months": 12 if renewal != "none" else None, "notice_days": rng.choice([None, 30, 60, 90]),
            "modification_window_start": 2 if rng.random() < 0.3 else None, "modification_window_end": None,
            "collaboration_level": "cooperating", "manager_id": None, "created_at": now - timedelta(days=500),
            "updated_at": now - timedelta(days=rng.randint(0, 400)), "version": 1,
        })
        rows["agreement"][-1]["modification_window_end"] = 5 if rows["agreement"][-1]["modification_window_start"] else None
        for member, role in ((school_side, "partner"), (rng.choice([library, *branches]), "lead")):
            rows["party"].append({"id": next(ids["party"]), "agreement_id": aid, "organisation_id": member["id"], "role": role,
                                  "contributes": "", "receives": ""})
        for m in range(3):
            due = today + timedelta(days=rng.randint(-120, 300))
            rows["milestone"].append({
                "id": next(ids["milestone"]), "agreement_id": aid, "title": f"Milestone {m + 1}", "party_id": school_side["id"],
                "owner_user_id": None, "owner_contact_id": None, "due_date": due,
                "status": "done" if due < today and rng.random() < 0.6 else "planned", "evidence": "", "done_date": None,
                "template_key": None, "communication_id": None})
        rows["resource_share"].append({
            "id": next(ids["resource_share"]), "agreement_id": aid, "kind": "ebooks", "provider_id": library["id"],
            "recipient_id": school_side["id"], "description": "E-books", "quantity": 100, "unit": "licences", "schedule": "",
            "value_cents": 50_000, "period": "year", "start_date": effective, "end_date": None})
        for e in range(5):
            event_id = next(ids["audit_event"])
            rows["audit_event"].append({
                "id": event_id, "at": now - timedelta(minutes=rng.randint(0, 500_000)), "actor_id": None,
                "actor_label": "bench", "ip": "", "user_agent": "", "action": "agreement.updated", "entity_type": "agreement",
                "entity_id": str(aid), "changes": {"purpose": ["", "x"]}, "prev_hash": "0" * 64, "hash": f"{event_id:064d}"})

    for n in range(AGREEMENTS):
        agreement(rng.choice(large_schools) if rng.random() < 0.9 else large, n)
    for n in range(10):
        agreement(rng.choice(small_schools), n)
    return rows


def insert_rows(url: str, rows: dict[str, list[dict]]) -> None:
    from sqlalchemy import MetaData, create_engine, text

    engine = create_engine(generate.sqlalchemy_url(url))
    metadata = MetaData()
    metadata.reflect(engine, only=list(rows))
    try:
        with engine.begin() as conn:
            for name in TABLES:
                for start in range(0, len(rows[name]), generate.BATCH):
                    conn.execute(metadata.tables[name].insert(), rows[name][start:start + generate.BATCH])
            if engine.dialect.name == "postgresql":
                for name in TABLES:
                    if name != "membership":
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                          f"(SELECT max(id) FROM \"{name}\"))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def build(url: str) -> dict[str, int]:
    generate.recreate_database(url)
    generate.apply_schema(url)
    rows = build_rows(date.today())
    insert_rows(url, rows)
    return {name: len(r) for name, r in rows.items()}


def query_counts(url: str) -> dict[str, int]:
    """Queries per dashboard request, counted in-process, for each bench user (after one warm-up request)."""
    import re

    from sqlalchemy import event

    from tracker import create_app
    from tracker.extensions import db

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": generate.sqlalchemy_url(url), "DEBUG": False})
    counts = {}
    for label, email in (("small district (10 agreements)", SMALL_USER), (f"large district ({AGREEMENTS:,} agreements)", LARGE_USER)):
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": email, "password": generate.BENCH_PASSWORD, "csrf_token": token})
        client.get("/")
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get("/")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        if response.status_code != 200 or "panel-overdue" not in response.get_data(as_text=True):
            raise SystemExit(f"the dashboard of {email} gave {response.status_code}")
        counts[label] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DASHBOARD_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="PostgreSQL URL or SQLite path; DROPPED and recreated (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="exit 1 when the ratio or the query counts miss")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    counts = build(args.database_url)
    print(f"data set in {time.perf_counter() - started:.1f}s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
    queries = query_counts(args.database_url)
    for label, n in queries.items():
        print(f"queries per dashboard request, {label}: {n}", flush=True)

    database = generate.sqlalchemy_url(args.database_url)
    stamp = datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    servers: list[run.Server] = []
    try:
        app_env = {"DATABASE_URL": database, "TRACKER_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                   "SESSION_COOKIE_SECURE": "0", "PYTHONUNBUFFERED": "1"}
        servers.append(run.Server("app", "wsgi:app", ROOT, app_env, args, args.out / f"dashboard-app-{stamp}.log"))
        servers.append(run.Server("bare", "bare_app:app", BENCH, {"DATABASE_URL": database}, args,
                                  args.out / f"dashboard-bare-{stamp}.log"))
        app, bare = servers
        app.wait_ready("/login")
        bare.wait_ready("/")
        user = run.Session(app.port)
        user.login(LARGE_USER, generate.BENCH_PASSWORD)
        cookie = user.cookie_header()
        run.check_page(app.port, "/", cookie, "panel-overdue")
        run.check_page(bare.port, "/", "", "<table")
        one_app, one_bare = run.serial_ms(app.port, ["/"], cookie), run.serial_ms(bare.port, ["/"], "")
        run.load(app.port, ["/"], cookie, args.connections, args.warmup, args.max_requests)
        run.load(bare.port, ["/"], "", args.connections, args.warmup, args.max_requests)
        page_slices, bare_slices = [], []
        for r in range(args.rounds):
            order = [(bare, "", bare_slices), (app, cookie, page_slices)]
            for server, server_cookie, into in (order if r % 2 == 0 else order[::-1]):
                into.append(run.measure(server, ["/"], server_cookie, args, args.duration / args.rounds))
    finally:
        while servers:
            servers.pop().stop()

    page, baseline = run.summarise(page_slices), run.summarise(bare_slices)
    ratio = page["rps"] / baseline["rps"] if baseline["rps"] else 0.0
    same_queries = len(set(queries.values())) == 1
    print()
    print(f"{'page':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'1 req ms':>9} {'cpu ms/req':>10} {'errors':>7}")
    label = f"dashboard ({AGREEMENTS:,} agr.)"
    for name, r, one in ((label, page, one_app), ("bare (50 rows)", baseline, one_bare)):
        print(f"{name:<34} {r['rps']:8.1f} {run.fmt(r['p50_ms']):>8} {run.fmt(r['p99_ms']):>8} {run.fmt(one):>9} "
              f"{run.fmt(r['server_cpu_ms_per_request'] or float('nan'), 2):>10} {r['errors']:>7}")
    print()
    print(f"ratio dashboard / bare: {ratio:.2f} (target >= {run.TARGET_RATIO})")
    print("queries: " + ", ".join(f"{k} {v}" for k, v in queries.items())
          + (" — the same whatever the data size" if same_queries else " — DIFFERENT"))
    missed = ratio < run.TARGET_RATIO or not same_queries or page["errors"]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
