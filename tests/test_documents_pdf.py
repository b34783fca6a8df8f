"""The signed PDF: parsed back, its seal validated with pyHanko against the app's CA, any flipped byte
caught by /verify, and nothing a clause or a name says fetched or attached."""
import hashlib
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import func, select, update
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from asn1crypto import pem, x509 as asn1_x509

from tests import documents as docs
from tracker.documents import service, signing
from tracker.documents.models import DocumentVersion
from tracker.extensions import db
from tracker.validation import Invalid


@pytest.fixture
def sealed(world, mailbox) -> DocumentVersion:
    version = docs.out_for_signature(world, [docs.outside(), docs.user_signer(world, "administrator", "attests")])
    return docs.sign_all(version)


def pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_the_sealed_pdf_holds_clauses_signatures_and_the_audit_certificate(sealed):
    texts = pages(sealed.pdf)
    whole = "\n".join(texts)
    assert len(texts) >= 4
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert "Lakeside Card MOU · Original" in text  # the header: agreement title and version
    assert "1. Parties and recitals" in whole and "Lakeside Library System" in whole
    assert "at least 30 days" in whole  # {{ agreement.notice_days }} filled in
    signature_page = whole[whole.index("Approvals and signatures"):whole.index("Audit certificate")]
    assert "Olive Outside" in signature_page and "Signed by" in signature_page and "Attested by" in signature_page
    assert "Signed electronically on" in signature_page
    audit_page = texts[-1] if "Audit certificate" in texts[-1] else next(t for t in texts if "Audit certificate" in t)
    assert sealed.public_id in audit_page
    assert sealed.text_sha256 in re.sub(r"\s", "", audit_page)
    assert sealed.text_sha256 == hashlib.sha256(sealed.text.encode()).hexdigest()
    for event in ("created the MOU draft", "recorded the approval", "sent the version for signature", "signed as"):
        assert event in whole
    assert "198.51.100.7" in whole  # the signers' address
    assert f"/verify?id={sealed.public_id}" in re.sub(r"\s", "", whole)
    assert "DRAFT" not in whole


def test_the_seal_validates_against_the_apps_ca_and_covers_the_whole_file(app, sealed):
    ca_pem = (Path(app.instance_path) / "seal" / "ca.pem").read_bytes()
    ca = asn1_x509.Certificate.load(pem.unarmor(ca_pem)[2])
    reader = PdfFileReader(io.BytesIO(sealed.pdf))
    [signature] = reader.embedded_signatures
    from tracker.sealing import outside_event_loop  # Playwright's loop may run in this thread

    status = outside_event_loop(lambda: validate_pdf_signature(signature, ValidationContext(trust_roots=[ca])))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert sealed.pdf_sha256 == hashlib.sha256(sealed.pdf).hexdigest()
    key = Path(app.instance_path) / "seal" / "seal-key.pem"
    assert key.stat().st_mode & 0o077 == 0  # the private key is readable by the app's user only


def test_downloads_serve_the_stored_bytes(sealed, login, world):
    session = login(world.emails["viewer"])
    url = f"/agreements/{world.agreements['own'].id}/versions/{sealed.id}/pdf"
    first, second = session.get(url), session.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data == sealed.pdf
    assert first.headers["ETag"] == f'"{sealed.pdf_sha256}"' and "immutable" in first.headers["Cache-Control"]
    again = session.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    changed = session.get(url, headers={"If-None-Match": '"' + "0" * 64 + '"'})  # another copy: the bytes again
    assert changed.status_code == 200 and changed.data == sealed.pdf
    several = session.get(url, headers={"If-None-Match": f'"{"0" * 64}", {first.headers["ETag"]}'})
    assert several.status_code == 304


def test_a_download_is_a_private_attachment_with_a_safe_name_fixed_when_sealed(world, mailbox, login):
    version = docs.out_for_signature(world, [docs.outside(), docs.user_signer(world, "administrator", "attests")])
    version.document.title = 'Lakeside "Card" MOU / 2026\r\nX-Evil: 1'
    db.session.commit()
    sealed = docs.sign_all(version)
    sealed.document.title = "Renamed after signing"  # the sealed file keeps the name it was sealed under
    db.session.commit()
    session = login(world.emails["administrator"])
    response = session.get(f"/agreements/{world.agreements['own'].id}/versions/{sealed.id}/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="Lakeside -Card- MOU - 2026--X-Evil- 1 - Original - {sealed.public_id}.pdf"')
    assert "X-Evil" not in response.headers.keys()
    cache = [part.strip() for part in response.headers["Cache-Control"].split(",")]
    assert "private" in cache and "public" not in cache and "immutable" in cache


def test_the_sealed_name_is_in_the_documents_language_whatever_the_readers(world, mailbox, app):
    from tracker.documents import pdf

    version = docs.draft(world)
    version.number, version.language, version.time_zone = 1, "es", "America/Chicago"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert pdf.sealed_filename(version) == f"{version.document.title} - Primera enmienda - {version.public_id}.pdf"
        version.language = "en"
        assert pdf.sealed_filename(version) == f"{version.document.title} - First Amendment - {version.public_id}.pdf"
    db.session.rollback()


def test_a_download_reads_only_what_it_needs(app, sealed, login, world):
    """The session with its user, the parties' organisations for the relation, and the stored file: not the
    agreement, nor the version as an object."""
    from tests.test_queries import counting

    session = login(world.emails["viewer"])  # above a party
    url = f"/agreements/{world.agreements['own'].id}/versions/{sealed.id}/pdf"
    etag = session.get(url).headers["ETag"]  # warm: the first request loads things once per process
    with counting(app) as statements:
        assert session.get(url).status_code == 200
    reads = [s for s in statements if s.startswith("SELECT")]  # not the tests' savepoints
    assert len(reads) == 3, reads
    assert not any("manager" in s or "organisation.name" in s or "document_version.terms" in s for s in reads), reads
    with counting(app) as statements:
        assert session.get(url, headers={"If-None-Match": etag}).status_code == 304
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == 3, reads


def test_a_stored_download_answers_as_the_page_would(app, sealed, login, world):
    """Served before the page machinery (tracker/site/stored_files.py), a sealed PDF has the status, bytes and headers
    the view itself gives; a HEAD has them without the bytes."""
    from werkzeug.test import Client

    session = login(world.emails["viewer"])
    url = f"/agreements/{world.agreements['own'].id}/versions/{sealed.id}/pdf"
    the_app_alone = Client(app.wsgi_app.wsgi_app)  # the app behind the stored-file layer
    for cookie in session.client._cookies.values():
        the_app_alone.set_cookie(cookie.key, cookie.value)
    for headers in ({}, {"If-None-Match": f'"{sealed.pdf_sha256}"'}):
        served, rendered = session.get(url, headers=headers), the_app_alone.get(url, headers=headers)
        assert served.status_code == rendered.status_code and served.data == rendered.data
        assert sorted(served.headers.items()) == sorted(rendered.headers.items())
    head = session.client.head(url)
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == f'"{sealed.pdf_sha256}"'
    layer, reached = app.wsgi_app, []
    behind = layer.wsgi_app
    layer.wsgi_app = lambda environ, start_response: reached.append(environ["PATH_INFO"]) or behind(environ, start_response)
    try:
        assert session.get(url).status_code == 200 and reached == []  # the app itself was not asked
        assert session.get(f"/agreements/{world.agreements['own'].id}").status_code == 200 and len(reached) == 1
    finally:
        layer.wsgi_app = behind


def test_a_download_not_plainly_served_goes_on_to_the_app(app, sealed, login, world):
    """A session due its "last seen", a visitor and a user deactivated since signing in all get what the app gives
    them."""
    from tracker.auth.models import User, UserSession

    url = f"/agreements/{world.agreements['own'].id}/versions/{sealed.id}/pdf"
    session = login(world.emails["viewer"])
    long_ago = datetime.utcnow().replace(microsecond=0) - timedelta(hours=1)
    db.session.execute(update(UserSession).values(last_seen_at=long_ago))
    db.session.commit()
    assert session.get(url).status_code == 200
    assert db.session.scalar(select(func.min(UserSession.last_seen_at))) > long_ago  # the app wrote it
    visitor = login(None).get(url)
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    db.session.execute(update(User).where(User.email == world.emails["viewer"]).values(active=False))
    db.session.commit()
    gone = session.get(url)
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]


def test_a_download_is_not_found_outside_the_agreement(sealed, login, world):
    session = login(world.emails["viewer"])
    own, other = world.agreements["own"].id, world.agreements["other"].id
    for url in (f"/agreements/{other}/versions/{sealed.id}/pdf",  # the user's version, under an agreement they do not see
                f"/agreements/999999/versions/{sealed.id}/pdf",  # no such agreement
                f"/agreements/{own}/versions/999999/pdf"):  # no such version
        response = session.get(url)
        assert response.status_code == 404, url
        assert sealed.pdf_sha256 not in response.headers.get("ETag", ""), url


def test_a_signer_outside_the_agreement_signs_on_the_signing_page_and_downloads_nothing(world, login):
    """Someone asked to sign a version of an agreement they do not otherwise see reaches its signing page, not its
    PDF (the sealed one comes to them by mail), nor any other version's."""
    theirs = docs.out_for_signature(world, [docs.user_signer(world, "school_librarian")], which="other")
    not_theirs = docs.draft(world, "other")
    session = login(world.emails["school_librarian"])
    base = f"/agreements/{theirs.document.agreement_id}/versions"
    assert session.get(f"{base}/{theirs.id}/sign").status_code == 200
    assert session.get(f"{base}/{not_theirs.id}/sign").status_code == 404
    for version in (theirs, not_theirs):
        assert session.get(f"{base}/{version.id}/pdf").status_code == 404


def upload(client_session, data: bytes, name="mou.pdf"):
    return client_session.post("/verify", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_verify_says_genuine_for_the_file_and_not_genuine_for_any_flipped_byte(sealed, login):
    visitor = login(None)
    genuine = upload(visitor, sealed.pdf)
    html = genuine.get_data(as_text=True)
    assert genuine.status_code == 200 and "Genuine" in html and "Not genuine" not in html
    assert "Lakeside Card MOU" in html and "Olive Outside" in html and "North School" in html
    assert "Cards for every student" not in html  # nothing else about the agreement
    size = len(sealed.pdf)
    for position in (5, 9, size // 3, size // 2, size - 200, size - 2):
        flipped = bytearray(sealed.pdf)
        flipped[position] ^= 0x01
        answer = upload(visitor, bytes(flipped)).get_data(as_text=True)
        assert "Not genuine" in answer, position


def test_verify_by_id_by_sha256_and_from_the_qr_code_shows_what_was_registered_and_checks_no_file(sealed, login):
    """A lookup checks no file: it shows what was registered and invites an upload, never "unchanged"."""
    visitor = login(None)
    by_id = visitor.post("/verify", data={"reference": sealed.public_id})
    by_sha = visitor.post("/verify", data={"reference": sealed.pdf_sha256})
    from_qr = visitor.get(f"/verify?id={sealed.public_id}")
    for response in (by_id, by_sha, from_qr):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Registered" in html and "No file was checked" in html
        assert "Genuine" not in html and "unchanged" not in html
        assert sealed.public_id in html and "Lakeside Library System" in html and "Olive Outside" in html
    unknown = visitor.get("/verify?id=MOU-0000000000")
    assert unknown.status_code == 404 and "Not genuine" in unknown.get_data(as_text=True)


def test_verify_shows_times_in_the_documents_zone_with_its_abbreviation_and_in_utc(sealed, login):
    """The version fixed its library party's zone when it left draft (the world's library is in New York)."""
    sealed_at = db.session.get(DocumentVersion, sealed.id).frozen_at
    html = login(None).get(f"/verify?id={sealed.public_id}").get_data(as_text=True)
    local = sealed_at.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%Z") in html and local.strftime("%Z") in ("EST", "EDT")
    assert sealed_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC" in html
    assert "America/New_York (EST/EDT)" in html


def test_verify_refuses_what_is_not_a_pdf_or_too_large(app, sealed, login):
    visitor = login(None)
    response = upload(visitor, b"GIF89a not a pdf", "picture.pdf")
    assert response.status_code == 422 and "That file is not a PDF." in response.get_data(as_text=True)
    app.config["VERIFY_MAX_BYTES"] = 1024
    try:
        response = upload(visitor, sealed.pdf)
    finally:
        app.config["VERIFY_MAX_BYTES"] = 20 * 1024 * 1024
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    response = visitor.post("/verify", data={"reference": "hello"})
    assert response.status_code == 422 and "neither a document id" in response.get_data(as_text=True)


def test_a_pdf_sealed_by_someone_else_is_not_genuine(app, sealed, tmp_path, login):
    """Same bytes as ours would need our key: a PDF sealed with another CA's key does not validate."""
    from tracker import sealing
    from tracker.documents import pdf

    unsealed = pdf.final_pdf(sealed, sealed.text_sha256)

    sealing.create_authority(tmp_path, "Impostor")
    saved = dict(sealing._cache)
    sealing._cache.clear()
    sealing._cache[(None, app.instance_path)] = sealing._self_managed(tmp_path, "Impostor")
    forged = sealing.seal(unsealed, reason="forged")
    sealing._cache.clear()
    sealing._cache.update(saved)
    assert not sealing.validate(forged)
    assert "Not genuine" in upload(login(None), forged).get_data(as_text=True)


def test_draft_pdf_is_marked_draft_on_every_page(world, login):
    version = docs.draft(world)
    response = login(world.emails["viewer"]).get(f"/agreements/{world.agreements['own'].id}/versions/{version.id}/pdf")
    assert response.status_code == 200
    texts = pages(response.data)
    assert len(texts) >= 2 and all("DRAFT" in t for t in texts)
    assert "Audit certificate" not in "".join(texts)


HOSTILE = ('<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> '
           '<style>body{background:url("file:///etc/hostname")}</style> <b>bold</b> '
           '<div style="background:url(http://example.com/x.png)">css</div> <script>alert(1)</script>')


def test_injected_markup_in_clauses_and_names_is_printed_as_text_and_fetches_nothing(world, monkeypatch, mailbox):
    fetched = docs.fetches(monkeypatch)
    version = docs.draft(world)
    item = version.clauses[0]
    with pytest.raises(Invalid, match="At most 200 characters"):
        service.edit_clause(docs.SETUP, version, item.id, "Hostile " + HOSTILE, HOSTILE)
    db.session.rollback()
    service.edit_clause(docs.SETUP, version, item.id, 'Hostile <img src="file:///etc/passwd"> <script>x</script>', HOSTILE)
    signer = docs.outside(name='Eve <img src="file:///etc/passwd">', email="eve@example.org")
    signing.add_signatory(docs.SETUP, version, signer)
    signing.add_signatory(docs.SETUP, version, docs.library_signer(name='Lou <script>x</script>'))
    service.submit_for_approval(docs.SETUP, version)
    from datetime import date

    from tracker.documents import approvals

    for kind in version.document.needed:
        approvals.record_approval(docs.SETUP, version, kind, date.today(), "Counsel")
    signing.start(docs.SETUP, version)
    for s in list(version.signatories):
        signing.sign(docs.SETUP, version.id, s.id, s.name, True)
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert version.pdf_sha256
    assert all(u.startswith("https://tracker.invalid/static/") or u.startswith("data:") for u in fetched), fetched
    reader = pypdf.PdfReader(io.BytesIO(version.pdf))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert 'file:///etc/passwd' in text and "<script>alert(1)</script>" in re.sub(r"\s", "", text)  # shown as words
    assert "root:" not in text
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get_object())
    assert not any("/FileAttachment" in str(a.get_object()) for p in reader.pages for a in (p.get("/Annots") or []))
    images = [name for p in reader.pages for name in (p.images if hasattr(p, "images") else [])]
    assert len(images) <= 1  # only the QR code (an SVG becomes vectors; never a fetched picture)


def test_the_sealed_pdf_is_tagged_archival_and_its_header_matches_its_catalog(sealed):
    import pikepdf

    assert sealed.pdf.startswith(b"%PDF-1.7\n")
    with pikepdf.open(io.BytesIO(sealed.pdf)) as document:
        assert str(document.Root.get("/Version", "/1.7")) == "/1.7"  # no 2.0 catalog under a 1.7 header
        assert document.check_pdf_syntax() == []  # qpdf's own checks find nothing wrong
        assert document.Root.MarkInfo.Marked
        tree = document.Root.StructTreeRoot
        kinds = set()

        def walk(node, depth=0):
            if depth > 40 or not isinstance(node, pikepdf.Dictionary):
                return
            if "/S" in node:
                kinds.add(str(node.S))
            children = node.get("/K")
            for child in (children if isinstance(children, pikepdf.Array) else [children]):
                walk(child, depth + 1)

        walk(tree)
        assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD"} <= kinds, kinds
        assert str(document.Root.Lang) == "en"
        with document.open_metadata() as xmp:
            assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "A"
            assert xmp.get("pdfuaid:part") == "1"
            assert xmp.get("dc:title")


def test_poppler_finds_the_seal_valid_over_the_whole_file(sealed, tmp_path):
    import subprocess

    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed.pdf)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report
