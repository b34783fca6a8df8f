"""Roster import and patron export against bare Python doing the same rows on the same database.

    .venv/bin/python bench/roster.py                                  # SQLite (a temporary file)
    .venv/bin/python bench/roster.py --database-url postgresql://postgres@127.0.0.1/tracker_bench_roster
    .venv/bin/python bench/roster.py --rows 20000 --check

Cases, each in a fresh process of its own (so its peak memory is its own), beside its baseline in the same run,
in rounds (`--rounds`, default 3), each round on a fresh copy of the set-up database, the baseline first in
one round and second in the next. The verdict is on the median of the rounds' ratios: one sample of a
0.3-second baseline on a shared machine moves by a third from run to run.

- import: a 100,000-row OneRoster users.csv read, previewed and committed by the app
  (`roster.upload` + `roster.commit`), against `csv.reader` + `executemany` of the same rows
  into a plain table of the same database. Target: <= 3x the time, peak memory <= 200 MB.
- export: a Koha patron file of those 100,000 students made by the app (`patrons.export`), against
  a bare `SELECT` + `csv.writer` of the same columns. Target: <= 2x.

Peak memory is the process's maximum resident set size minus what it held after start-up
(the interpreter, the app and its libraries), so it is what the case itself needed. CPU is the case's
process's own (`time.process_time`): less sensitive to a loaded machine than the seconds, but without the
database server's work on PostgreSQL.
The PostgreSQL database given is dropped and recreated (never point it at real data).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

TARGETS = {"import": 3.0, "export": 2.0}
MEMORY_MB = 200
HEADER = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,"
          "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password")


def users_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        for i in range(rows):
            out.write(f"stu-{i:06d},,,true,sch-{i % 40:02d},student,u{i:06d},,Given{i % 997},Family{i % 1009},,"
                      f"{500000 + i},u{i:06d}@students.example,,,,{i % 12 + 1:02d},\n")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- run in a child process: one case --------------------------------------------------------

def child(case: str, url: str, csv_path: str) -> dict:
    from tracker import create_app
    from tracker.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "ROSTER_JOB_BYTES": 10**12, "ROSTER_JOB_ROWS": 10**12})
    with app.app_context():
        from sqlalchemy import select

        from tracker.audit.service import Actor
        from tracker.cards import patrons, roster
        from tracker.cards.models import CardProgramme

        db.session.execute(select(1))
        data = Path(csv_path).read_bytes()
        base = rss_mb()
        programme = db.session.scalars(select(CardProgramme)).one()
        actor = Actor(label="bench")
        started, cpu = time.perf_counter(), time.process_time()
        if case == "import":
            staged = roster.upload(actor, programme.agreement, "users.csv", data, None, None)
            assert staged.status == "previewed", staged.summary
            roster.commit(actor, staged)
        elif case == "import_bare":
            _bare_import(db, data)
        elif case == "export":
            made = patrons.export(actor, programme, "koha", patrons.Filters(), confirmed=False)  # a first click on Download
            assert made.rows > 0
        elif case == "export_bare":
            _bare_export(db, programme.agreement_id)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {"seconds": seconds, "cpu": cpu, "peak_mb": max(0.0, rss_mb() - base)}


def _bare_import(db, data: bytes) -> None:
    import csv
    import io

    from sqlalchemy import text

    rows = csv.reader(io.StringIO(data.decode("utf-8")))
    next(rows)
    values = [{"s": r[0], "g": r[8], "f": r[9], "i": r[11], "e": r[12], "gr": r[16]} for r in rows]
    db.session.execute(text("INSERT INTO bare_student (source_id, given_name, family_name, identifier, email, grade) "
                            "VALUES (:s, :g, :f, :i, :e, :gr)"), values)
    db.session.commit()


def _bare_export(db, agreement_id: int) -> None:
    import csv
    import io

    from sqlalchemy import text

    rows = db.session.execute(text("SELECT identifier, family_name, given_name, grade, email, source_id FROM student "
                                   "WHERE agreement_id = :a ORDER BY school_id, grade, family_name, given_name, id"),
                              {"a": agreement_id})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["cardnumber", "surname", "firstname", "sort1", "email", "userid"])
    writer.writerows(rows)
    out.getvalue().encode()


# ---- the parent: set up, run the cases, compare ---------------------------------------------

def setup(url: str) -> None:
    """Migrate a fresh database; a library, a district with 40 schools, an agreement, its spec and programme."""
    from datetime import date

    from flask_migrate import upgrade
    from sqlalchemy import text

    from tracker import create_app
    from tracker.agreements import service as agreements
    from tracker.audit.service import Actor
    from tracker.cards import drives, programme
    from tracker.extensions import db
    from tracker.orgs import service as orgs

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        actor = Actor(label="bench setup")
        library = orgs.create_organisation(actor, {"name": "Bench Library", "kind": "library_system"})
        district = orgs.create_organisation(actor, {"name": "Bench District", "kind": "district"})
        for n in range(40):
            orgs.create_organisation(actor, {"name": f"School {n:02d}", "kind": "school", "parent_id": district.id,
                                             "sourced_id": f"sch-{n:02d}"})
        mou = agreements.create(actor, {"title": "Bench MOU", "kind": "mou", "term_kind": "fixed",
                                        "effective_date": date(2026, 8, 1), "end_date": date(2029, 7, 31), "renewal": "none",
                                        "collaboration_level": "cooperating"},
                                [{"organisation_id": library.id, "role": "lead"}, {"organisation_id": district.id, "role": "partner"}])
        programme.save_spec(actor, mou, {"allowed_fields": ["given_name", "family_name", "identifier", "grade", "email"],
                                         "legal_basis": "school_official", "transfer_method": "sftp",
                                         "transfer_frequency": "nightly", "subprocessors": "",
                                         "retention_days_after_end": 30, "destroy_on": None})
        programme.save_programme(actor, mou, {"card_model": "full", "checkout_limit": None, "hold_limit": None,
                                              "fines_free": True, "lost_item_billing": False, "interlibrary_loan": False,
                                              "card_form": "physical", "consent_model": "opt_out", "barcode_prefix": "21",
                                              "barcode_source": "identifier", "pin_rule": "id_last4", "expiry_month": 9,
                                              "expiry_day": 15, "ils": "koha", "patron_category": "ST", "branch_code": "MAIN"})
        drives.create(actor, mou, {"name": "September 2026", "starts_on": date(2026, 9, 1), "ends_on": date(2026, 9, 30),
                                   "status": "planning", "grades": ["01"], "target_percent": 90},
                      [s.id for s in programme.schools_of(mou.id)])  # its school year sets the cards' expiry
        key = "SERIAL PRIMARY KEY" if db.engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
        db.session.execute(text(f"CREATE TABLE bare_student (id {key}, source_id VARCHAR(100), "
                                "given_name VARCHAR(100), family_name VARCHAR(100), identifier VARCHAR(100), "
                                "email VARCHAR(254), grade VARCHAR(4))"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # no connection left open: the database is copied next


def run_case(case: str, url: str, csv_path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", case, "--database-url", url, "--csv", str(csv_path)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def snapshot_url(url: str) -> str:
    """Where the set-up database is kept between rounds: a file beside it, or a database named after it."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    kept = Path(parsed.database).with_suffix(".snapshot.db") if parsed.get_backend_name() == "sqlite" else f"{parsed.database}_snapshot"
    return parsed.set(database=str(kept)).render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ROSTER_DATABASE_URL", ""),
                        help="default: a temporary SQLite file")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the four cases, each on a fresh copy of the "
                        "set-up database (default 3); the verdict is on the median of the rounds' ratios")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.database_url, args.csv)))
        return 0
    from generate import drop_database, recreate_database, sqlalchemy_url

    results: dict[str, list[dict]] = {case: [] for case in ("import_bare", "import", "export_bare", "export")}
    with tempfile.TemporaryDirectory() as work:
        url = sqlalchemy_url(args.database_url or str(Path(work) / "roster-bench.db"))
        kept = snapshot_url(url)
        csv_path = Path(work) / "users.csv"
        users_csv(csv_path, args.rows)
        setup(url)
        recreate_database(kept, copy_of=url)
        try:
            for number in range(args.rounds):
                if number:
                    recreate_database(url, copy_of=kept)
                # Each case beside its baseline, which goes first in one round and second in the next.
                for case in ("import", "export"):
                    pair = (f"{case}_bare", case) if number % 2 == 0 else (case, f"{case}_bare")
                    for one in pair:
                        results[one].append(run_case(one, url, csv_path))
        finally:
            drop_database(kept)
    missed = []
    print(f"{args.rows:,} students on {url.split(':', 1)[0]}, {args.rounds} rounds (medians; ratios per round)")
    print(f"{'case':<8}{'app s':>9}{'bare s':>9}{'ratio':>8}{'target':>8}{'app MB':>9}{'bare MB':>9}"
          f"{'app CPU s':>11}{'bare CPU s':>11}   each round's ratio")
    for case, target in TARGETS.items():
        app, bare = results[case], results[f"{case}_bare"]
        ratios = [a["seconds"] / b["seconds"] for a, b in zip(app, bare)]
        ratio = statistics.median(ratios)
        print(f"{case:<8}{median(app, 'seconds'):>9.2f}{median(bare, 'seconds'):>9.2f}{ratio:>8.2f}{target:>8.1f}"
              f"{max(r['peak_mb'] for r in app):>9.0f}{max(r['peak_mb'] for r in bare):>9.0f}"
              f"{median(app, 'cpu'):>11.2f}{median(bare, 'cpu'):>11.2f}   " + " ".join(f"{r:.2f}" for r in ratios))
        if ratio > target:
            missed.append(f"{case}: {ratio:.2f}x > {target}x")
    peak = max(r["peak_mb"] for r in results["import"])
    if peak > MEMORY_MB:
        missed.append(f"import peak memory {peak:.0f} MB > {MEMORY_MB} MB")
    print("targets missed: " + "; ".join(missed) if missed else "all targets met")
    return 1 if missed and args.check else 0


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


if __name__ == "__main__":
    sys.exit(main())
