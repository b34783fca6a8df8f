"""Helpers for the document tests: a draft MOU on the test world's own agreement, taken to any step."""
from datetime import date

from sqlalchemy import select

from tracker.audit.service import Actor
from tracker.auth.models import User
from tracker.clauses import service as clauses
from tracker.documents import approvals, checklist, service, signing
from tracker.documents.models import DocumentVersion
from tracker.extensions import db

SETUP = Actor(label="document setup", ip="192.0.2.10")


def draft(world, which: str = "own") -> DocumentVersion:
    clauses.seed(SETUP)
    document = service.create_document(SETUP, world.agreements[which])
    version = document.versions[0]
    version.terms = {**version.terms, "grades": "K–5"}  # the test world's agreements have no card drive
    db.session.commit()
    return version


def outside(name="Olive Outside", email="olive@district.example", capacity="signs", organisation="Lakeside District") -> dict:
    return {"name": name, "title": "Superintendent", "organisation": organisation, "email": email, "capacity": capacity}


def sign_for_the_library(version) -> None:
    """The signers `approved` added for parties a test names no signer for sign at once, so the test's own last
    signature is the version's last."""
    for s in list(version.signatories):
        if s.email.endswith("@parties.example") and s.is_pending:
            signing.sign(Actor(label=s.name, ip="198.51.100.7", user_agent="pytest"), version.id, s.id, s.name, True)


def uncovered(version) -> list:
    return [p.organisation for p in version.document.agreement.parties
            if checklist.unsigned_parties(version) and not checklist.covered(p.organisation, version.signatories)]


def library_signer(organisation="Lakeside Library System", name="Libby Signer", email="signer@library.example") -> dict:
    """Who signs for the library party when a test names only the school side's signer."""
    return {"name": name, "title": "Library Director", "organisation": organisation, "email": email, "capacity": "signs"}


def user_signer(world, role: str, capacity="signs") -> dict:
    user = db.session.scalar(select(User).where(User.email == world.emails[role]))
    return {"name": user.name, "title": "", "organisation": "", "email": user.email, "capacity": capacity}


def approved(world, signers: list[dict], order: str = "parallel", which: str = "own") -> DocumentVersion:
    """A version awaiting approval with every needed approval recorded and these signatories."""
    version = draft(world, which)
    if order != "parallel":
        service.update_settings(SETUP, version, version.document.needed, order, version.terms)
    for data in signers:
        signing.add_signatory(SETUP, version, data)
    for party in uncovered(version):  # a party nobody signs for would stop the sending
        signing.add_signatory(SETUP, version, library_signer(party.name, email=f"signer-{party.id}@parties.example"))
    service.submit_for_approval(SETUP, version)
    for kind in version.document.needed:
        approvals.record_approval(SETUP, version, kind, date.today(), "Counsel Carla", "R-2026-17" if kind == "board" else "")
    return version


def out_for_signature(world, signers: list[dict], order: str = "parallel", which: str = "own") -> DocumentVersion:
    """Sent for signature; outside signers' tokens are captured in `version.tokens` (by email)."""
    version = approved(world, signers, order, which)
    tokens = {}
    original = signing.links.issue

    def capture(signatory):
        token = original(signatory)
        tokens[signatory.email] = token
        return token

    signing.links.issue = capture
    try:
        signing.start(SETUP, version)
    finally:
        signing.links.issue = original
    version.tokens = tokens
    return version


def sign_all(version: DocumentVersion) -> DocumentVersion:
    for s in list(version.signatories):
        signing.sign(Actor(label=s.name, ip="198.51.100.7", user_agent="pytest"), version.id, s.id, s.name, True)
    db.session.expire_all()
    return db.session.get(DocumentVersion, version.id)


def fetches(monkeypatch) -> list[str]:
    """Every URL the PDF renderer asks its fetcher for, from now on in this test."""
    import weasyprint

    fetched = []
    original = weasyprint.HTML.__init__

    def spy(self, *args, **kwargs):
        fetcher = kwargs["url_fetcher"]
        inner = fetcher.fetch

        def fetch(url, headers=None):
            fetched.append(url)
            return inner(url, headers)

        fetcher.fetch = fetch
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", spy)
    return fetched
