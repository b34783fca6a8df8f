"""Build a statewide data set for the benchmark: 50 library systems, ~300 branches, 250 districts,
5,000 schools, 10,000 agreements with 2-3 parties each, their milestones, card drives with counts per
school and grade, and two bench accounts.

    .venv/bin/python bench/generate.py                      # PostgreSQL database tracker_bench (recreated)
    .venv/bin/python bench/generate.py --database-url /tmp/bench.db           # a SQLite file (recreated)
    .venv/bin/python bench/generate.py --database-url postgresql://u@127.0.0.1:5432/other_db

The schema comes from the app's own migrations; the rows go in with bulk Core inserts
(executemany), not through the services, so there are no audit rows: the audit chain of the
bench database is not meant to be checked. Everything is drawn from a fixed seed, so two runs
build the same data.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/tracker_bench"
BENCH_PASSWORD = "bench-password-not-a-secret"
# An administrator at one school district: the agreements list is scoped to the district and its schools.
BENCH_USER = "bench.district@bench.test"
# An admin: sees all 10,000 agreements.
BENCH_ADMIN = "bench.admin@bench.test"
BENCH_DISTRICT_INDEX = 0  # which district the bench user belongs to

SIZES = {
    "library_systems": 50,
    "branches_per_system": 6,  # 300 branches
    "districts": 250,
    "schools_per_district": 20,  # 5,000 schools
    "agreements": 10_000,
}
SEED = 20240917
BATCH = 2_000
TABLES = ("organisation", "user", "membership", "agreement", "party", "goal", "milestone", "card_drive", "drive_count")

TOWNS = [
    "Ashford", "Bayview", "Brookfield", "Cedar Falls", "Clearwater", "Crestwood", "Eastport", "Elmhurst",
    "Fairview", "Glenwood", "Granite City", "Greenville", "Harborview", "Hillcrest", "Lakeside", "Laurel",
    "Maple Ridge", "Meadowbrook", "Millbrook", "Northfield", "Oakdale", "Pine Bluff", "Plainview", "Redwood",
    "Ridgeway", "Riverside", "Rockport", "Silver Lake", "Springfield", "Stonebridge", "Summit", "Sunnyvale",
    "Westbrook", "Whitewater", "Willow Creek", "Woodland",
]
PEOPLE = [
    "Lincoln", "Washington", "Jefferson", "Roosevelt", "Franklin", "Adams", "Madison", "Monroe", "Jackson",
    "Kennedy", "King", "Douglass", "Tubman", "Carver", "Earhart", "Keller", "Twain", "Whitman", "Dickinson",
    "Alcott", "Hughes", "Parks", "Chavez", "Sotomayor", "Ride", "Curie", "Edison", "Hamilton", "Grant", "Hayes",
]
FEATURES = ["Oak", "Maple", "Cedar", "Pine", "Willow", "River", "Lake", "Valley", "Hill", "Meadow", "Sunrise", "Prairie"]
LEVELS = ["Elementary School", "Elementary School", "Elementary School", "Middle School", "High School", "K-8 Academy"]
PROGRAMMES = [
    "Student Library Card Partnership MOU", "Summer Reading Partnership", "Class Visits Commitment",
    "Student Data-Sharing Agreement", "Joint-Use Library Space", "Homework Help Programme",
    "Teacher Card Programme", "Book Delivery Service", "Digital Resources Access Agreement",
    "Early Literacy Outreach", "Family Reading Nights", "Makerspace Partnership",
]
AGREEMENT_KINDS = ["mou", "data_sharing", "intergovernmental", "commitment_letter", "joint_use"]
STATUSES = [
    ("active", 40), ("draft", 15), ("in_review", 10), ("approved", 5), ("out_for_signature", 5),
    ("expired", 15), ("terminated", 5), ("superseded", 5),
]
LEVELS_OF_COLLABORATION = ["networking", "coordinating", "cooperating", "collaborating", "integrated"]
CONTRIBUTES = [
    "Student accounts, processing, school visits, delivery of materials within two days.",
    "Roster data, the registration-packet letter, staff time of school librarians.",
    "Story time and tours for visiting classes.", "Transport and supervision of classes.",
    "Evening staff and collection.", "The library room, after school hours.", "",
]
GOALS = [
    ("Every enrolled student holds a library account", "(issued + already had) / enrolment", "90%"),
    ("Students use their account", "accounts used at least once within 9 months", "50%"),
    ("Classes visit the branch", "class visits per school per year", "4"),
    ("Summer reading sign-ups grow", "sign-ups compared with last summer", "+20%"),
]


def sqlalchemy_url(url: str) -> str:
    """A bare path means a SQLite file; postgres:// and postgresql:// use psycopg 3, like the app."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def recreate_database(url: str, copy_of: str | None = None) -> None:
    """Drop and create the database (PostgreSQL) or remove the file (SQLite); with `copy_of` (another database's
    URL), make it a copy of that one (PostgreSQL: from it as template; SQLite: the file copied)."""
    import shutil

    drop_database(url)
    parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        if copy_of:
            shutil.copyfile(_parsed(copy_of).database, path)
        return
    template = f' TEMPLATE "{_parsed(copy_of).database}"' if copy_of else ""
    _on_server(parsed, f'CREATE DATABASE "{parsed.database}"{template}')


def drop_database(url: str) -> None:
    """Drop the database (PostgreSQL) or remove the file (SQLite), if it is there."""
    parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(parsed.database or "") + suffix).unlink(missing_ok=True)
        return
    _on_server(parsed, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def _parsed(url: str):
    """The URL, refused unless it names a SQLite file or a PostgreSQL database with a plain name."""
    from sqlalchemy.engine import make_url

    parsed = make_url(sqlalchemy_url(url))
    backend, name = parsed.get_backend_name(), parsed.database
    if backend not in ("sqlite", "postgresql"):
        raise SystemExit(f"unsupported database {backend!r}: use PostgreSQL or SQLite")
    if backend == "postgresql" and not (name and name.replace("_", "").isalnum()):
        raise SystemExit(f"refusing to recreate database named {name!r}")
    return parsed


def _on_server(parsed, statement: str) -> None:
    """Run a statement on the PostgreSQL server of `parsed`, from its maintenance database."""
    from sqlalchemy import create_engine, text

    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def build_rows(today: date, sizes: dict | None = None) -> dict[str, list[dict]]:
    """Every row, as plain dicts per table, with explicit ids; `sizes`: some of SIZES changed (a small set for
    a test)."""
    sizes = {**SIZES, **(sizes or {})}
    from werkzeug.security import generate_password_hash

    rng = random.Random(SEED)
    now = datetime(today.year, today.month, today.day, 12, 0, 0)
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    next_id = iter(range(1, 10**9))

    def org(name, kind, parent_id=None, city="", **extra):
        row = {
            "id": next(next_id), "name": name, "kind": kind, "parent_id": parent_id, "home_branch_id": None,
            "state_id": None, "sourced_id": None, "ils_branch_code": None, "street": f"{rng.randint(1, 9999)} Main Street",
            "city": city, "region": "CA", "postal_code": f"9{rng.randint(0, 9999):04d}",
            "time_zone": "America/Los_Angeles", "created_at": now - timedelta(days=rng.randint(30, 1500)),
            "last_confirmed": None if rng.random() < 0.2 else today - timedelta(days=rng.randint(0, 700)),
        }
        row.update(extra)
        rows["organisation"].append(row)
        return row

    systems, branches_of = [], {}
    for s in range(sizes["library_systems"]):
        town = f"{TOWNS[s % len(TOWNS)]}{'' if s < len(TOWNS) else ' ' + str(s // len(TOWNS) + 1)}"
        city = org(f"City of {town}", "municipality", city=town, state_id=f"CA-MUN-{s:04d}")
        system = org(f"{town} Public Library", "library_system", city["id"], city=town, state_id=f"CA-LIB-{s:04d}")
        systems.append(system)
        branches_of[system["id"]] = [
            org(f"{town} {FEATURES[b % len(FEATURES)]} Branch", "branch", system["id"], city=town, ils_branch_code=f"L{s:03d}B{b:02d}")
            for b in range(sizes["branches_per_system"])
        ]
    districts, schools_of = [], {}
    for d in range(sizes["districts"]):
        system = systems[d % len(systems)]  # the library system serving the district's area
        town = system["name"].replace(" Public Library", "")
        district = org(f"{town} Unified School District {d + 1}", "district", city=town,
                       state_id=f"CA-{d:03d}-00000", sourced_id=f"district-{d:04d}")
        districts.append(district)
        schools_of[district["id"]] = [
            org(f"{rng.choice(PEOPLE + FEATURES)} {rng.choice(LEVELS)} ({town} USD {d + 1})", "school", district["id"],
                home_branch_id=rng.choice(branches_of[system["id"]])["id"],
                state_id=f"CA-{d:03d}-{i + 1:05d}", sourced_id=f"school-{d:04d}-{i + 1:03d}", city=town)
            for i in range(sizes["schools_per_district"])
        ]
    system_of_district = {d["id"]: systems[i % len(systems)] for i, d in enumerate(districts)}

    # Accounts: one password hash shared by everyone (hashing is the slow part, and nobody logs in as the others).
    password_hash = generate_password_hash(BENCH_PASSWORD)
    user_ids = iter(range(1, 10**9))

    def user(email, name, role, orgs=()):
        uid = next(user_ids)
        rows["user"].append({"id": uid, "email": email, "name": name, "role": role, "password_hash": password_hash,
                             "active": True, "created_at": now - timedelta(days=400)})
        rows["membership"].extend({"user_id": uid, "organisation_id": o["id"]} for o in orgs)
        return uid

    bench_district = districts[BENCH_DISTRICT_INDEX]
    user(BENCH_USER, "Bench District Administrator", "administrator", [bench_district])
    user(BENCH_ADMIN, "Bench Admin", "admin")
    staff_of = {s["id"]: user(f"staff{i}@bench.test", f"Youth Services {i}", "library_staff", [s]) for i, s in enumerate(systems)}
    superintendent_of = {d["id"]: user(f"super{i}@bench.test", f"Superintendent {i}", "administrator", [d])
                         for i, d in enumerate(districts)}
    managers = [*staff_of.values(), *superintendent_of.values()]

    party_id = iter(range(1, 10**9))
    goal_id = iter(range(1, 10**9))
    made = []  # (agreement row, its parties, district, library system): milestones and drives come after
    for a in range(1, sizes["agreements"] + 1):
        district = rng.choice(districts)
        system = system_of_district[district["id"]]
        school = rng.choice(schools_of[district["id"]])
        school_side = school if rng.random() < 0.7 else district
        if school_side is school and rng.random() < 0.6:
            library_side = next(b for b in branches_of[system["id"]] if b["id"] == school["home_branch_id"])
        else:
            library_side = system
        members = [school_side, library_side]
        if rng.random() < 0.5:  # a third party: another school of the district, or the library system
            extra = rng.choice(schools_of[district["id"]]) if rng.random() < 0.6 else system
            if extra not in members:
                members.append(extra)

        status = _weighted(rng, STATUSES)
        term_kind = _weighted(rng, [("fixed", 60), ("pilot", 15), ("ongoing", 25)])
        effective = today - timedelta(days=rng.randint(-60, 1500))
        end = None if term_kind == "ongoing" else effective + timedelta(days=rng.choice([180, 365, 730, 1095]))
        renewal = _weighted(rng, [("none", 40), ("automatic", 30), ("mutual", 30)])
        window = rng.random() < 0.3
        created = now - timedelta(days=rng.randint(0, 1100), minutes=rng.randint(0, 1440))
        programme = rng.choice(PROGRAMMES)
        rows["agreement"].append({
            "id": a, "title": f"{school_side['name'].split(' (')[0]} {programme}", "kind": rng.choice(AGREEMENT_KINDS),
            "status": status, "purpose": f"{programme} between {library_side['name']} and {school_side['name']}.",
            "term_kind": term_kind, "effective_date": effective, "end_date": end, "renewal": renewal,
            "renewal_months": 12 if renewal == "automatic" else (rng.choice([None, 12, 36]) if renewal == "mutual" else None),
            "notice_days": rng.choice([None, 14, 30, 60, 90]),
            "modification_window_start": 2 if window else None, "modification_window_end": 5 if window else None,
            "collaboration_level": rng.choice(LEVELS_OF_COLLABORATION), "manager_id": rng.choice(managers),
            "created_at": created, "updated_at": created + timedelta(days=rng.randint(0, 60)), "version": rng.randint(1, 8),
        })
        made.append((rows["agreement"][-1], members, district, system))
        lead = rng.randrange(len(members))
        for i, member in enumerate(members):
            rows["party"].append({
                "id": next(party_id), "agreement_id": a, "organisation_id": member["id"],
                "role": "lead" if i == lead else rng.choice(["partner", "partner", "funder", "fiscal_agent"]),
                "contributes": rng.choice(CONTRIBUTES), "receives": rng.choice(CONTRIBUTES),
            })
        for position, (statement, measure, target) in enumerate(rng.sample(GOALS, rng.randint(0, 3)), start=1):
            rows["goal"].append({
                "id": next(goal_id), "agreement_id": a, "position": position, "statement": statement, "measure": measure,
                "target": target, "due_date": effective + timedelta(days=300), "progress": rng.randint(0, 100),
            })

    # Milestones and drives from a stream of their own, so the rows above stay those of earlier data sets.
    part_rng = random.Random(SEED + 1)
    bench_user_id = rows["user"][0]["id"]
    for agreement, members, district, system in made:
        owners = {system["id"]: staff_of[system["id"]], district["id"]: superintendent_of[district["id"]]}
        if district is bench_district:
            owners[district["id"]] = bench_user_id
        rows["milestone"] += milestone_rows(part_rng, agreement, members, owners, today)
        covered = [s for m in members for s in (schools_of.get(m["id"]) or ([m] if m["kind"] == "school" else []))]
        drives, counts = drive_rows(part_rng, agreement, list(dict.fromkeys(s["id"] for s in covered)),
                                    {s["id"]: s for s in covered}, len(rows["card_drive"]), len(rows["drive_count"]), today)
        rows["card_drive"] += drives
        rows["drive_count"] += counts
    for number, milestone in enumerate(rows["milestone"], start=1):
        milestone["id"] = number
    return rows


MILESTONE_TITLES = [
    "Welcome packets delivered to the schools", "Class visit schedule agreed", "Card counts reported to the district",
    "Teacher cards issued", "Roster file sent to the library", "Summer reading kick-off at each school",
    "Staff training on the e-book platform", "Renewal discussed at the board meeting", "Survey sent to school librarians",
]
EVIDENCE = ["", "", "Reported at the partners' meeting.", "Minutes in the shared folder.",
            "https://example.org/reports/cards", "Signed sheet kept by the branch manager."]
RAN = {"active", "expired", "terminated", "superseded"}  # agreements that have been in force


def milestone_rows(rng: random.Random, agreement: dict, members: list[dict], owners: dict[int, int],
                   today: date) -> list[dict]:
    """The agreement's obligations: timeline-template milestones over its term (as the milestones service
    makes them) and a few of its own; past ones mostly done, some missed, some still open (overdue)."""
    from types import SimpleNamespace

    from tracker.milestones.models import OPEN
    from tracker.milestones.service import TEMPLATES, occurrences

    dates: list[tuple[date, str, str | None]] = []
    if agreement["status"] in RAN:
        term = SimpleNamespace(effective_date=agreement["effective_date"],
                               end_date=agreement["end_date"] or today + timedelta(days=365))  # ongoing: through next year
        for template in rng.sample(TEMPLATES, rng.randint(1, 2)):
            for on in occurrences(template, term, agreement["effective_date"])[-4:]:  # the term's last four years
                dates.append((on, str(template.title) % {"year": on.year}, f"{template.key}:{on.year}"))
        extra, spread = rng.randint(0, 3), (agreement["effective_date"], agreement["end_date"] or today + timedelta(days=365))
    else:  # not signed yet: a couple of steps planned
        extra, spread = rng.randint(0, 2), (today, today + timedelta(days=240))
    for title in rng.sample(MILESTONE_TITLES, extra):
        dates.append((spread[0] + timedelta(days=rng.randint(0, max(0, (spread[1] - spread[0]).days))), title, None))

    milestones = []
    for due, title, template_key in dates:
        owed_by = rng.choice(members)
        owner_side = owed_by["id"] if owed_by["id"] in owners else owed_by["parent_id"]
        owner = owners.get(owner_side) if rng.random() < 0.5 else None
        if due < today:
            status = _weighted(rng, [("done", 70), ("missed", 10), ("planned", 12), ("in_progress", 8)])
        else:
            status = _weighted(rng, [("planned", 80), ("in_progress", 20)])
        done = min(today, due + timedelta(days=rng.randint(-20, 10))) if status == "done" else None
        milestones.append({
            "agreement_id": agreement["id"], "title": title, "party_id": owed_by["id"], "owner_user_id": owner,
            "owner_contact_id": None, "due_date": due, "status": status,
            "evidence": rng.choice(EVIDENCE) if status not in OPEN else "", "done_date": done,
            "template_key": template_key, "communication_id": None,
        })
    return milestones


SCHOOL_GRADES = {  # by the level in a school's name
    "Elementary School": ["K", "01", "02", "03", "04", "05"], "Middle School": ["06", "07", "08"],
    "High School": ["09", "10", "11", "12"], "K-8 Academy": ["K", "01", "02", "03", "04", "05", "06", "07", "08"],
}
DISTRICT_DRIVE_GRADES = [["K", "06", "09"], ["K"], ["K", "01", "02", "03", "04", "05"], ["09", "10", "11", "12"]]


def _grades_of(school: dict) -> list[str]:
    return next(grades for level, grades in SCHOOL_GRADES.items() if level in school["name"])


def drive_rows(rng: random.Random, agreement: dict, school_ids: list[int], schools: dict[int, dict], drives_before: int,
               counts_before: int, today: date) -> tuple[list[dict], list[dict]]:
    """Card drives of an agreement that has been in force and covers schools: one each autumn of its term so far
    (the last three), with a row per school and grade (as the drives service makes them), counts as far as the
    drive has got."""
    from tracker.cards.models import GRADES

    district_wide = len(school_ids) > 3
    if agreement["status"] not in RAN or not school_ids or rng.random() >= (0.3 if district_wide else 0.5):
        return [], []
    start, end = agreement["effective_date"], min(agreement["end_date"] or today, today + timedelta(days=60))
    years = [y for y in range(start.year, end.year + 1) if start <= date(y, 10, 31) and date(y, 9, 1) <= end][-3:]
    if district_wide:
        wanted = set(rng.choice(DISTRICT_DRIVE_GRADES))
    else:
        wanted = {g for s in school_ids for g in _grades_of(schools[s])}
    grades = [g for g in GRADES if g in wanted]
    drives, counts = [], []
    for year in years:
        starts, ends = date(year, 9, 1), date(year, 10, 31)
        if starts > today:
            status, progress = "planning", 0.0
        elif ends >= today:
            status = rng.choice(["forms_out", "collecting", "collecting"])
            progress = 0.05 if status == "forms_out" else rng.uniform(0.3, 0.7)
        elif (today - ends).days < 90:
            status, progress = rng.choice(["processing", "delivered", "follow_up"]), rng.uniform(0.8, 1.0)
        else:
            status, progress = _weighted(rng, [("closed", 80), ("follow_up", 20)]), 1.0
        drive_id = drives_before + len(drives) + 1
        drives.append({
            "id": drive_id, "agreement_id": agreement["id"], "name": f"Fall {year} card drive", "starts_on": starts,
            "ends_on": ends, "status": status, "grades": grades, "target_percent": rng.choice([80, 85, 90, 90, 95]),
            "created_at": min(datetime(year, 8, 1, 9) + timedelta(days=rng.randint(0, 20)),
                              datetime(today.year, today.month, today.day)),
        })
        for school_id in school_ids:
            own = set(_grades_of(schools[school_id]))
            for grade in grades:
                size = 3 if grade in ("09", "10", "11", "12") else 1  # high schools are bigger
                enrolment = rng.randint(40, 160) * size if grade in own else 0
                issued = round(enrolment * rng.uniform(0.45, 0.75) * progress)
                already = round(enrolment * rng.uniform(0.05, 0.2) * progress)
                cannot = round(enrolment * rng.uniform(0, 0.03) * progress)
                counts.append({
                    "id": counts_before + len(counts) + 1, "drive_id": drive_id, "school_id": school_id, "grade": grade,
                    "enrolment": enrolment, "target_percent": None, "classrooms": -(-enrolment // 25), "issued": issued,
                    "already_had": already, "cannot_issue": cannot,
                    "cannot_issue_reason": "No proof of address" if cannot else "",
                    "opted_out": max(0, min(enrolment - issued - already - cannot,
                                            round(enrolment * rng.uniform(0, 0.05) * progress))),
                })
    return drives, counts


def apply_schema(url: str) -> None:
    """The real schema, from the app's migrations."""
    from flask_migrate import upgrade

    from tracker import create_app

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url)})
    with app.app_context():
        upgrade()
        from tracker.extensions import db

        db.engine.dispose()


def insert_rows(url: str, rows: dict[str, list[dict]]) -> None:
    from sqlalchemy import MetaData, create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    metadata = MetaData()
    metadata.reflect(engine, only=list(rows))
    try:
        with engine.begin() as conn:
            for name in TABLES:
                table = metadata.tables[name]
                data = rows[name]
                for start in range(0, len(data), BATCH):
                    conn.execute(table.insert(), data[start:start + BATCH])
            if engine.dialect.name == "postgresql":
                for name in (t for t in TABLES if t != "membership"):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))"
                    ))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def generate(url: str = DEFAULT_DATABASE_URL, quiet: bool = False) -> dict:
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    started = time.perf_counter()
    recreate_database(url)
    apply_schema(url)
    schema_done = time.perf_counter()
    rows = build_rows(date.today())
    built = time.perf_counter()
    insert_rows(url, rows)
    done = time.perf_counter()
    counts = {name: len(data) for name, data in rows.items()}
    kinds: dict[str, int] = {}
    for row in rows["organisation"]:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    say(f"database: {url}")
    say("rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    say("organisations: " + ", ".join(f"{kind} {n:,}" for kind, n in kinds.items()))
    say(f"time: schema {schema_done - started:.1f}s, build {built - schema_done:.1f}s, "
        f"insert {done - built:.1f}s, total {done - started:.1f}s")
    say(f"accounts: {BENCH_USER} (administrator at one district), {BENCH_ADMIN} (admin); password {BENCH_PASSWORD}")
    return {"database": url, "rows": counts, "organisations": kinds, "seconds": round(done - started, 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="PostgreSQL URL or SQLite file path; the database is dropped and recreated "
                             f"(default: BENCH_DATABASE_URL, else {DEFAULT_DATABASE_URL})")
    args = parser.parse_args(argv)
    generate(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
