"""Sign-off: outside signers by emailed link (single use, expiring, revocable, resendable), users from their
task list, declining, signing in order, reminders, and what waits for whom."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import documents as docs
from tracker.agreements.models import Party
from tracker.auth.models import User
from tracker.calendar import key_dates
from tracker.documents import links, signing, tasks
from tracker.documents.models import DocumentVersion, SigningLink
from tracker.extensions import db


def link_in(mailbox, address: str) -> str:
    [message] = [m for m in mailbox.to(address)][-1:]
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://\S+/sign/(\S+)", body).group(1)


def test_an_outside_signer_gets_a_link_by_mail_reviews_and_signs(world, login, mailbox):
    version = docs.approved(world, [docs.outside()])
    director = login(world.emails["administrator"])
    response = director.post(f"/agreements/{world.agreements['own'].id}/versions/{version.id}/send")
    assert response.status_code == 303
    mailbox.wait(2)  # Olive, and the library's signer the test helper added
    assert "Please sign: Lakeside Card MOU (Original)" == mailbox.messages[0]["Subject"]
    token = link_in(mailbox, "olive@district.example")
    stored = db.session.scalar(select(SigningLink))
    assert stored.token_hash == links.digest(token) and token not in stored.token_hash  # only the hash is kept
    assert (stored.expires_at - stored.created_at) == timedelta(days=14)

    visitor = login(None)
    page = visitor.get(f"/sign/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1. Parties and recitals" in html and "Lakeside Library System" in html
    missing = visitor.post(f"/sign/{token}", data={"typed_name": "Olive Outside"})
    assert missing.status_code == 422 and "Tick the box" in missing.get_data(as_text=True)
    wrong = visitor.post(f"/sign/{token}", data={"typed_name": "Someone Else", "consent": "y"})
    assert wrong.status_code == 422 and "Type your name as it appears on the document: Olive Outside" in wrong.get_data(as_text=True)
    docs.sign_for_the_library(db.session.get(DocumentVersion, version.id))
    signed = visitor.post(f"/sign/{token}", data={"typed_name": "olive  outside", "consent": "y"},
                          headers={"User-Agent": "Test Browser/1.0"}, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert signed.status_code == 200 and "your signature is recorded" in signed.get_data(as_text=True)
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    signatory = next(s for s in version.signatories if s.name == "Olive Outside")
    assert (signatory.status, signatory.ip, signatory.user_agent) == ("signed", "198.51.100.23", "Test Browser/1.0")
    assert version.status == "signed" and version.pdf_sha256  # the last signature froze and sealed it
    assert f"/sign/{token}/copy" in signed.get_data(as_text=True)
    again = visitor.get(f"/sign/{token}")
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and "already been used" in html and "Download your signed copy" in html
    copy = visitor.get(f"/sign/{token}/copy")
    assert copy.status_code == 200 and copy.data == version.pdf and "attachment" in copy.headers["Content-Disposition"]
    mailbox.wait(3)
    completed = mailbox.messages[-1]
    assert completed["Subject"].startswith("Signed by everyone")
    assert version.public_id in mailbox.text(len(mailbox.messages) - 1)
    [attachment] = list(completed.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content() == version.pdf
    assert set(mailbox.envelopes[-1][1]) == {"olive@district.example", "signer-%s@parties.example" % world.orgs["library"].id} | (
        {version.document.agreement.manager.email} if version.document.agreement.manager else set())


def test_the_outside_signers_copy_lasts_thirty_days_after_signing(world, login, mailbox, monkeypatch):
    version = docs.out_for_signature(world, [docs.outside()])
    token = version.tokens["olive@district.example"]
    visitor = login(None)
    assert visitor.get(f"/sign/{token}/copy").status_code == 404  # not signed yet
    docs.sign_all(version)  # signed, but not through the link: the link is not used
    assert visitor.get(f"/sign/{token}/copy").status_code == 404
    link = db.session.scalar(select(SigningLink))
    link.used_at = links.now()
    db.session.commit()
    assert visitor.get(f"/sign/{token}/copy").status_code == 200
    real_now = links.now
    monkeypatch.setattr(links, "now", lambda: real_now() + timedelta(days=31))
    late = visitor.get(f"/sign/{token}/copy")
    assert late.status_code == 404 and "30 days" in late.get_data(as_text=True)


def test_expired_revoked_and_unknown_links_say_so_and_change_nothing(app, world, login, mailbox):
    version = docs.out_for_signature(world, [docs.outside()])
    token = version.tokens["olive@district.example"]
    visitor = login(None)
    link = db.session.scalar(select(SigningLink))
    link.expires_at = datetime.utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = visitor.post(f"/sign/{token}", data={"typed_name": "Olive Outside", "consent": "y"})
    assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
    assert visitor.get("/sign/not-a-real-token").status_code == 404

    director = login(world.emails["administrator"])
    base = f"/agreements/{world.agreements['own'].id}/versions/{version.id}"
    assert director.post(f"{base}/signatories/{version.signatories[0].id}/resend").status_code == 303
    fresh = link_in(mailbox, "olive@district.example")
    assert fresh != token and visitor.get(f"/sign/{fresh}").status_code == 200
    assert director.post(f"{base}/signatories/{version.signatories[0].id}/revoke").status_code == 303
    revoked = visitor.get(f"/sign/{fresh}")
    assert revoked.status_code == 410 and "withdrawn" in revoked.get_data(as_text=True)
    refused = director.post(f"{base}/signatories/{version.signatories[0].id}/revoke")
    assert refused.status_code == 422 and "no open link" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DocumentVersion, version.id).signatories[0].status == "pending"


def test_a_signer_declines_with_a_reason_and_the_manager_is_told(world, login, mailbox):
    manager = db.session.scalar(select(User).where(User.email == world.emails["administrator"]))
    world.agreements["own"].manager_id = manager.id
    db.session.commit()
    version = docs.out_for_signature(world, [docs.outside(), docs.outside("Ben Board", "ben@lib.example")])
    visitor = login(None)
    token = version.tokens["olive@district.example"]
    empty = visitor.post(f"/sign/{token}/decline", data={"reason": ""})
    assert empty.status_code == 422 and "Say why you decline" in empty.get_data(as_text=True)
    assert visitor.post(f"/sign/{token}/decline", data={"reason": "Clause 8 needs our counsel's review."}).status_code == 200
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version.status == "declined"
    assert visitor.get(f"/sign/{token}").status_code == 410
    assert all(l.state(links.now()) != "open" for s in version.signatories for l in s.links)
    mailbox.wait(3)
    declined = mailbox.to(world.emails["administrator"])[-1]
    assert declined["Subject"].startswith("Declined") and "Clause 8" in declined.get_body(("plain",)).get_content()
    director = login(world.emails["administrator"])
    dashboard = director.get("/").get_data(as_text=True)
    assert "Declined signatures" in dashboard and "Olive Outside declined on" in dashboard
    assert "Clause 8 needs our counsel&#39;s review." in dashboard
    overview = director.get(f"/agreements/{world.agreements['own'].id}").get_data(as_text=True)
    assert "Olive Outside declined to sign the Original: Clause 8" in overview
    history = director.get(f"/agreements/{world.agreements['own'].id}/versions/{version.id}").get_data(as_text=True)
    assert "Clause 8 needs our counsel&#39;s review." in history.split("History of this version")[1]
    assert "Declined signatures" not in login(world.emails["library_staff"]).get("/").get_data(as_text=True)
    back = director.post(f"/agreements/{world.agreements['own'].id}/versions/{version.id}/draft")
    assert back.status_code == 303
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version.status == "draft" and not version.approvals and {s.status for s in version.signatories} == {"pending"}


def test_users_sign_from_their_task_list(world, login, mailbox):
    version = docs.out_for_signature(world, [docs.user_signer(world, "administrator"), docs.outside()])
    director_user = db.session.scalar(select(User).where(User.email == world.emails["administrator"]))
    [task] = tasks.pending_for(director_user)
    assert (task.kind, task.version_id) == ("sign", version.id)
    mailbox.wait(2)
    assert any("/documents/tasks" in m.get_body(("plain",)).get_content() for m in mailbox.to(world.emails["administrator"]))
    director = login(world.emails["administrator"])
    listed = director.get("/documents/tasks").get_data(as_text=True)
    assert task.url in listed and "Lakeside Card MOU" in listed
    dashboard = director.get("/").get_data(as_text=True)
    assert "Waiting for your signature or approval" in dashboard and task.url in dashboard
    page = director.get(task.url)
    assert page.status_code == 200 and "Sign the document" in page.get_data(as_text=True)
    signed = director.post(task.url, data={"typed_name": director_user.name, "consent": "y"})
    assert signed.status_code == 303
    assert tasks.pending_for(director_user) == []
    assert task.url not in director.get("/").get_data(as_text=True)
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert [s.status for s in version.signatories] == ["signed", "pending"] and version.status == "signing"
    # someone who is not a signatory has nothing to sign here
    staff = login(world.emails["library_staff"])
    refused = staff.post(task.url, data={"typed_name": "Library Staff", "consent": "y"})
    assert refused.status_code == 422 and "not a signatory" in refused.get_data(as_text=True)


def test_approvers_see_missing_approvals_in_their_tasks(world):
    version = docs.draft(world)
    from tracker.documents import service

    service.submit_for_approval(docs.SETUP, version)
    approver = db.session.scalar(select(User).where(User.email == world.emails["administrator"]))
    assert [(t.kind, t.what) for t in tasks.pending_for(approver)] == [
        ("approve", "Internal review"), ("approve", "Approved as to form (counsel)")]
    outsider = db.session.scalar(select(User).where(User.email == world.emails["library_staff"]))
    assert tasks.pending_for(outsider) == []  # may not record approvals


def test_in_order_only_the_first_pending_signer_is_invited(world, mailbox):
    version = docs.out_for_signature(world, [docs.outside(), docs.outside("Ben Board", "ben@lib.example")], order="sequential")
    assert set(version.tokens) == {"olive@district.example"}
    second = version.signatories[1]
    try:
        signing.sign(docs.SETUP, version.id, second.id, second.name, True)
        raise AssertionError("the second signer signed before the first")
    except signing.Invalid as exc:
        assert "not your turn" in str(exc)
    first = version.signatories[0]
    signing.sign(docs.SETUP, version.id, first.id, first.name, True)
    mailbox.wait(2)
    assert mailbox.to("ben@lib.example"), "the next signer is invited once the first has signed"


def test_reminders_go_to_signers_not_reminded_lately(app, world, mailbox):
    version = docs.out_for_signature(world, [docs.outside(), docs.outside("Lena Library", "lena@library.example",
                                                                          organisation="Lakeside Library System")])
    mailbox.wait(2)
    docs.sign_for_the_library(version)
    signing.sign(docs.SETUP, version.id, version.signatories[1].id, "Lena Library", True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "remind", "--every", "3"])
    assert "Reminded 0 signer(s)." in result.output
    signatory = db.session.get(DocumentVersion, version.id).signatories[0]
    signatory.notified_at = datetime.utcnow() - timedelta(days=4)
    db.session.commit()
    result = runner.invoke(args=["documents", "remind", "--every", "3"])
    assert "Reminded 1 signer(s)." in result.output
    mailbox.wait(3)
    assert "This is a reminder." in mailbox.text(2)
    old = version.tokens["olive@district.example"]
    assert links.find(old).state(links.now()) == "revoked"  # the reminder carries a fresh link


def test_signing_links_about_to_expire_are_key_dates(world, mailbox):
    docs.sign_for_the_library(docs.out_for_signature(world, [docs.outside()]))
    docs.sign_for_the_library(docs.out_for_signature(world, [docs.outside("Hill Person", "hill@example.org")], which="other"))
    today = date.today()
    found = key_dates.collect(None, today, today + timedelta(days=15), kinds={"signing_link"})
    assert [d.on for d in found] == [today + timedelta(days=14)] * 2
    assert sorted(d.agreement_title for d in found) == ["Hill Card MOU", "Lakeside Card MOU"]
    assert key_dates.collect(None, today, today + timedelta(days=13), kinds={"signing_link"}) == []
    own = select(Party.agreement_id).where(Party.organisation_id == world.orgs["library"].id)
    [mine] = key_dates.collect(own, today, today + timedelta(days=15), kinds={"signing_link"})
    assert mine.agreement_title == "Lakeside Card MOU" and "olive@district.example" in mine.detail
    assert mine.uid == key_dates.collect(own, today, today + timedelta(days=15), kinds={"signing_link"})[0].uid


def test_signing_link_lifetime_is_configurable(app, world, mailbox):
    app.config["SIGNING_LINK_DAYS"] = 3
    try:
        docs.out_for_signature(world, [docs.outside()])
    finally:
        app.config["SIGNING_LINK_DAYS"] = 14
    link = db.session.scalar(select(SigningLink))
    assert link.expires_at - link.created_at == timedelta(days=3)


def test_signing_needs_the_recorded_approvals(world, login):
    version = docs.draft(world)
    signing.add_signatory(docs.SETUP, version, docs.outside())
    from tracker.documents import service

    service.submit_for_approval(docs.SETUP, version)
    director = login(world.emails["administrator"])
    response = director.post(f"/agreements/{world.agreements['own'].id}/versions/{version.id}/send")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Signing cannot start until these approvals are recorded" in html
    assert "Internal review" in html
    db.session.expire_all()
    assert db.session.get(DocumentVersion, version.id).status == "review"
    board = director.post(f"/agreements/{world.agreements['own'].id}/versions/{version.id}/approvals",
                          data={"kind": "internal", "approved_on": "", "approver": ""})
    assert board.status_code == 422 and "Give the date of the approval." in board.get_data(as_text=True)


def test_a_drawn_signature_is_optional_checked_and_printed(world, mailbox):
    import io

    import pypdf
    import segno

    from tracker.validation import Invalid

    version = docs.out_for_signature(world, [docs.outside()])
    docs.sign_for_the_library(version)
    signatory = version.signatories[0]
    for bad in ("data:image/png;base64,not base64!", "data:image/svg+xml;base64,PHN2Zy8+",
                "data:image/png;base64," + "QUFB" * 10):
        try:
            signing.sign(docs.SETUP, version.id, signatory.id, signatory.name, True, drawing=bad)
            raise AssertionError(f"accepted {bad[:30]}")
        except Invalid as exc:
            assert "drawn signature could not be read" in str(exc)
    drawing = segno.make("Olive").png_data_uri(scale=3)
    assert signing.sign(docs.SETUP, version.id, signatory.id, signatory.name, True, drawing=drawing)
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version.signatories[0].drawing == drawing
    reader = pypdf.PdfReader(io.BytesIO(version.pdf))
    signature_page = next(p for p in reader.pages if "Approvals and signatures" in p.extract_text())
    assert len(signature_page.images) == 1  # Olive's drawing; the library's signer typed their name


def test_a_drawing_bigger_than_the_signature_pad_is_refused():
    """A few KB of PNG can declare 12,000 x 12,000 pixels and tie up the PDF renderer: refused by its header."""
    import base64
    import struct
    import zlib

    from tracker.documents.signing import PNG_PREFIX, check_drawing
    from tracker.validation import Invalid

    def png(width, height):
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        raw = zlib.compress(b"\x00" * (width + 1) * 1)  # one row is enough for the header check
        return PNG_PREFIX + base64.b64encode(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw)
                                             + chunk(b"IEND", b"")).decode()

    assert check_drawing(png(480, 140)) == png(480, 140)
    with pytest.raises(Invalid, match="could not be read"):
        check_drawing(png(12000, 12000))
