"""Every route of the app with its URL filled in, for the permission matrix and the CSRF test.

The subject is a partnership of the test world made for this: Lakeside Library System <-> Lakeside
District ("district"). For each relation a user can stand in to it, an organisation to be at:

    party      Lakeside Library System, a party (on organisation pages: the organisation itself)
    above      City of Lakeside, above the library system
    below      North School, below the party district (on organisation pages: Harbor Branch, below the library)
    unrelated  Hill County Library

Everything inside the partnership that a URL names (a drive, a count row, a student, a milestone, ...)
concerns North School, so a user below the party at North reaches what the permission table lets
them reach; the explicit tests in tests/test_access.py show what happens at another school.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from tracker.agreements import service as agreements
from tracker.audit.service import Actor
from tracker.auth import links
from tracker.auth import service as accounts
from tracker.auth.models import User
from tracker.auth.permissions import ADMIN, ROLES, Relation
from tracker.documents import bulk, signing
from tracker.extensions import db
from tracker.families import letter_service
from tracker.jobs.models import Job
from tracker.orgs import service as orgs
from tests.world import World, agreement, org

SETUP = Actor(label="route fixtures")
SUBJECT = "district"  # the key of the matrix's partnership in world.agreements
HOMES = {  # (scope of the route, relation) -> the organisation a user in that relation is at
    ("agreement", Relation.PARTY): "library", ("agreement", Relation.ABOVE): "city",
    ("agreement", Relation.BELOW): "north", ("agreement", Relation.UNRELATED): "other_library",
    ("organisation", Relation.PARTY): "library", ("organisation", Relation.ABOVE): "city",
    ("organisation", Relation.BELOW): "branch", ("organisation", Relation.UNRELATED): "other_library",
}
ORGANISATION = "library"  # the organisation named by organisation pages
SCHOOL_ROWS = ("<int:count_id>", "<int:student_id>", "<int:school_id>")  # URLs naming North's rows or students
ACT_FOR_NORTH = {"north", "district"}  # homes whose users act for North School (it is theirs, or below theirs)


@dataclass
class Route:
    endpoint: str
    rule: str
    method: str
    permission: str | None
    scope: str | None
    hidden: bool = False

    def __str__(self):
        return f"{self.method} {self.rule}"


def all_routes(app) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(Route(rule.endpoint, rule.rule, method, getattr(view, "permission", "MISSING"), getattr(view, "scope", None),
                               getattr(view, "hidden", False)))
    return found


@dataclass
class Matrix:
    """The world, the subject partnership, a user per role at each home, and the ids URLs are filled with."""

    world: World
    users: dict[tuple[str, str], User] = field(default_factory=dict)  # (role, home) -> user; ("admin", "") -> the admin
    ids: dict = field(default_factory=dict)

    def user(self, role: str, scope: str | None, relation: Relation) -> User:
        if role == ADMIN:
            return self.users[(ADMIN, "")]
        return self.users[(role, HOMES[(scope or "agreement", relation)])]


def build_matrix(world: World, password: str) -> Matrix:
    o = world.orgs
    o["city"] = org("City of Lakeside", "municipality")
    orgs.update_organisation(SETUP, o["library"], {"kind": o["library"].kind, "parent_id": o["city"].id})
    world.agreements[SUBJECT] = agreement("Lakeside District Card MOU", [o["library"], o["district"]])
    matrix = Matrix(world)
    matrix.users[(ADMIN, "")] = db.session.scalar(select(User).where(User.email == world.emails[ADMIN]))
    for role in ROLES:
        if role == ADMIN:
            continue
        for home in sorted(set(HOMES.values())):
            matrix.users[(role, home)] = accounts.create_user(SETUP, f"{role}.{home}@matrix.example", f"{role} at {home}",
                                                              role, password, [o[home]])
    db.session.commit()
    add_details(matrix)
    return matrix


LOGO = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360f8cf000000030101001bb1bd"
                     "0a0000000049454e44ae426082")  # a 1 x 1 PNG


def add_details(matrix: Matrix) -> None:
    """Goals, parties, contacts, a resource share, a milestone owed by North, a survey round, a calendar feed."""
    from tracker.calendar import service as calendar
    from tracker.health.models import SurveyRound

    world, ids = matrix.world, matrix.ids
    subject = world.agreements[SUBJECT]
    agreements.add_goal(SETUP, subject, {"statement": "A goal", "progress": 10}, subject.version)
    ids["goal_id"] = subject.goals[0].id
    ids["party_id"] = subject.parties[0].id
    ids["contact_id"] = new_contact(world)
    ids["share_id"] = new_share(world)
    ids["milestone_id"] = new_milestone(world)
    survey = SurveyRound(agreement_id=subject.id, title="A round", opens_on=date.today())
    db.session.add(survey)
    db.session.flush()
    ids["round_id"] = survey.id
    ids["token"] = calendar.feed(matrix.users[(ADMIN, "")]).token
    library = world.orgs["library"]
    library.logo, library.logo_type = LOGO, "image/png"  # so the address of its logo answers
    db.session.commit()


def new_share(world: World) -> int:
    from tracker.resources.models import ResourceShare

    share = ResourceShare(agreement_id=world.agreements[SUBJECT].id, kind="ebooks", provider_id=world.orgs["library"].id,
                          recipient_id=world.orgs["district"].id, value_cents=100, period="year")
    db.session.add(share)
    db.session.commit()
    return share.id


def new_milestone(world: World) -> int:
    from tracker.milestones.models import Milestone

    milestone = Milestone(agreement_id=world.agreements[SUBJECT].id, title="Registration packets home",
                          due_date=date.today(), party_id=world.orgs["north"].id)
    db.session.add(milestone)
    db.session.commit()
    return milestone.id


def new_contact(world: World) -> int:
    contact = orgs.save_contact(SETUP, world.orgs[ORGANISATION], {"name": "A contact", "title": "", "role": "other",
                                                                 "email": "", "phone": "", "can_sign": False})
    return contact.id


def new_job(user: User, kind: str = "test") -> int:
    """A finished job started by this user: the only kind of job they may watch."""
    job = Job(kind=kind, title="Test job", task="tests.routes:new_job", status="done", created_by_id=user.id)
    db.session.add(job)
    db.session.commit()
    return job.id


def url_for(route: Route, matrix: Matrix, user: User) -> str:
    """Fill the rule's parameters with the subject partnership's objects (made afresh where the request may use them up)."""
    world, ids = matrix.world, matrix.ids
    if route.method == "POST" and "<int:contact_id>" in route.rule:  # the request may remove it
        ids["contact_id"] = new_contact(world)
    if route.method == "POST" and "<int:share_id>" in route.rule:
        ids["share_id"] = new_share(world)
    if route.method == "POST" and "<int:milestone_id>" in route.rule:
        ids["milestone_id"] = new_milestone(world)
    if route.method == "POST" and ("<int:item_id>" in route.rule or "<int:signatory_id>" in route.rule):
        ids.pop("documents", None)  # a fresh draft: the request may remove its clause or signatory
    values = {"agreement_id": world.agreements[SUBJECT].id, "org_id": world.orgs[ORGANISATION].id, "section": "summary",
              "part": "details", "rest": "progress.csv", "step": "submit", "fmt": "csv", "key": "google", **{k: v for k, v in ids.items() if not isinstance(v, dict)}}
    if "<int:user_id>" in route.rule:
        values["user_id"] = matrix.users[("viewer", "library")].id
    if "<int:job_id>" in route.rule:
        values["job_id"] = new_job(user)
    if any(f"<int:{name}>" in route.rule for name in ("drive_id", "import_id", "count_id", "student_id", "school_id")):
        values.update(card_values(matrix, fresh_import="<int:import_id>" in route.rule))
    if route.endpoint == "letters.download":
        values["job_id"] = new_letters(user, values["agreement_id"], values["drive_id"])
    if "/documents/exports/" in route.rule:
        values["job_id"] = new_export(user)
    if any(f"<int:{name}>" in route.rule for name in ("version_id", "pdf_id", "item_id", "signatory_id", "clause_id")):
        values.update(document_values(matrix))
    if "<token>" in route.rule and route.endpoint == "auth.set_password":
        values["token"] = account_token(matrix)
    if "<token>" in route.rule and route.endpoint.startswith("public_documents."):
        values["token"] = signing_token(matrix)
    if "<token>" in route.rule and route.endpoint.startswith("partners."):
        values["token"] = partner_token(world)  # afresh: confirming spends it
    if "<code>" in route.rule:
        values["code"] = "7KQ2-XM9D-4TRB"  # a family code no letter carries: the page answers 404 to anyone
    if "<int:domain_id>" in route.rule:
        values["domain_id"] = new_signup_domain()
    if "<int:proposal_id>" in route.rule:
        values["proposal_id"] = new_proposal(world)
    url = route.rule
    for name, value in values.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<path:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in url, f"no test value for a parameter of {route.rule}: add it to tests/routes.py"
    return url


def partner_token(world: World) -> str:
    """An open partner link of the organisation pages' organisation (made without mailing it)."""
    from datetime import datetime, timedelta

    from tracker.partners import links as partner_links
    from tracker.partners.models import PartnerLink

    token = f"partner-{new_contact(world)}-route-token-for-the-matrix"
    when = datetime.utcnow().replace(microsecond=0)
    db.session.add(PartnerLink(organisation_id=world.orgs[ORGANISATION].id, contact_name="A contact", email="a@example.org",
                               token_hash=partner_links.digest(token), created_at=when, expires_at=when + timedelta(days=1)))
    db.session.commit()
    return token


def new_signup_domain() -> int:
    from tracker.auth import signup_domains

    existing = db.session.scalar(select(signup_domains.SignupDomain.id))
    return existing or signup_domains.add(SETUP, "matrix-domain.test").id


def new_proposal(world: World) -> int:
    """A proposed change of the organisation pages' organisation with one item waiting."""
    from datetime import datetime

    from tracker.partners.models import DETAIL, ProposedChange, ProposedItem

    proposal = ProposedChange(organisation_id=world.orgs[ORGANISATION].id, proposed_by="A contact",
                              created_at=datetime.utcnow().replace(microsecond=0),
                              items=[ProposedItem(target=DETAIL, field="city", before="", after="Lakeside")])
    db.session.add(proposal)
    db.session.commit()
    return proposal.id


def account_token(matrix: Matrix) -> str:
    """An open reset link of the matrix's viewer at the library (the page shows its form, whoever holds it)."""
    if "account_token" not in matrix.ids:
        matrix.ids["account_token"] = links.issue(matrix.users[("viewer", "library")], links.RESET)
        db.session.commit()
    return matrix.ids["account_token"]


def card_values(matrix: Matrix, fresh_import: bool = True) -> dict:
    """A drive over North and South, North's count row, a North student, and (fresh_import) a previewed roster import."""
    from tests.card_fixtures import import_roster, set_up_cards, users_csv
    from tracker.cards.models import Student

    world, ids = matrix.world, matrix.ids
    north = world.orgs["north"].id
    if "cards" not in ids:
        _programme, drive = set_up_cards(world, SUBJECT)
        import_roster(world, users_csv([("n-1", "sch-north", "Ann", "Lee", "03", "1001")]), SUBJECT)
        ids["cards"] = {"drive_id": drive.id, "count_id": next(c.id for c in drive.counts if c.school_id == north),
                        "school_id": north,
                        "student_id": db.session.scalar(select(Student.id).where(Student.source_id == "n-1"))}
    if not fresh_import:
        return ids["cards"]
    # A fresh previewed import each time: committing or discarding it uses it up.
    staged = import_roster(world, users_csv([("n-2", "sch-north", "Bo", "Kim", "04", "1002")]), SUBJECT, commit=False)
    return {**ids["cards"], "import_id": staged.id}


def document_values(matrix: Matrix) -> dict:
    """A draft MOU on the subject partnership, with a signatory: its version, first clause and signatory."""
    from tests import documents

    ids = matrix.ids
    if "documents" not in ids:
        version = documents.draft(matrix.world, SUBJECT)
        signatory = signing.add_signatory(SETUP, version, documents.outside())
        ids["documents"] = {"version_id": version.id, "pdf_id": version.id, "item_id": version.clauses[0].id,
                            "signatory_id": signatory.id, "clause_id": version.clauses[0].clause_id}
    return ids["documents"]


def signing_token(matrix: Matrix) -> str:
    """A live signing link of an outside signer on a version out for signature."""
    from tests import documents

    if "signing_token" not in matrix.ids:
        version = documents.out_for_signature(matrix.world, [documents.outside("Tess Token", "tess@district.example")])
        matrix.ids["signing_token"] = version.tokens["tess@district.example"]
    return matrix.ids["signing_token"]


def new_export(user: User) -> int:
    """A finished zip of signed PDFs, prepared by this user."""
    job_id = new_job(user, "documents.zip")
    path = bulk.export_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    return job_id


def new_letters(user, agreement_id: int, drive_id: int) -> int:
    """A finished print run of letters home (its PDF kept) for the user: only its starter downloads it."""
    job = Job(kind=letter_service.KIND, title="Letters home", task=letter_service.TASK, status="done",
              created_by_id=user.id if user else None, params={"agreement_id": agreement_id, "drive_id": drive_id})
    db.session.add(job)
    db.session.commit()
    path = letter_service.output_path(job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return job.id
