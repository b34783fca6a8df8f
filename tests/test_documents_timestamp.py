"""A seal that proves its time: with SEAL_TSA_URL, PAdES B-T with an RFC 3161 timestamp from a real timestamping
server started locally (certomancer's Animator, which also serves the TSA's CRL), and the validation data embedded
(B-LT), so pyHanko validates it with the servers gone; the self-managed CA publishes its CRL at the app's address.
A TSA that is down or answers garbage leaves the signature recorded and the seal to a job that says so."""
import io
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from werkzeug.serving import make_server

from tests import documents as docs
from tests.test_jobs import wait_for
from tests.tsa import LocalTSA
from tracker import sealing
from tracker.documents import final
from tracker.documents.models import DocumentVersion
from tracker.documents.workflow import SEALING, SIGNED
from tracker.extensions import db
from tracker.jobs.models import Job
from tracker.sealing import outside_event_loop


@pytest.fixture
def tsa(app, tmp_path):
    server = LocalTSA(tmp_path / "tsa")
    roots = tmp_path / "tsa-root.pem"
    roots.write_bytes(pem.armor("CERTIFICATE", server.root_pem))
    saved = {k: app.config.get(k) for k in ("SEAL_TSA_URL", "SEAL_TSA_CA_PATH", "SEAL_TSA_TIMEOUT", "SEAL_RETRY_DELAYS")}
    app.config.update(SEAL_TSA_URL=server.url, SEAL_TSA_CA_PATH=str(roots), SEAL_TSA_TIMEOUT=5,
                      SEAL_RETRY_DELAYS=[0.05])
    yield server
    server.stop()
    app.config.update(saved)


def our_ca(app) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pem.unarmor((Path(app.instance_path) / "seal" / "ca.pem").read_bytes())[2])


def sign_everything(world) -> DocumentVersion:
    signers = [docs.outside(), docs.user_signer(world, "administrator", "attests")]
    return docs.sign_all(docs.out_for_signature(world, signers))


def test_with_a_tsa_the_seal_is_timestamped_and_validates_years_later_from_what_it_carries(app, world, mailbox, tsa,
                                                                                           tmp_path):
    version = sign_everything(world)
    assert version.status == SIGNED and version.pdf_sha256
    tsa.stop()  # from here on, nothing is fetched from anywhere: all that validation needs is in the file
    reader = PdfFileReader(io.BytesIO(version.pdf))
    [signature] = reader.embedded_signatures
    store = DocumentSecurityStore.read_dss(reader)
    context = store.as_validation_context({
        "trust_roots": [our_ca(app), asn1_x509.Certificate.load(tsa.root_pem)],
        "allow_fetching": False, "revocation_mode": "hard-fail"})
    issuers = {crl["tbs_cert_list"]["issuer"].human_friendly for crl in context.crls}
    assert any("Document Seal CA" in issuer for issuer in issuers), issuers  # our CA's CRL
    assert any("Local TSA Root" in issuer for issuer in issuers), issuers  # the TSA's
    status = outside_event_loop(lambda: validate_pdf_signature(signature, context))
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    assert status.timestamp_validity is not None and status.timestamp_validity.valid and status.timestamp_validity.trusted
    assert "Local Time Stamping Authority" in status.timestamp_validity.signing_cert.subject.human_friendly
    assert sealing.validate(version.pdf)
    path = tmp_path / "sealed.pdf"
    path.write_bytes(version.pdf)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature Validation: Signature is Valid." in report and "Total document signed" in report, report
    assert version.pdf.startswith(b"%PDF-1.7")


def test_the_self_managed_ca_publishes_its_crl_where_the_seal_certificate_says(app, world, login):
    sealing.sealer()
    response = login(None).get("/seal/ca.crl")
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.data)
    ca = x509.load_pem_x509_certificate((Path(app.instance_path) / "seal" / "ca.pem").read_bytes())
    assert crl.issuer == ca.subject and crl.is_signature_valid(ca.public_key()) and not list(crl)
    seal = x509.load_pem_x509_certificate((Path(app.instance_path) / "seal" / "seal.pem").read_bytes())
    points = seal.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    named = urlsplit(points[0].full_name[0].value)  # the app's outward base (PUBLIC_BASE_URL when set), then the path
    assert named.scheme in ("http", "https") and named.path == "/seal/ca.crl"


class Garbage:
    """A timestamping server gone wrong: it answers every request, but not with a timestamp for it."""

    def __init__(self, body: bytes):
        self.body = body
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "application/timestamp-reply")])
        return [self.body]


@pytest.mark.committed  # the retries run as a job in a thread
@pytest.mark.parametrize("failure", ["down", "garbage", "other nonce"])
def test_when_the_tsa_fails_the_signature_lands_and_the_seal_waits_as_a_job_that_says_so(app, world, mailbox, tsa,
                                                                                         login, failure):
    if failure == "down":
        tsa.stop()
        app.config["SEAL_TSA_URL"] = tsa.url
    elif failure == "garbage":
        app.config["SEAL_TSA_URL"] = Garbage(b"\x30\x03\x02\x01\x00 this is no timestamp").url
    else:  # a real timestamp, but for another request: its nonce differs
        replay = tsa.arch.service_registry.summon_timestamper("tsa")
        from asn1crypto import tsp

        request = tsp.TimeStampReq({"version": 1, "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                                                     "hashed_message": b"\x00" * 32},
                                    "nonce": 12345, "cert_req": True})
        app.config["SEAL_TSA_URL"] = Garbage(replay.request_tsa_response(request).dump()).url
    version = sign_everything(world)
    assert version.status == SEALING and version.pdf is None and version.frozen_at is None
    assert all(s.is_signed for s in version.signatories)  # every signature landed
    job = db.session.query(Job).filter_by(kind="documents.seal").one()
    finished = wait_for(job.id, timeout=180)  # each try renders the PDF again: slow on a busy machine
    assert finished.status == "failed" and "The timestamping server" in finished.message
    reason = "could not be reached" if failure == "down" else "not a valid timestamp"
    assert reason in finished.message and "after 2 tries" in finished.message and "documents seal" in finished.message
    viewer = login(world.emails["viewer"])
    page = f"/agreements/{world.agreements['own'].id}/versions/{version.id}"
    assert "the seal is tried again" in viewer.get(page).text
    download = viewer.get(page + "/pdf")
    assert download.status_code == 303  # no draft render and no unsealed copy of a signed version

    restarted = LocalTSA(Path(app.instance_path) / f"tsa-again-{failure.replace(' ', '-')}")
    app.config["SEAL_TSA_URL"] = restarted.url
    roots = Path(app.instance_path) / "tsa-again.pem"
    roots.write_bytes(pem.armor("CERTIFICATE", restarted.root_pem))
    app.config["SEAL_TSA_CA_PATH"] = str(roots)
    try:
        result = app.test_cli_runner().invoke(args=["documents", "seal"])
    finally:
        restarted.stop()
    assert f"Version {version.id}: sealed." in result.output, result.output
    db.session.expire_all()
    sealed = db.session.get(DocumentVersion, version.id)
    assert sealed.status == SIGNED and sealed.pdf_sha256 and sealing.validate(sealed.pdf)
    assert final.waiting() == []
    whole = " ".join(p.extract_text() for p in __import__("pypdf").PdfReader(io.BytesIO(sealed.pdf)).pages)
    assert "waited for the timestamping server" in " ".join(whole.split())
