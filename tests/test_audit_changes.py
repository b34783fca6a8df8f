"""Every audited edit records the field-level changes people read in the History section (and on /audit): the
exact sentences, with names and labels, never ids, codes or Python values, form by form (the service each form calls, with the values the form gives it)."""
import re
from datetime import date
from html import unescape

from flask import render_template
from sqlalchemy import select

from tests import documents as docs
from tests.card_fixtures import PROGRAMME, SPEC, set_up_cards
from tracker.agreements import service as agreements
from tracker.audit import sentences
from tracker.audit import service as audit
from tracker.auth import accounts
from tracker.auth.models import User
from tracker.calendar import service as calendar
from tracker.cards import drives, programme
from tracker.clauses import service as clauses
from tracker.documents import service as documents
from tracker.extensions import db
from tracker.milestones import service as milestones
from tracker.orgs import service as orgs
from tracker.orgs.models import Contact
from tracker.resources import service as resources

ACTOR = audit.Actor(label="Audit Tester")


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def newest(app, entity_type: str, entity_id) -> list[str]:
    """The newest event of an entity as the History section shows it: who did what, then one line per change."""
    events = audit.history(entity_type, entity_id, limit=1)
    assert events, f"nothing recorded for {entity_type} {entity_id}"
    with app.test_request_context("/"):
        html = render_template("_history.html", history=sentences.lines(events, subjects=False))
    html = re.sub(r"<time.*?</time>", "", html, flags=re.S)
    head = flat(re.search(r'<span class="actor">.*?<span class="action">.*?</span>', html, re.S).group(0))
    changes = html.split('<ul class="changes">', 1)[1] if '<ul class="changes">' in html else ""
    return [head] + [flat(item) for item in re.findall(r"<li>(.*?)</li>", changes, re.S)]


def count(entity_type: str, entity_id) -> int:
    return len(audit.history(entity_type, entity_id, limit=1000))


def user(world, role: str) -> User:
    return db.session.scalar(select(User).where(User.email == world.emails[role]))


# ---- accounts --------------------------------------------------------------------------------

def test_account(app, world):
    admin, viewer = user(world, "admin"), user(world, "viewer")
    data = {"name": "Vera Viewer", "email": "Vera@Test.Example", "role": "library_staff",
            "organisation_ids": [world.orgs["district"].id, world.orgs["library"].id], "active": False}
    accounts.update_account(ACTOR, viewer, data, admin)
    db.session.commit()
    assert newest(app, "user", viewer.id) == [
        "Audit Tester changed the account",
        "name: Viewer → Vera Viewer",
        "email: viewer@test.example → vera@test.example",
        "role: Viewer → Library staff",
        "active: yes → no",
        "organisations: Lakeside District → Lakeside District, Lakeside Library System",
    ]
    before = count("user", viewer.id)
    accounts.update_account(ACTOR, viewer, data, admin)
    db.session.commit()
    assert count("user", viewer.id) == before  # nothing changed: nothing recorded


# ---- agreements: summary, term, goals, creation ----------------------------------------------

def test_agreement_summary(app, world):
    own, manager = world.agreements["own"], user(world, "library_staff")
    data = {"title": "Lakeside Card MOU 2026", "kind": "data_sharing", "purpose": "Cards for every student.",
            "collaboration_level": "collaborating", "manager_id": manager.id}
    changes = agreements.update_section(ACTOR, own, "summary", data, own.version)
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed the agreement",
        "title: Lakeside Card MOU → Lakeside Card MOU 2026",
        "kind: Memorandum of understanding → Data-sharing agreement",
        "collaboration level: Cooperating → Collaborating",
        "manager: Library Staff",
    ]
    assert set(changes) == {"title", "kind", "collaboration_level", "manager"}
    assert audit.history("agreement", own.id, limit=1)[0].changes["version"] == [own.version - 1, own.version]
    before = count("agreement", own.id)
    assert agreements.update_section(ACTOR, own, "summary", data, own.version) == {}
    assert count("agreement", own.id) == before


def test_agreement_term(app, world):
    own = world.agreements["own"]
    data = {"term_kind": "fixed", "effective_date": date(2026, 8, 1), "end_date": date(2030, 7, 31),
            "renewal": "automatic", "renewal_months": 12, "notice_days": 60,
            "modification_window_start": None, "modification_window_end": None}
    agreements.update_section(ACTOR, own, "term", data, own.version)
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed the agreement",
        "end date: July 31, 2029 → July 31, 2030",
        "renewal: No renewal → Automatic",
        "renewal months: 12",
        "notice days: 30 → 60",
    ]


def test_goal(app, world):
    own = world.agreements["own"]
    goal = {"statement": "Every third grader has a card", "measure": "cards issued", "target": "90 %",
            "due_date": date(2026, 10, 31), "progress": None}
    agreements.add_goal(ACTOR, own, goal, own.version)
    agreements.add_goal(ACTOR, own, {**goal, "statement": "Every fourth grader has a card"}, own.version)
    second = own.goals[1]
    agreements.update_goal(ACTOR, own, second.id, {**goal, "statement": "Every fourth grader has a card",
                                                   "target": "95 %", "progress": 40}, own.version)
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed a goal",
        "goal 2 target: 90 % → 95 %",
        "goal 2 progress: 0 → 40",
    ]


def test_agreement_created(app, world):
    manager = user(world, "library_staff")
    made = agreements.create(ACTOR, {
        "title": "Hill Cards", "kind": "mou", "purpose": "", "term_kind": "ongoing", "effective_date": date(2026, 9, 1),
        "end_date": None, "renewal": "none", "notice_days": 90, "collaboration_level": "coordinating",
        "manager_id": manager.id,
    }, [{"organisation_id": world.orgs["library"].id, "role": "lead"},
        {"organisation_id": world.orgs["south"].id, "role": "partner"}])
    assert newest(app, "agreement", made.id) == [
        "Audit Tester created the agreement",
        "title: Hill Cards",
        "kind: Memorandum of understanding",
        "collaboration level: Coordinating",
        "term kind: Ongoing",
        "effective date: September 1, 2026",
        "renewal: No renewal",
        "notice days: 90",
        "manager: Library Staff",
        "parties: Lakeside Library System (lead), South School (partner)",
    ]


# ---- organisations and contacts --------------------------------------------------------------

def org_data(org, **changes) -> dict:
    return {**{f: getattr(org, f) for f in ("name", "kind", "parent_id", "home_branch_id", "state_id", "sourced_id",
                                           "ils_branch_code", "street", "city", "region", "postal_code", "time_zone",
                                           "last_confirmed")}, **changes}


def test_organisation(app, world):
    south = world.orgs["south"]
    orgs.update_organisation(ACTOR, south, org_data(south, name="South Elementary", home_branch_id=world.orgs["branch"].id,
                                                    city="Lakeside", state_id=""))
    assert newest(app, "organisation", south.id) == [
        "Audit Tester changed the organisation",
        "name: South School → South Elementary",
        "state id: SCH-2 → —",
        "city: Lakeside",
        "home branch: Harbor Branch",
    ]
    hill = world.orgs["other_library"]
    orgs.update_organisation(ACTOR, hill, org_data(hill, kind="municipality", parent_id=None))
    assert newest(app, "organisation", hill.id) == [
        "Audit Tester changed the organisation",
        "kind: Library system → Municipality",
    ]
    school = world.orgs["other_school"]
    orgs.update_organisation(ACTOR, school, org_data(school, parent_id=world.orgs["district"].id))
    assert newest(app, "organisation", school.id) == [
        "Audit Tester changed the organisation",
        "parent: Hill District → Lakeside District",
    ]
    before = count("organisation", school.id)
    assert orgs.update_organisation(ACTOR, school, org_data(school)) == {}
    assert count("organisation", school.id) == before


def test_organisation_created(app, world):
    made = orgs.create_organisation(ACTOR, {"name": "East School", "kind": "school", "parent_id": world.orgs["district"].id,
                                            "home_branch_id": world.orgs["branch"].id, "state_id": "", "sourced_id": "",
                                            "ils_branch_code": "", "street": "", "city": "Lakeside", "region": "",
                                            "postal_code": "", "time_zone": "America/New_York",
                                            "last_confirmed": date(2026, 5, 1)})
    assert newest(app, "organisation", made.id) == [
        "Audit Tester created the organisation",
        "name: East School",
        "kind: School",
        "city: Lakeside",
        "time zone: America/New_York",
        "language: English",
        "last confirmed: May 1, 2026",
        "parent: Lakeside District",
        "home branch: Harbor Branch",
    ]


def test_contact(app, world):
    branch = world.orgs["branch"]
    data = {"name": "Kim Keeper", "title": "", "role": "branch_manager", "email": "kim@example.org", "phone": "",
            "can_sign": False}
    orgs.save_contact(ACTOR, branch, data)
    assert newest(app, "organisation", branch.id) == [
        "Audit Tester added a contact",
        "name: Kim Keeper",
        "role: Branch manager",
        "email: kim@example.org",
    ]
    contact = db.session.scalar(select(Contact).where(Contact.organisation_id == branch.id))
    orgs.save_contact(ACTOR, branch, {**data, "name": "Kim Keeper-Lee", "title": "Branch manager", "can_sign": True}, contact)
    assert newest(app, "organisation", branch.id) == [
        "Audit Tester changed a contact",
        "contact: Kim Keeper-Lee",
        "name: Kim Keeper → Kim Keeper-Lee",
        "title: Branch manager",
        "can sign: no → yes",
    ]
    before = count("organisation", branch.id)
    orgs.save_contact(ACTOR, branch, {**data, "name": "Kim Keeper-Lee", "title": "Branch manager", "can_sign": True}, contact)
    assert count("organisation", branch.id) == before


# ---- card programme, data-sharing spec, drives -----------------------------------------------

def test_card_programme_and_spec(app, world):
    own = world.agreements["own"]
    set_up_cards(world)
    programme.save_programme(ACTOR, own, {**PROGRAMME, "checkout_limit": 15, "fines_free": False, "branch_code": "HAR"})
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed the card programme",
        "checkout limit: 10 → 15",
        "fines free: yes → no",
        "branch code: HAR",
    ]
    programme.save_spec(ACTOR, own, {**SPEC, "allowed_fields": ["given_name", "family_name", "identifier", "grade"],
                                     "retention_days_after_end": None, "destroy_on": date(2030, 6, 30)})
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed the data-sharing spec",
        "allowed fields: Given name, Family name, Middle name, Student id, Grade, Birth date, Email, Username"
        " → Given name, Family name, Student id, Grade",
        "retention days after end: 30 → —",
        "destroy on: June 30, 2030",
    ]
    # Saving the programme unchanged still writes an event, as it always did.
    programme.save_programme(ACTOR, own, {**PROGRAMME, "checkout_limit": 15, "fines_free": False, "branch_code": "HAR",
                                          "pin_rule": "none"})
    programme.save_programme(ACTOR, own, {**PROGRAMME, "checkout_limit": 15, "fines_free": False, "branch_code": "HAR",
                                          "pin_rule": "none"})
    assert newest(app, "agreement", own.id) == ["Audit Tester changed the card programme"]


def test_drive(app, world):
    _programme, drive = set_up_cards(world)
    data = {"name": "September sign-up", "starts_on": date(2026, 9, 1), "ends_on": date(2026, 10, 2),
            "status": "forms_out", "grades": ["03", "04", "05", "06"], "target_percent": 85}
    drives.update_drive(ACTOR, drive, data)
    assert newest(app, "card_drive", drive.id) == [
        "Audit Tester changed the card drive",
        "name: September own → September sign-up",
        "ends on: September 30, 2026 → October 2, 2026",
        "status: Collecting → Forms out",
        "grades: 03, 04, 05 → 03, 04, 05, 06",
        "target percent: 90 → 85",
    ]
    drives.update_drive(ACTOR, drive, data)
    assert newest(app, "card_drive", drive.id) == ["Audit Tester changed the card drive"]  # as it always did


# ---- milestones and resources ----------------------------------------------------------------

def milestone(world, **changes) -> dict:
    return {"title": "Send the roster", "party_id": world.orgs["north"].id, "owner_user_id": None,
            "owner_contact_id": None, "due_date": date(2026, 9, 15), "status": "planned", "evidence": "",
            "done_date": None, **changes}


def test_milestone(app, world):
    own = world.agreements["own"]
    made, _warnings = milestones.add(ACTOR, own, milestone(world), date(2026, 9, 1))
    milestones.update(ACTOR, own, made, milestone(world, title="Send the fall roster", party_id=world.orgs["library"].id,
                                                  status="done", evidence="Sent by SFTP"), date(2026, 9, 10))
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed a milestone",
        "milestone: Send the fall roster",
        "title: Send the roster → Send the fall roster",
        "party: North School → Lakeside Library System",
        "status: Planned → Done",
        "evidence: Sent by SFTP",
        "done date: September 10, 2026",
    ]
    before = count("agreement", own.id)
    milestones.update(ACTOR, own, made, milestone(world, title="Send the fall roster", party_id=world.orgs["library"].id,
                                                  status="done", evidence="Sent by SFTP", done_date=date(2026, 9, 10)),
                      date(2026, 9, 10))
    assert count("agreement", own.id) == before


def share(world, **changes) -> dict:
    return {"kind": "ebooks", "provider_id": world.orgs["library"].id, "recipient_id": world.orgs["north"].id,
            "description": "E-book platform", "quantity": 600, "unit": "licences", "schedule": "all year",
            "value_cents": 100000, "period": "year", "start_date": date(2026, 9, 1), "end_date": date(2027, 6, 30),
            **changes}


def test_resource(app, world):
    own = world.agreements["own"]
    made = resources.add(ACTOR, own, share(world))
    resources.update(ACTOR, own, made, share(world, quantity=650, value_cents=0, end_date=None, schedule=""))
    assert newest(app, "agreement", own.id) == [
        "Audit Tester changed a shared resource",
        "resource: E-books: E-book platform",
        "quantity: 600 → 650",
        "schedule: all year → —",
        "value: $1,000.00 → $0.00",
        "end date: June 30, 2027 → —",
    ]
    before = count("agreement", own.id)
    resources.update(ACTOR, own, made, share(world, quantity=650, value_cents=0, end_date=None, schedule=""))
    assert count("agreement", own.id) == before


# ---- clause library, reminders, documents ----------------------------------------------------

def test_clause(app, world):
    data = {"category": "card_programme", "title": "Cards", "body": "Each student gets a card.", "default_kinds": "mou",
            "active": True}
    clause = clauses.create(ACTOR, data)
    assert newest(app, "clause", clause.id) == [
        "Audit Tester added a clause to the library",
        "category: Card programme",
        "title: Cards",
        "body: Each student gets a card.",
        "default kinds: Memorandum of understanding",
        "active: yes",
    ]
    changes = clauses.update(ACTOR, clause, {**data, "title": "Student cards", "default_kinds": "mou,joint_use", "active": False})
    assert newest(app, "clause", clause.id) == [
        "Audit Tester changed a library clause",
        "title: Cards → Student cards",
        "default kinds: Memorandum of understanding → Memorandum of understanding, Joint-use agreement",
        "active: yes → no",
    ]
    assert list(changes) == ["title", "default_kinds", "active"]
    before = count("clause", clause.id)
    assert clauses.update(ACTOR, clause, {**data, "title": "Student cards", "default_kinds": "mou,joint_use", "active": False}) == {}
    assert count("clause", clause.id) == before


def test_reminder_settings(app, world):
    me = user(world, "library_staff")
    kinds = set(calendar.preferences(me.id))
    calendar.set_preferences(ACTOR, me.id, kinds - {"end_of_term", "milestone"})
    assert newest(app, "user", me.id) == [
        "Audit Tester changed their reminder settings",
        "end of term: yes → no",
        "milestone: yes → no",
    ]
    calendar.set_preferences(ACTOR, me.id, kinds - {"end_of_term"})
    assert newest(app, "user", me.id) == ["Audit Tester changed their reminder settings", "milestone: no → yes"]
    before = count("user", me.id)
    calendar.set_preferences(ACTOR, me.id, kinds - {"end_of_term"})
    assert count("user", me.id) == before


def test_document_clause_and_settings(app, world):
    version = docs.draft(world)
    item = version.clauses[1]
    title, body = item.title, item.body
    documents.edit_clause(ACTOR, version, item.id, "  Purpose of the partnership ", body)
    assert newest(app, documents.ENTITY, version.id) == [  # a version's rows read as its audit certificate does
        f"Audit Tester edited clause 2, Purpose of the partnership (renamed from “{title}”)",
    ]
    documents.edit_clause(ACTOR, version, item.id, "Purpose of the partnership", "The parties work together.")
    assert newest(app, documents.ENTITY, version.id) == [
        "Audit Tester edited clause 2, Purpose of the partnership",  # clause source is never printed in the log
    ]
    before = count(documents.ENTITY, version.id)
    documents.edit_clause(ACTOR, version, item.id, "Purpose of the partnership", "The parties work together.")
    assert count(documents.ENTITY, version.id) == before

    terms = dict(version.terms)
    documents.update_settings(ACTOR, version, ["internal", "board"], "sequential",
                              {**terms, "grades": "3–5", "hold_limit": " "}, may_set_approvals=True)
    assert newest(app, documents.ENTITY, version.id) == [
        "Audit Tester changed the approvals needed to Internal review, Board or council approval; the signing order to "
        f"in order; the grades covered (blank: the grades of the agreement's card drives) from “{terms['grades']}” to "
        "“3–5”",
    ]  # a blank term falls back to its default: the hold limit did not change
    before = count(documents.ENTITY, version.id)
    documents.update_settings(ACTOR, version, ["internal", "board"], "sequential", {**terms, "grades": "3–5"},
                              may_set_approvals=True)
    assert count(documents.ENTITY, version.id) == before
