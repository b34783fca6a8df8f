"""Every route of the app with its URL filled in for "own" or "other" objects of the test world."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tracker.agreements import service as agreements
from tracker.audit.service import Actor
from tracker.documents import bulk, signing
from tracker.auth.models import User
from tracker.extensions import db
from tracker.jobs.models import Job
from tracker.orgs import service as orgs
from tests.world import ROLE_HOMES, World

SETUP = Actor(label="route fixtures")


@dataclass
class Route:
    endpoint: str
    rule: str
    method: str
    permission: str | None
    scope: str | None

    def __str__(self):
        return f"{self.method} {self.rule}"


def all_routes(app) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(Route(rule.endpoint, rule.rule, method, getattr(view, "permission", "MISSING"), getattr(view, "scope", None)))
    return found


def add_details(world: World) -> dict:
    """Contacts, goals and parties for the URL parameters that need them."""
    ids = {}
    for key in ("own", "other"):
        agreement = world.agreements[key]
        agreements.add_goal(SETUP, agreement, {"statement": f"{key} goal", "progress": 10}, agreement.version)
        ids[f"goal_{key}"] = agreement.goals[0].id
        ids[f"party_{key}"] = agreement.parties[0].id
    for name in ("library", "north", "district", "other_library"):
        ids[f"contact_{name}"] = new_contact(world, name)
    ids.update(add_partnership_details(world))
    db.session.commit()
    return ids


def add_partnership_details(world: World) -> dict:
    """A resource share, a milestone and a survey round per agreement, and a calendar feed (issue 5)."""
    from tracker.calendar import service as calendar
    from tracker.health.models import SurveyRound

    ids = {}
    for key in ("own", "other"):
        ids[f"share_{key}"] = new_share(world, key)
        ids[f"milestone_{key}"] = new_milestone(world, key)
        survey = SurveyRound(agreement_id=world.agreements[key].id, title=f"{key} round", opens_on=date.today())
        db.session.add(survey)
        db.session.flush()
        ids[f"round_{key}"] = survey.id
    viewer = db.session.scalar(select(User).where(User.email == world.emails["viewer"]))
    ids["token"] = calendar.feed(viewer).token
    return ids


def new_share(world: World, which: str) -> int:
    from tracker.resources.models import ResourceShare

    parties = world.agreements[which].parties
    share = ResourceShare(agreement_id=world.agreements[which].id, kind="ebooks", provider_id=parties[0].organisation_id,
                          recipient_id=parties[1].organisation_id, value_cents=100, period="year")
    db.session.add(share)
    db.session.commit()
    return share.id


def new_milestone(world: World, which: str) -> int:
    from tracker.milestones.models import Milestone

    milestone = Milestone(agreement_id=world.agreements[which].id, title=f"{which} milestone", due_date=date.today())
    db.session.add(milestone)
    db.session.commit()
    return milestone.id


def new_contact(world: World, org_key: str) -> int:
    contact = orgs.save_contact(SETUP, world.orgs[org_key], {"name": f"{org_key} contact", "title": "", "role": "other",
                                                             "email": "", "phone": "", "can_sign": False})
    return contact.id


def new_job(world: World, role: str) -> int:
    """A finished job started by the user of this role: the only kind of job they may watch."""
    user = db.session.scalar(select(User).where(User.email == world.emails[role]))
    job = Job(kind="test", title="Test job", task="tests.routes:new_job", status="done", created_by_id=user.id)
    db.session.add(job)
    db.session.commit()
    return job.id


def url_for_case(route: Route, world: World, ids: dict, role: str, which: str) -> str:
    """Fill the rule's parameters with objects that are the role's own, or someone else's."""
    home = ROLE_HOMES.get(role) or "library"
    org_key = home if which == "own" else "other_library"
    if route.method == "POST" and "<int:contact_id>" in route.rule:  # the request may remove it
        ids[f"contact_{org_key}"] = new_contact(world, org_key)
    if route.method == "POST" and "<int:share_id>" in route.rule:
        ids[f"share_{which}"] = new_share(world, which)
    if route.method == "POST" and "<int:milestone_id>" in route.rule:
        ids[f"milestone_{which}"] = new_milestone(world, which)
    values = {
        "agreement_id": world.agreements[which].id,
        "org_id": world.orgs[org_key].id,
        "contact_id": ids[f"contact_{org_key}"],
        "party_id": ids[f"party_{which}"],
        "goal_id": ids[f"goal_{which}"],
        "section": "summary",
        "step": "submit",
        "share_id": ids[f"share_{which}"],
        "milestone_id": ids[f"milestone_{which}"],
        "round_id": ids[f"round_{which}"],
        "token": ids["token"],
        "fmt": "csv",
    }
    if "<int:user_id>" in route.rule:
        values["user_id"] = db.session.scalar(select(User.id).where(User.email == world.emails["viewer"]))
    if "<int:job_id>" in route.rule:
        values["job_id"] = new_job(world, role)
    if any(f"<int:{name}>" in route.rule for name in ("drive_id", "import_id", "count_id", "student_id")):
        values.update(card_values(world, ids, which))
    if "/documents/exports/" in route.rule:
        values["job_id"] = new_export(world, role)
    if any(f"<int:{name}>" in route.rule for name in ("version_id", "item_id", "signatory_id")):
        values.update(document_values(world, ids, which))
    if "<int:clause_id>" in route.rule:
        values["clause_id"] = document_values(world, ids, "own")["clause_id"]
    if "<token>" in route.rule and route.endpoint.startswith("public_documents."):
        values["token"] = signing_token(world, ids)
    url = route.rule
    for name, value in values.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in url, f"no test value for a parameter of {route.rule}: add it to url_for_case"
    return url


def card_values(world: World, ids: dict, which: str) -> dict:
    """A drive, a count row, a student and a previewed roster import on the "own" or "other" agreement."""
    from tests.card_fixtures import import_roster, set_up_cards, users_csv

    if f"drive_{which}" not in ids:
        school = "north" if which == "own" else "other_school"
        _programme, drive = set_up_cards(world, which)
        rows = [(f"{which}-1", f"sch-{'north' if which == 'own' else 'hill'}", "Ann", "Lee", "03", "1001")]
        import_roster(world, users_csv(rows), which)
        ids[f"drive_{which}"] = drive.id
        ids[f"count_{which}"] = drive.counts[0].id
        ids[f"school_{which}"] = world.orgs[school].id
        from tracker.cards.models import Student
        ids[f"student_{which}"] = db.session.scalar(select(Student.id).where(Student.agreement_id == world.agreements[which].id))
    # A fresh previewed import each time: committing or discarding it uses it up.
    staged = import_roster(world, users_csv([(f"{which}-2", "sch-north" if which == "own" else "sch-hill", "Bo", "Kim", "04", "1002")]),
                           which, commit=False)
    return {"drive_id": ids[f"drive_{which}"], "count_id": ids[f"count_{which}"], "school_id": ids[f"school_{which}"],
            "student_id": ids[f"student_{which}"], "import_id": staged.id}
def document_values(world: World, ids: dict, which: str) -> dict:
    """A draft MOU on the agreement, with a signatory: its version, first clause and signatory."""
    from tests import documents

    if f"version_{which}" not in ids:
        version = documents.draft(world, which)
        signatory = signing.add_signatory(SETUP, version, documents.outside())
        ids[f"version_{which}"] = {"version_id": version.id, "item_id": version.clauses[0].id,
                                   "signatory_id": signatory.id, "clause_id": version.clauses[0].clause_id}
    return ids[f"version_{which}"]


def signing_token(world: World, ids: dict) -> str:
    """A live signing link of an outside signer on a version out for signature."""
    from tests import documents

    if "signing_token" not in ids:
        version = documents.out_for_signature(world, [documents.outside("Tess Token", "tess@district.example")])
        ids["signing_token"] = version.tokens["tess@district.example"]
    return ids["signing_token"]


def new_export(world: World, role: str) -> int:
    """A finished zip of signed PDFs, prepared by the user of this role."""
    user = db.session.scalar(select(User).where(User.email == world.emails[role]))
    job = Job(kind="documents.zip", title="Signed MOUs", task="tracker.documents.bulk:zip_signed", status="done",
              created_by_id=user.id)
    db.session.add(job)
    db.session.commit()
    path = bulk.export_path(job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    return job.id
