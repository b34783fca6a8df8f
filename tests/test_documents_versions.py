"""Assembling a draft, its copy of the clauses, the preview, amendments and their diff, and freezing."""
import io
from datetime import date

import pypdf
import pytest
from sqlalchemy import delete, select, update

from tests import documents as docs
from tracker.clauses import service as clauses
from tracker.clauses.models import Clause
from tracker.documents import approvals, service
from tracker.documents.freezing import FrozenVersion
from tracker.documents.models import Approval, DocumentVersion, Signatory, VersionClause
from tracker.extensions import db
from tracker.validation import Invalid


def page_url(world, version, suffix=""):
    return f"/agreements/{world.agreements['own'].id}/versions/{version.id}{suffix}"


def test_a_draft_starts_with_the_standard_clauses_for_its_kind(world, login):
    clauses.seed(docs.SETUP)
    session = login(world.emails["library_staff"])
    response = session.post(f"/agreements/{world.agreements['own'].id}/documents", data={"title": ""})
    assert response.status_code == 303
    version = db.session.scalar(select(DocumentVersion))
    expected = [c.title for c in clauses.defaults_for("mou")]
    assert [c.title for c in version.clauses] == expected and "Student accounts" in expected
    agreement_page = session.get(f"/agreements/{world.agreements['own'].id}/documents").get_data(as_text=True)
    assert "MOU documents" in agreement_page and page_url(world, version) in agreement_page
    data_sharing = docs.draft(world, "other")
    data_sharing.document.agreement.kind = "data_sharing"
    assert "Student accounts" not in [c.title for c in clauses.defaults_for("data_sharing")]


def test_editing_this_documents_copy_leaves_the_library_alone(world, login):
    version = docs.draft(world)
    item = version.clauses[3]
    library_body = db.session.get(Clause, item.clause_id).body
    session = login(world.emails["library_staff"])
    bad = session.post(page_url(world, version, f"/clauses/{item.id}/edit"),
                       data={"title": item.title, "body": "Notice of {{ agreement.notice_dayz }} days."})
    assert bad.status_code == 422 and "Unknown variable: {{ agreement.notice_dayz }}." in bad.get_data(as_text=True)
    good = session.post(page_url(world, version, f"/clauses/{item.id}/edit"),
                        data={"title": "Termination", "body": "Either party may end this on {{ agreement.notice_days }} days' notice."})
    assert good.status_code == 303
    db.session.expire_all()
    assert db.session.get(Clause, item.clause_id).body == library_body
    preview = session.get(page_url(world, version, "/preview")).get_data(as_text=True)
    assert "Either party may end this on 30 days&#39; notice." in preview and "DRAFT" in preview


def test_clauses_move_add_and_remove(world, login):
    version = docs.draft(world)
    first, second = version.clauses[0].title, version.clauses[1].title
    session = login(world.emails["library_staff"])
    assert session.post(page_url(world, version, f"/clauses/{version.clauses[0].id}/move"), data={"direction": "down"}).status_code == 303
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert [c.title for c in version.clauses[:2]] == [second, first]
    refused = session.post(page_url(world, version, f"/clauses/{version.clauses[0].id}/move"), data={"direction": "up"})
    assert refused.status_code == 422 and "cannot move further" in refused.get_data(as_text=True)
    count = len(version.clauses)
    assert session.post(page_url(world, version, "/clauses"), data={"clause_id": version.clauses[0].clause_id}).status_code == 303
    assert session.post(page_url(world, version, f"/clauses/{version.clauses[1].id}/remove")).status_code == 303
    db.session.expire_all()
    assert len(db.session.get(DocumentVersion, version.id).clauses) == count
    empty = session.post(page_url(world, version, "/clauses"), data={"clause_id": ""})
    assert empty.status_code == 422 and "Choose a clause from the library." in empty.get_data(as_text=True)


def test_terms_and_needed_approvals_are_set_per_document(world, login):
    version = docs.draft(world)
    session = login(world.emails["administrator"])
    data = {"approvals_needed": ["internal", "board"], "signing_order": "sequential", "term_checkout_limit": "25", "term_grades": "K–5"}
    assert session.post(page_url(world, version, "/settings"), data=data).status_code == 303
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version.document.needed == ["internal", "board"] and version.signing_order == "sequential"
    # an editor who may not record approvals cannot drop them either (and so skip them before signing)
    staff = login(world.emails["library_staff"])
    assert staff.post(page_url(world, version, "/settings"), data={**data, "approvals_needed": []}).status_code == 303
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version.document.needed == ["internal", "board"]
    with pytest.raises(Invalid, match="Only administrators"):
        service.update_settings(docs.SETUP, version, [], "parallel", {})
    assert "borrow up to 25 items" in session.get(page_url(world, version, "/preview")).get_data(as_text=True)
    service.submit_for_approval(docs.SETUP, version)
    with pytest.raises(Invalid, match="resolution number"):
        approvals.record_approval(docs.SETUP, version, "board", date.today(), "Library Board", "")
    approvals.record_approval(docs.SETUP, version, "board", date.today(), "Library Board", "LB-2026-3")
    assert version.missing_approvals == ["internal"]


def test_text_is_fixed_while_awaiting_approval(world, login):
    version = docs.draft(world)
    service.submit_for_approval(docs.SETUP, version)
    session = login(world.emails["library_staff"])
    refused = session.post(page_url(world, version, f"/clauses/{version.clauses[0].id}/remove"))
    assert refused.status_code == 422 and "return it to draft" in refused.get_data(as_text=True)


def signed_original(world) -> DocumentVersion:
    return docs.sign_all(docs.out_for_signature(world, [docs.outside()]))


def test_an_amendment_is_a_child_version_with_a_diff_against_its_parent(world, login, mailbox):
    original = signed_original(world)
    session = login(world.emails["library_staff"])
    assert session.post(page_url(world, original, "/amend")).status_code == 303
    amendment = db.session.scalar(select(DocumentVersion).where(DocumentVersion.number == 1))
    assert (amendment.label, amendment.parent_id, amendment.status) == ("First Amendment", original.id, "draft")
    assert [s.name for s in amendment.signatories] == ["Olive Outside", "Libby Signer"]
    assert {s.status for s in amendment.signatories} == {"pending"}
    item = amendment.clauses[5]
    service.edit_clause(docs.SETUP, amendment, item.id, item.title, item.body.replace("{{ terms.hold_limit }}", "twenty"))
    html = session.get(page_url(world, amendment, "/diff")).get_data(as_text=True)
    assert "<del>5</del>" in html and "<ins>twenty</ins>" in html
    again = session.post(page_url(world, original, "/amend"))
    assert again.status_code == 422 and "Only the latest version" in again.get_data(as_text=True)
    assert "no earlier version to compare it with" in session.get(page_url(world, original, "/diff")).get_data(as_text=True)


def test_a_frozen_version_refuses_changes_in_the_app(world, login, mailbox):
    original = signed_original(world)
    session = login(world.emails["admin"])
    for suffix, data in [(f"/clauses/{original.clauses[0].id}/remove", {}), ("/settings", {"signing_order": "parallel"}),
                         ("/signatories", docs.outside("New Person", "new@example.org")), ("/draft", {}),
                         (f"/clauses/{original.clauses[0].id}/edit", {"title": "X", "body": "Y"})]:
        response = session.post(page_url(world, original, suffix), data=data)
        assert response.status_code == 422, suffix
        assert "signed and frozen" in response.get_data(as_text=True) or "out for signature" in response.get_data(as_text=True), suffix
    db.session.expire_all()
    version = db.session.get(DocumentVersion, original.id)
    assert version.status == "signed" and len(version.signatories) == 2


def test_a_frozen_version_refuses_changes_through_the_orm(world, mailbox):
    original = signed_original(world)
    version_id = original.id
    attempts = [
        lambda v: setattr(v.clauses[0], "body", "Changed behind the app's back"),
        lambda v: setattr(v.signatories[0], "typed_name", "Someone Else"),
        lambda v: setattr(v.approvals[0], "resolution", "R-FAKE"),
        lambda v: setattr(v, "signing_order", "sequential"),
        lambda v: db.session.delete(v.clauses[0]),
        lambda v: db.session.delete(v.approvals[0]),
        lambda v: v.clauses.append(VersionClause(position=99, category="costs", title="Extra", body="Extra")),
    ]
    for attempt in attempts:
        version = db.session.get(DocumentVersion, version_id)
        attempt(version)
        with pytest.raises(FrozenVersion):
            db.session.flush()
        db.session.rollback()
    for statement in (update(VersionClause).where(VersionClause.version_id == version_id).values(body="bulk"),
                      delete(Signatory).where(Signatory.version_id == version_id),
                      update(Approval).values(resolution="bulk"),
                      update(DocumentVersion).where(DocumentVersion.id == version_id).values(text="bulk")):
        with pytest.raises(FrozenVersion):
            db.session.execute(statement)
        db.session.rollback()
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version_id)
    assert version.clauses[0].body != "bulk" and version.signatories[0].typed_name == "Olive Outside"


def test_a_draft_still_changes_through_the_orm(world):
    version = docs.draft(world)
    db.session.execute(update(VersionClause).where(VersionClause.version_id == version.id).values(title="Bulk title"))
    db.session.commit()
    assert {c.title for c in db.session.get(DocumentVersion, version.id).clauses} == {"Bulk title"}


def test_the_preview_pdf_renders_even_with_an_unknown_variable_named(world, login):
    version = docs.draft(world)
    db.session.execute(update(VersionClause).where(VersionClause.id == version.clauses[0].id).values(body="{{ nope }}"))
    db.session.commit()
    response = login(world.emails["viewer"]).get(page_url(world, version, "/pdf"))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Unknown variable: {{ nope }}." in text
    with pytest.raises(Invalid, match="cannot be written out"):
        service.submit_for_approval(docs.SETUP, db.session.get(DocumentVersion, version.id))


def test_editing_the_agreement_after_submission_does_not_change_the_words_being_approved_or_signed(world, login):
    """What approvers and signers read is fixed when the version leaves draft; the sealed PDF and /verify agree."""
    from tracker.agreements import service as agreements_service
    from tracker.documents import text as version_text

    version = docs.out_for_signature(world, [docs.outside()])
    agreement = world.agreements["own"]
    before = version_text.full_text(version)
    agreements_service.update_section(docs.SETUP, agreement, "term", {**{f: getattr(agreement, f) for f in agreements_service.SECTIONS["term"]},
                                                                 "end_date": date(2099, 7, 31)}, agreement.version)
    agreements_service.update_section(docs.SETUP, agreement, "summary", {**{f: getattr(agreement, f) for f in agreements_service.SECTIONS["summary"]},
                                                                    "title": "Renamed MOU"}, agreement.version)
    db.session.commit()
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version_text.full_text(version) == before and "2099" not in before
    page = login(world.emails["administrator"]).get(f"/agreements/{agreement.id}/versions/{version.id}").get_data(as_text=True)
    assert "July 31, 2099" not in page


def test_the_version_history_reads_as_sentences_never_clause_source(world, login):
    version = docs.draft(world)
    term = next(c for c in version.clauses if c.title == "Term and renewal")
    service.edit_clause(docs.SETUP, version, term.id, term.title, term.body + " {{ agreement.notice_days }} days.")
    service.update_settings(docs.SETUP, version, version.document.needed, "sequential", {**version.terms, "hold_limit": "7"})
    html = login(world.emails["administrator"]).get(page_url(world, version, "")).get_data(as_text=True)
    history = html.split('id="history-heading"')[1].split("</section>")[0]
    assert f"edited clause {term.position}, Term and renewal" in history
    assert "changed the signing order to in order; the holds a student may place from “5” to “7”" in history
    assert "created the MOU draft with" in history
    assert "{{" not in history and "{%" not in history and "agreement.notice_days" not in history
