"""The demo partnership, built through the same services users go through (so it is audited)."""
from datetime import date, timedelta

from tracker import clock
from tracker.agreements import service as agreements
from tracker.audit.service import Actor
from tracker.auth import service as accounts
from tracker.auth.permissions import ADMIN, ADMINISTRATOR, LIBRARY_STAFF, SCHOOL_LIBRARIAN, VIEWER
from tracker.extensions import db
from tracker.orgs import service as orgs
from tracker.orgs.models import Contact

TIME_ZONE = "America/Los_Angeles"  # Riverside, California: every demo organisation's

SEEDER = Actor(label="demo seed")

BRANCHES = [("Central Library", "CEN"), ("Eastside Branch", "EAS"), ("Northgate Branch", "NOR")]
SCHOOLS = [
    ("Lincoln Elementary School", "EAS"), ("Washington Elementary School", "CEN"),
    ("Maple Grove Elementary School", "NOR"), ("Oak Park Elementary School", "EAS"),
    ("Jefferson Middle School", "CEN"), ("Roosevelt Middle School", "NOR"),
    ("Riverside High School", "CEN"), ("Cedar Ridge High School", "NOR"),
]
ACCOUNTS = [
    ("admin@demo.test", "Alex Admin", ADMIN, None),
    ("director@demo.test", "Dana Director", ADMINISTRATOR, "library"),
    ("superintendent@demo.test", "Sam Superintendent", ADMINISTRATOR, "district"),
    ("staff@demo.test", "Stacy Youth Services", LIBRARY_STAFF, "library"),
    ("librarian@demo.test", "Lee Librarian", SCHOOL_LIBRARIAN, "lincoln"),
    ("viewer@demo.test", "Val Viewer", VIEWER, "district"),
]


def _org(**data):
    defaults = {"region": "CA", "city": "Riverside", "time_zone": TIME_ZONE, "last_confirmed": clock.today()}
    return orgs.create_organisation(SEEDER, {**defaults, **data})


def seed(password: str, today: date) -> dict:
    """Create the demo world. The caller checks it is not there yet."""
    city = _org(name="City of Riverside", kind="municipality", state_id="CA-MUN-0651", street="3900 Main Street", postal_code="92522")
    library = _org(name="Riverside Public Library", kind="library_system", parent_id=city.id, state_id="CA-LIB-0417",
                   street="3581 Mission Inn Avenue", postal_code="92501")
    branches = {
        code: _org(name=name, kind="branch", parent_id=library.id, ils_branch_code=code, street=f"{100 + i * 50} Library Way",
                   postal_code="92501", last_confirmed=today - timedelta(days=400 if code == "NOR" else 30))
        for i, (name, code) in enumerate(BRANCHES)
    }
    district = _org(name="Riverside Unified School District", kind="district", state_id="CA-33-67215",
                    sourced_id="district-rusd", street="3380 14th Street", postal_code="92501")
    schools = {}
    for i, (name, branch) in enumerate(SCHOOLS):
        schools[name] = _org(
            name=name, kind="school", parent_id=district.id, home_branch_id=branches[branch].id,
            state_id=f"CA-33-67215-{6000 + i:04d}", sourced_id=f"school-{i + 1:03d}", street=f"{200 + i * 10} School Road",
            postal_code="92503", last_confirmed=None if i == 7 else today - timedelta(days=90),
        )
    lincoln = schools["Lincoln Elementary School"]
    db.session.add_all([
        Contact(organisation=library, name="Dana Director", title="Library Director", role="director", email="director@demo.test", can_sign=True),
        Contact(organisation=library, name="Stacy Youth Services", title="Youth Services Manager", role="youth_services", email="staff@demo.test"),
        Contact(organisation=city, name="Casey Counsel", title="Deputy City Attorney", role="city_attorney", email="counsel@demo.test", can_sign=True),
        Contact(organisation=city, name="Cory Clerk", title="City Clerk", role="clerk", email="clerk@demo.test", can_sign=True),
        Contact(organisation=district, name="Sam Superintendent", title="Superintendent", role="superintendent", email="superintendent@demo.test", can_sign=True),
        Contact(organisation=district, name="Dee Data", title="Data and Assessment Lead", role="district_data_lead", email="data@demo.test"),
        Contact(organisation=lincoln, name="Lee Librarian", title="Teacher Librarian", role="school_librarian", email="librarian@demo.test"),
        Contact(organisation=lincoln, name="Pat Principal", title="Principal", role="principal", email="principal@demo.test", can_sign=True),
    ])
    homes = {"library": library, "district": district, "lincoln": lincoln}
    users = {}
    for email, name, role, home in ACCOUNTS:
        users[email] = accounts.create_user(SEEDER, email, name, role, password, [homes[home]] if home else [])
    db.session.commit()

    year = today.year if today.month >= 8 else today.year - 1
    mou = agreements.create(SEEDER, {
        "title": "Student Library Card Partnership MOU", "kind": "mou",
        "purpose": "Give every student in the district a public library account, so they can borrow books and use "
                   "e-resources all year, at no cost to the district.",
        "collaboration_level": "collaborating", "manager_id": users["staff@demo.test"].id,
        "term_kind": "fixed", "effective_date": date(year, 8, 1), "end_date": date(year + 3, 7, 31),
        "renewal": "mutual", "renewal_months": 36, "notice_days": 30,
        "modification_window_start": 2, "modification_window_end": 5,
    }, [
        {"organisation_id": library.id, "role": "lead",
         "contributes": "Student accounts, processing, school visits, delivery of materials within two days.",
         "receives": "Student roster data under the data-sharing terms; space for sign-up events."},
        {"organisation_id": district.id, "role": "partner",
         "contributes": "Roster data, the registration-packet letter, staff time of school librarians.",
         "receives": "Library accounts for every student; teacher sets; educator cards."},
    ])
    for step in ("submit", "approve", "send", "activate"):
        agreements.transition(SEEDER, mou, step, ADMIN, mou.version)
    for statement, measure, target in [
        ("Every enrolled student holds a library account", "(issued + already had) / enrolment", "90%"),
        ("Students use their account", "accounts used at least once within 9 months", "50%"),
    ]:
        agreements.add_goal(SEEDER, mou, {"statement": statement, "measure": measure, "target": target,
                                          "due_date": date(year + 1, 6, 30), "progress": 40}, mou.version)

    visits = agreements.create(SEEDER, {
        "title": "Lincoln Elementary Class Visits", "kind": "commitment_letter",
        "purpose": "Monthly class visits to Eastside Branch and a librarian visit to Lincoln each term.",
        "collaboration_level": "coordinating", "manager_id": users["librarian@demo.test"].id,
        "term_kind": "pilot", "effective_date": date(year, 9, 1), "end_date": date(year + 1, 6, 15),
        "renewal": "none", "notice_days": 14,
    }, [
        {"organisation_id": branches["EAS"].id, "role": "partner", "contributes": "Story time and tours for visiting classes."},
        {"organisation_id": lincoln.id, "role": "lead", "contributes": "Transport and supervision of classes."},
    ])
    agreements.transition(SEEDER, visits, "submit", ADMIN, visits.version)

    agreements.create(SEEDER, {
        "title": "Student Data-Sharing Agreement", "kind": "data_sharing",
        "purpose": "Terms for sharing student directory data so the library can create accounts.",
        "collaboration_level": "cooperating", "manager_id": users["director@demo.test"].id,
        "term_kind": "ongoing", "effective_date": None, "end_date": None, "renewal": "none", "notice_days": 60,
    }, [
        {"organisation_id": library.id, "role": "partner"},
        {"organisation_id": district.id, "role": "lead"},
    ])

    joint_use = agreements.create(SEEDER, {
        "title": "Jefferson Middle Joint-Use Library Space", "kind": "joint_use",
        "purpose": "Evening public use of the Jefferson Middle School library, staffed by Central Library.",
        "collaboration_level": "integrated", "manager_id": users["director@demo.test"].id,
        "term_kind": "fixed", "effective_date": today - timedelta(days=700), "end_date": today + timedelta(days=45),
        "renewal": "automatic", "renewal_months": 12, "notice_days": 30,
    }, [
        {"organisation_id": branches["CEN"].id, "role": "partner", "contributes": "Evening staff and collection."},
        {"organisation_id": schools["Jefferson Middle School"].id, "role": "lead", "contributes": "The library room."},
    ])
    for step in ("submit", "approve", "send", "activate"):
        agreements.transition(SEEDER, joint_use, step, ADMIN, joint_use.version)
    from tracker.demo import cards

    cards.seed(SEEDER, mou, today)
    seed_documents(mou, today)
    seed_partnership(mou, joint_use, library, district, branches["CEN"], schools["Jefferson Middle School"], users, today)
    seed_school_part(mou, lincoln, users, today)
    return users


def seed_partnership(mou, joint_use, library, district, central, jefferson, users, today: date) -> None:
    """Resources both ways, milestones done and overdue, a key date within 30 days, two survey rounds."""
    from tracker.health import service as health
    from tracker.milestones import service as milestones
    from tracker.resources import service as resources

    for kind, giver, taker, description, quantity, unit, cents, period in [
        ("ebooks", library, district, "E-book and audiobook platform for every student", 12000, "student accounts", 1_800_000, "year"),
        ("delivery", library, district, "Delivery of holds and teacher sets to schools", 2, "runs a week", 45_000, "month"),
        ("educator_cards", library, district, "Educator cards with extended loans", 600, "teachers", 0, "year"),
        ("space", district, library, "School libraries for sign-up evenings", 8, "evenings", 30_000, "term"),
        ("staff_time", district, library, "School librarians' time for class visits", 120, "hours", 600_000, "year"),
    ]:
        resources.add(SEEDER, mou, {"kind": kind, "provider_id": giver.id, "recipient_id": taker.id, "description": description,
                                    "quantity": quantity, "unit": unit, "schedule": "", "value_cents": cents,
                                    "period": period, "start_date": mou.effective_date, "end_date": mou.end_date})
    resources.add(SEEDER, joint_use, {"kind": "space", "provider_id": jefferson.id, "recipient_id": central.id,
                                      "description": "The library room, evenings", "quantity": 3, "unit": "evenings a week",
                                      "schedule": "Mon, Wed, Thu 5-8 pm", "value_cents": 150_000, "period": "month",
                                      "start_date": joint_use.effective_date, "end_date": joint_use.end_date})
    staff = users["staff@demo.test"].id
    for title, due, status, party in [
        ("Roster file sent to the library", today - timedelta(days=60), "done", district),
        ("Accounts created for every student", today - timedelta(days=40), "done", library),
        ("Consent opt-out list returned", today - timedelta(days=12), "planned", district),
        ("Teacher sets delivered to every school", today - timedelta(days=5), "in_progress", library),
        ("Mid-year usage report", today + timedelta(days=10), "planned", library),
        ("Summer reading visit schedule agreed", today + timedelta(days=75), "planned", district),
    ]:
        data = {"title": title, "due_date": due, "status": status, "party_id": party.id, "owner_user_id": staff,
                "owner_contact_id": None, "evidence": "Emailed on time." if status == "done" else "", "done_date": None}
        milestones.add(SEEDER, mou, data, today)
    milestones.apply_template(SEEDER, mou, "signup_month", today)
    milestones.log_communication(SEEDER, mou, {"kind": "meeting", "held_on": today - timedelta(days=20),
                                               "attendees": "Dana Director, Sam Superintendent, Stacy Youth Services",
                                               "summary": "Reviewed the sign-up numbers; agreed to chase the opt-out list."},
                                 [{"title": "Share the sign-up numbers with principals", "due_date": today + timedelta(days=21)}],
                                 today)
    sides = {users["director@demo.test"]: library.id, users["superintendent@demo.test"]: district.id}
    for title, opened, scores in [("Autumn survey", today - timedelta(days=150), {"share": 3, "communication": 2}),
                                  ("Spring survey", today - timedelta(days=5), {"share": 4, "communication": 4})]:
        survey = health.open_round(SEEDER, mou, {"title": title, "opens_on": opened, "closes_on": opened + timedelta(days=30)})
        for user, side in sides.items():
            answers = {"share": scores["share"], "communication": scores["communication"], "goals": 4,
                       "recognition": 3 + (side == district.id), "decisions": 4}
            health.answer(Actor(user.id, user.name), survey, side, answers, opened + timedelta(days=1))


def seed_school_part(mou, lincoln, users, today: date) -> None:
    """What Lincoln Elementary owes under the district's card MOU: its librarian sees it on her dashboard."""
    from tracker.milestones import service as milestones

    milestones.add(SEEDER, mou, {
        "title": "Lincoln Elementary: sign-up forms back to the library", "due_date": today + timedelta(days=9),
        "status": "in_progress", "party_id": lincoln.id, "owner_user_id": users["librarian@demo.test"].id,
        "owner_contact_id": None, "evidence": "", "done_date": None}, today)


def seed_documents(mou, today: date) -> None:
    """The clause library, and the card MOU's document: the original signed and sealed, its First Amendment
    a draft awaiting approval (so a newcomer sees the whole path)."""
    from tracker.clauses import service as clauses
    from tracker.documents import approvals, notify, signing
    from tracker.documents import service as documents

    clauses.seed(SEEDER)
    document = documents.create_document(SEEDER, mou)
    original = document.versions[0]
    documents.update_settings(SEEDER, original, ["internal", "form", "board"], "sequential", original.terms, may_set_approvals=True)
    for person in (
        {"name": "Dana Director", "title": "Library Director", "organisation": "Riverside Public Library",
         "email": "director@demo.test", "capacity": "signs"},
        {"name": "Sam Superintendent", "title": "Superintendent", "organisation": "Riverside Unified School District",
         "email": "superintendent@demo.test", "capacity": "signs"},
        {"name": "Casey Counsel", "title": "Deputy City Attorney", "organisation": "City of Riverside",
         "email": "counsel@demo.test", "capacity": "form"},
        {"name": "Cory Clerk", "title": "City Clerk", "organisation": "City of Riverside",
         "email": "clerk@demo.test", "capacity": "attests"},
    ):
        signing.add_signatory(SEEDER, original, person)
    documents.submit_for_approval(SEEDER, original)
    approvals.record_approval(SEEDER, original, "internal", today, "Stacy Youth Services")
    approvals.record_approval(SEEDER, original, "form", today, "Casey Counsel, Deputy City Attorney")
    approvals.record_approval(SEEDER, original, "board", today, "Riverside Library Board of Trustees", "LB-2026-14")
    with notify.suppressed():  # demo people have no real mailboxes
        signing.start(SEEDER, original)
        for signatory in list(original.signatories):
            signer = Actor(user_id=signatory.user_id, label=f"{signatory.name} <{signatory.email}>", ip="203.0.113.20",
                           user_agent="demo seed")
            signing.sign(signer, original.id, signatory.id, signatory.name, True)
    db.session.refresh(original)
    amendment = documents.amend(SEEDER, original)
    card = next(c for c in amendment.clauses if c.category == "card_programme")
    documents.edit_clause(SEEDER, amendment, card.id, card.title, card.body.replace(
        "no physical card is required.", "no physical card is required; students may also ask for a printed card at any branch."))
    documents.update_settings(SEEDER, amendment, ["internal", "form", "board"], "sequential",
                              {**amendment.terms, "checkout_limit": "15"}, may_set_approvals=True)
    documents.submit_for_approval(SEEDER, amendment)
