"""Sign-off completes the agreement: sending its original MOU for signature makes it out for signature, the last
signature makes it active, both in the audit log; an amendment never moves it; "Signed, starts on" is derived."""
from datetime import date, timedelta

from sqlalchemy import select

from tests import documents as docs
from tracker.agreements import service as agreements
from tracker.agreements import workflow
from tracker.agreements.models import Agreement
from tracker.audit.models import AuditEvent
from tracker.extensions import db


def _status_changes(agreement_id):
    return [e.changes for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "agreement.status_changed", AuditEvent.entity_id == str(agreement_id)).order_by(AuditEvent.id))]


def test_the_original_moves_the_agreement_to_out_for_signature_then_active(world, mailbox):
    agreement = world.agreements["own"]
    assert agreement.status == workflow.DRAFT
    version = docs.out_for_signature(world, [docs.outside()])
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == workflow.OUT_FOR_SIGNATURE
    docs.sign_all(version)
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.status == workflow.ACTIVE
    changes = _status_changes(agreement.id)
    assert [c["status"] for c in changes] == [[workflow.DRAFT, workflow.OUT_FOR_SIGNATURE],
                                              [workflow.OUT_FOR_SIGNATURE, workflow.ACTIVE]]
    assert "Lakeside Card MOU (Original)" in changes[1]["because"][1]


def test_an_amendment_never_moves_an_active_agreement(world, mailbox):
    from tracker.documents import service, signing
    from tracker.documents.models import DocumentVersion

    original = docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    agreement = db.session.get(Agreement, world.agreements["own"].id)
    before = len(_status_changes(agreement.id))
    amendment = service.amend(docs.SETUP, original)
    service.submit_for_approval(docs.SETUP, amendment)
    for kind in amendment.document.needed:
        docs.approvals.record_approval(docs.SETUP, amendment, kind, date.today(), "Counsel Carla")
    signing.start(docs.SETUP, amendment)
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == workflow.ACTIVE
    docs.sign_all(db.session.get(DocumentVersion, amendment.id))
    assert db.session.get(Agreement, agreement.id).status == workflow.ACTIVE
    assert len(_status_changes(agreement.id)) == before


def test_signed_before_the_effective_date_is_shown_not_stored(world, login, mailbox):
    agreement = world.agreements["own"]
    later = date.today() + timedelta(days=40)
    data = {f: getattr(agreement, f) for f in agreements.SECTIONS["term"]}
    agreements.update_section(docs.SETUP, agreement, "term", {**data, "effective_date": later,
                                                              "end_date": later + timedelta(days=700)}, agreement.version)
    docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.status == workflow.ACTIVE
    assert agreements.starts_later(agreement, date.today()) == later
    assert agreements.starts_later(agreement, later) is None
    html = login(world.emails["administrator"]).get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Signed, starts on" in html and "Submit for review" not in html


def test_paper_signing_still_has_its_manual_step(world):
    assert [t.name for t in workflow.available(workflow.OUT_FOR_SIGNATURE)] == ["recall", "activate"]
    assert "document_signed" not in workflow.BY_NAME and "document_sent" not in workflow.BY_NAME


def test_an_amendments_signer_sees_what_changed(world, login, mailbox):
    from tracker.documents import service, signing

    original = docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    amendment = service.amend(docs.SETUP, original)
    card = next(c for c in amendment.clauses if c.category == "card_programme")
    service.edit_clause(docs.SETUP, amendment, card.id, card.title, card.body + " Students may also ask for a printed card.")
    service.submit_for_approval(docs.SETUP, amendment)
    for kind in amendment.document.needed:
        docs.approvals.record_approval(docs.SETUP, amendment, kind, date.today(), "Counsel Carla")
    tokens = {}
    original_issue = signing.links.issue
    signing.links.issue = lambda s: tokens.setdefault(s.email, original_issue(s))
    try:
        signing.start(docs.SETUP, amendment)
    finally:
        signing.links.issue = original_issue
    html = login(None).get(f"/sign/{tokens['olive@district.example']}").get_data(as_text=True)
    assert "What this amendment changes" in html and "amends the Original" in html
    assert "<ins>" in html and "printed card." in html.split("What this amendment changes")[1].split("</section>")[0]


def test_signatories_are_picked_from_the_parties_contacts_who_can_sign(world, login):
    from tracker.documents.models import DocumentVersion
    from tracker.orgs.models import Contact

    version = docs.draft(world)
    director = Contact(organisation_id=world.orgs["library"].id, name="Lena Director", title="Library Director",
                       role="director", email="lena@lakeside.example", can_sign=True)
    librarian = Contact(organisation_id=world.orgs["north"].id, name="Nico Librarian", title="School librarian",
                        role="school_librarian", email="nico@north.example", can_sign=False)
    stranger = Contact(organisation_id=world.orgs["other_library"].id, name="Hugo Hill", role="director",
                       email="hugo@hill.example", can_sign=True)
    db.session.add_all([director, librarian, stranger])
    db.session.commit()
    url = f"/agreements/{world.agreements['own'].id}/versions/{version.id}"
    session = login(world.emails["administrator"])
    page = session.get(url).get_data(as_text=True)
    assert "Lena Director, Library Director — Lakeside Library System" in page
    assert "Nico Librarian" not in page and "Hugo Hill" not in page
    blank = {"name": "", "title": "", "organisation": "", "email": "", "capacity": "signs"}
    refused = session.post(url + "/signatories", data={**blank, "contact_id": librarian.id})
    assert refused.status_code == 422
    assert "Nico Librarian cannot sign for North School" in refused.get_data(as_text=True)
    elsewhere = session.post(url + "/signatories", data={**blank, "contact_id": stranger.id})
    assert elsewhere.status_code == 422 and "not at one of the agreement" in elsewhere.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DocumentVersion, version.id).signatories == []
    assert session.post(url + "/signatories", data={**blank, "contact_id": director.id}).status_code == 303
    db.session.expire_all()
    [picked] = db.session.get(DocumentVersion, version.id).signatories
    assert (picked.name, picked.title, picked.organisation, picked.email) == (
        "Lena Director", "Library Director", "Lakeside Library System", "lena@lakeside.example")


def test_a_signed_amendments_card_limit_reaches_the_card_programme(world, login, mailbox):
    from tests.card_fixtures import set_up_cards
    from tracker.cards.programme import programme_of
    from tracker.documents import service, signing
    from tracker.documents.models import DocumentVersion
    from tracker.validation import Invalid

    programme, _drive = set_up_cards(world)
    limit_before = programme.checkout_limit
    original = docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    amendment = service.amend(docs.SETUP, original)
    try:
        service.update_settings(docs.SETUP, amendment, amendment.document.needed, "parallel",
                                {**amendment.terms, "checkout_limit": "fifteen"})
    except Invalid as refused:
        assert refused.errors == {"term_checkout_limit": ["A whole number, such as 10."]}
    else:
        raise AssertionError("a count typed in words was saved")
    db.session.rollback()
    amendment = db.session.get(DocumentVersion, amendment.id)
    service.update_settings(docs.SETUP, amendment, amendment.document.needed, "parallel",
                            {**amendment.terms, "checkout_limit": "15"})
    service.submit_for_approval(docs.SETUP, amendment)
    for kind in amendment.document.needed:
        docs.approvals.record_approval(docs.SETUP, amendment, kind, date.today(), "Counsel Carla")
    signing.start(docs.SETUP, amendment)
    assert programme_of(world.agreements["own"].id).checkout_limit == limit_before  # not before it is signed
    docs.sign_all(db.session.get(DocumentVersion, amendment.id))
    assert programme_of(world.agreements["own"].id).checkout_limit == 15
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "card_programme.amended"))
    assert event.changes["checkout_limit"] == [limit_before, 15]
    assert event.changes["amendment"] == "Lakeside Card MOU (First Amendment)"


def test_recalling_the_original_takes_the_agreement_back_to_draft(world, login, mailbox):
    from tracker.documents import service

    agreement = world.agreements["own"]
    version = docs.out_for_signature(world, [docs.outside(), docs.outside("Otto Other", "otto@district.example")])
    docs.signing.sign(docs.SETUP, version.id, version.signatories[0].id, "Olive Outside", True)
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == workflow.OUT_FOR_SIGNATURE
    service.return_to_draft(docs.SETUP, db.session.get(docs.DocumentVersion, version.id), "a date was wrong")
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == workflow.DRAFT
    last = _status_changes(agreement.id)[-1]
    assert last["status"] == [workflow.OUT_FOR_SIGNATURE, workflow.DRAFT]
    assert last["because"][1] == "Lakeside Card MOU (Original): Its MOU went back to draft"
    html = login(world.emails["administrator"]).get(f"/agreements/{agreement.id}").get_data(as_text=True)
    status = html.split('id="section-status"')[1].split("</section>")[0]
    assert "Draft" in status and "Submit for review" in status
    assert "Mark signed and active" not in status and "Recall from signature" not in status
    assert "The Original of Lakeside Card MOU is a draft: finish its text and signatories" in html


def test_a_declined_original_returned_to_draft_takes_the_agreement_back(world, mailbox):
    from tracker.documents import service

    agreement = world.agreements["own"]
    version = docs.out_for_signature(world, [docs.outside()])
    docs.signing.decline(docs.SETUP, version.id, version.signatories[0].id, "Not this year")
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == workflow.OUT_FOR_SIGNATURE
    service.return_to_draft(docs.SETUP, db.session.get(docs.DocumentVersion, version.id))
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == workflow.DRAFT


def test_an_amendment_returned_to_draft_leaves_the_active_agreement_alone(world, mailbox):
    from tracker.documents import service, signing

    original = docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    amendment = service.amend(docs.SETUP, original)
    service.submit_for_approval(docs.SETUP, amendment)
    for kind in amendment.document.needed:
        docs.approvals.record_approval(docs.SETUP, amendment, kind, date.today(), "Counsel Carla")
    signing.start(docs.SETUP, amendment)
    service.return_to_draft(docs.SETUP, amendment)
    db.session.expire_all()
    assert db.session.get(Agreement, world.agreements["own"].id).status == workflow.ACTIVE
