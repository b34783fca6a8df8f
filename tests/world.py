"""A small world for tests: our partnership and someone else's, and a user per role.

own:   Lakeside Library System (branch Harbor Branch)  <->  Lakeside District (schools North School, South School)
other: Hill County Library                               <->  Hill District (Hill School)
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from tracker.agreements import service as agreements
from tracker.agreements.models import Agreement
from tracker.audit.service import Actor
from tracker.auth import service as accounts
from tracker.extensions import db
from tracker.orgs import service as orgs
from tracker.orgs.models import Organisation

SETUP = Actor(label="test setup")

ROLE_HOMES = {
    "admin": None,
    "administrator": "library",
    "library_staff": "library",
    "school_librarian": "north",
    "viewer": "district",
}


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # role -> email


def org(name, kind, parent=None, **extra) -> Organisation:
    data = {"name": name, "kind": kind, "parent_id": parent.id if parent else None, "last_confirmed": date.today(), **extra}
    return orgs.create_organisation(SETUP, data)


def agreement(title, parties, **extra) -> Agreement:
    data = {
        "title": title, "kind": "mou", "purpose": "Cards for every student.", "term_kind": "fixed",
        "effective_date": date(2026, 8, 1), "end_date": date(2029, 7, 31), "renewal": "none", "notice_days": 30,
        "collaboration_level": "cooperating", **extra,
    }
    return agreements.create(SETUP, data, [{"organisation_id": o.id, "role": "partner"} for o in parties])


def build_world(password: str) -> World:
    w = World()
    o = w.orgs
    o["library"] = org("Lakeside Library System", "library_system", state_id="LIB-1")
    o["branch"] = org("Harbor Branch", "branch", o["library"], ils_branch_code="HAR")
    o["district"] = org("Lakeside District", "district", state_id="DIS-1")
    o["north"] = org("North School", "school", o["district"], home_branch_id=o["branch"].id, state_id="SCH-1")
    o["south"] = org("South School", "school", o["district"], state_id="SCH-2")
    o["other_library"] = org("Hill County Library", "library_system", state_id="LIB-2")
    o["other_district"] = org("Hill District", "district", state_id="DIS-2")
    o["other_school"] = org("Hill School", "school", o["other_district"], state_id="SCH-3")
    w.agreements["own"] = agreement("Lakeside Card MOU", [o["library"], o["north"]])
    w.agreements["other"] = agreement("Hill Card MOU", [o["other_library"], o["other_school"]])
    for role, home in ROLE_HOMES.items():
        email = f"{role}@test.example"
        accounts.create_user(SETUP, email, role.replace("_", " ").title(), role, password, [o[home]] if home else [])
        w.emails[role] = email
    db.session.commit()
    return w


def ids_of(world: World) -> dict:
    """The world as ids: built once, it is read again in each test's own session (`world_of`)."""
    return {"orgs": {k: o.id for k, o in world.orgs.items()}, "agreements": {k: a.id for k, a in world.agreements.items()},
            "emails": dict(world.emails)}


def world_of(ids: dict, into: World | None = None) -> World:
    """The world these ids name, read in the current session (added to `into`, for what it lacks)."""
    w = into or World(emails=dict(ids["emails"]))
    for found, model, key in ((w.orgs, Organisation, "orgs"), (w.agreements, Agreement, "agreements")):
        wanted = {k: i for k, i in ids[key].items() if k not in found}
        rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(wanted.values())))}
        found.update({k: rows[i] for k, i in wanted.items()})
    return w
