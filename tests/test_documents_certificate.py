"""The signed PDF as a reader sees it: the audit certificate in sentences, times in the library party's zone
(fixed when the version left draft) with its abbreviation, and UTC on the certificate; nothing internal."""
import io
import re

import pdfplumber

from tests import documents as docs
from tracker.documents import service, signing
from tracker.documents.models import DocumentVersion
from tracker.extensions import db

STATUS_CODES = ("draft", "review", "signing", "signed", "declined", "pending")


def texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def signed_in_chicago(world) -> DocumentVersion:
    """The library party is in Chicago when the version leaves draft, and moves to Madrid before it is signed."""
    library = world.orgs["library"]
    library.time_zone = "America/Chicago"
    version = docs.draft(world)
    term = next(c for c in version.clauses if c.title == "Term and renewal")
    service.edit_clause(docs.SETUP, version, term.id, term.title,
                        "This agreement runs from {{ agreement.effective_date }} to {{ agreement.end_date }}.")
    for data in (docs.outside(), docs.user_signer(world, "administrator", "attests")):
        signing.add_signatory(docs.SETUP, version, data)
    service.submit_for_approval(docs.SETUP, version)
    library.time_zone = "Europe/Madrid"
    db.session.commit()
    from datetime import date

    from tracker.documents import approvals

    for kind in version.document.needed:
        approvals.record_approval(docs.SETUP, version, kind, date.today(), "Counsel Carla")
    signing.start(docs.SETUP, version)
    return docs.sign_all(version), term.position


def test_the_certificate_reads_as_sentences_with_local_times_and_utc(world, mailbox):
    version, position = signed_in_chicago(world)
    assert (version.time_zone, version.language) == ("America/Chicago", "en")
    pages = texts(version.pdf)
    whole = "\n".join(pages)
    flat = re.sub(r"\s+", " ", whole)
    certificate = flat[flat.index("Audit certificate"):]
    assert f"edited clause {position}, Term and renewal" in certificate
    assert "added Olive Outside (Signs) as a signatory, signing by emailed link" in certificate
    assert "recorded the approval “Approved as to form (counsel)”, given by Counsel Carla on" in certificate
    assert "signed as Olive Outside (Signs), typing the name “Olive Outside”" in certificate
    assert "America/Chicago (CST/CDT)" in certificate
    local = re.findall(r"\d{1,2}:\d\d [AP]M (CST|CDT)", certificate)
    utc = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", certificate)
    assert len(local) >= 8 and len(utc) == len(local)
    assert "CET" not in flat and "CEST" not in flat  # the move to Madrid came after the version left draft
    signature_page = next(t for t in pages if "Approvals and signatures" in t)
    assert re.search(r"Signed electronically on \w+ \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M C[SD]T", re.sub(r"\s+", " ", signature_page))
    for internal in ("{{", "{%", "None", "agreement.effective_date", "status", "document.", "[", "]"):
        assert internal not in flat, internal
    codes = "|".join(STATUS_CODES)
    assert not re.search(rf"[:;(]\s*({codes})\b|\b({codes})\s*(->|→|,\s*({codes})\b)", flat)


def test_returning_to_draft_lets_the_version_read_its_library_party_again(world, mailbox):
    version = docs.approved(world, [docs.outside()])
    assert version.time_zone == "America/New_York"
    service.return_to_draft(docs.SETUP, version)
    assert version.time_zone is None and version.language is None
