"""The seal: a PAdES signature over the whole PDF by the deploying organisation's certificate.

The certificate comes from a PKCS#12 file (SEAL_PKCS12_PATH / SEAL_PKCS12_PASSWORD), or else
from a self-managed CA the app creates on first use in instance/seal/ (keys 0600, never in the
repository); that CA publishes its certificate revocation list at PUBLIC_BASE_URL/seal/ca.crl, the
address its seal certificate names (a seal certificate made before that is renewed by the same CA at the
next seal, or by `flask documents seal`; the old one is kept so what it sealed stays genuine). `validate` says whether a PDF's seal is intact, covers the
entire file and was made with our certificate.

With SEAL_TSA_URL set, the seal carries an RFC 3161 timestamp from that server (PAdES B-T) and the
data needed to validate it later without the app (B-LT): the certificates, our CA's CRL (or, for a
deployment's own certificate, its CA's revocation data, fetched) and the TSA's, in the same
revision as the signature, so the signature still covers the whole file. A TSA that cannot be
reached or answers something that is not our timestamp raises `TimestampUnavailable`, and nothing
is sealed.
"""
import asyncio
import fcntl
import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tracker import outward

FIELD = "Seal"
CRL_PATH = "/seal/ca.crl"  # where the app publishes the self-managed CA's revocation list
CRL_DAYS = 7  # a CRL is good for this long, and made again a day before it runs out


class TimestampUnavailable(RuntimeError):
    """The timestamping server could not give the seal its timestamp: nothing was sealed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Sealer:
    signer: signers.SimpleSigner
    trust_roots: list  # asn1crypto certificates
    fingerprint: str  # SHA-256 of the seal certificate
    earlier: frozenset = frozenset()  # SHA-256 of the seal certificates it replaced: PDFs sealed with them stay genuine


_cache: dict = {}


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])


def _usage(**on) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def _write(path: Path, data: bytes, private: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def create_authority(folder: Path, organisation: str, crl_url: str | None = None) -> None:
    """A CA (ten years) and a seal certificate it issues (five years), as PEM files in `folder`; the seal
    certificate names `crl_url` as where the CA's revocation list is published."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation} Document Seal CA", organisation)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
          .not_valid_after(now + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _seal_certificate(ca, ca_key, key, organisation, crl_url)
    pkcs8 = dict(encoding=serialization.Encoding.PEM, format=serialization.PrivateFormat.PKCS8,
                 encryption_algorithm=serialization.NoEncryption())
    _write(folder / "ca-key.pem", ca_key.private_bytes(**pkcs8), private=True)
    _write(folder / "seal-key.pem", key.private_bytes(**pkcs8), private=True)
    _write(folder / "ca.pem", ca.public_bytes(serialization.Encoding.PEM), private=False)
    _write(folder / "seal.pem", cert.public_bytes(serialization.Encoding.PEM), private=False)


def _seal_certificate(ca: x509.Certificate, ca_key, key, organisation: str, crl_url: str | None) -> x509.Certificate:
    """A seal certificate (five years) for `key`, issued by the CA, naming where the CA's CRL is published."""
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(f"{organisation} Document Seal", organisation))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    if crl_url:
        cert = cert.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None, crl_issuer=None)]),
            critical=False)
    return cert.sign(ca_key, hashes.SHA256())


def _names_crl(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return False
    return True


def _renew_without_crl(folder: Path, organisation: str) -> bool:
    """A seal certificate made before the CA published its CRL names no CRL address, so a seal's validation data
    could not say where to check it: the same CA issues a new one for the same key, naming the address. The old
    certificate is kept in `earlier/`, so the PDFs it sealed stay genuine. True when it renewed. Call under the lock."""
    cert = x509.load_pem_x509_certificate((folder / "seal.pem").read_bytes())
    if _names_crl(cert):
        return False
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), password=None)
    key = serialization.load_pem_private_key((folder / "seal-key.pem").read_bytes(), password=None)
    earlier = folder / "earlier"
    earlier.mkdir(exist_ok=True, mode=0o700)
    _write(earlier / f"seal-{cert.fingerprint(hashes.SHA256()).hex()[:16]}.pem",
           cert.public_bytes(serialization.Encoding.PEM), private=False)
    renewed = _seal_certificate(ca, ca_key, key, organisation, crl_url(outward.base_url()))
    _write(folder / "seal.pem", renewed.public_bytes(serialization.Encoding.PEM), private=False)
    current_app.logger.info("the seal certificate named no CRL address: the CA issued a new one that does")
    return True


def renew_without_crl() -> bool:
    """`flask documents seal`: renew the self-managed seal certificate now if it names no CRL address."""
    if current_app.config.get("SEAL_PKCS12_PATH"):
        return False
    folder = Path(current_app.instance_path) / "seal"
    if not (folder / "seal.pem").exists():
        return False
    with _locked(folder):
        renewed = _renew_without_crl(folder, current_app.config["SEAL_ORGANISATION"])
    if renewed:
        _cache.pop(_cache_key(), None)
    return renewed


@contextmanager
def _locked(folder: Path):
    """The seal folder to one process at a time (making the CA, renewing a certificate, making the CRL)."""
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _cache_key() -> tuple:
    return current_app.config.get("SEAL_PKCS12_PATH"), current_app.instance_path


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _self_managed(folder: Path, organisation: str) -> Sealer:
    """Load the instance's CA and seal certificate, creating them on first use (once, across processes)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(folder):
        if not (folder / "seal.pem").exists():
            create_authority(folder, organisation, crl_url(outward.base_url()))
        else:
            _renew_without_crl(folder, organisation)
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    cert = x509.load_pem_x509_certificate((folder / "seal.pem").read_bytes())
    key = serialization.load_pem_private_key((folder / "seal-key.pem").read_bytes(), password=None)
    key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=_asn1(cert), signing_key=key_info,
                                  cert_registry=SimpleCertificateStore.from_certs([_asn1(ca)]))
    earlier = frozenset(x509.load_pem_x509_certificate(p.read_bytes()).fingerprint(hashes.SHA256()).hex()
                        for p in sorted((folder / "earlier").glob("*.pem")))
    return Sealer(signer, [_asn1(ca)], cert.fingerprint(hashes.SHA256()).hex(), earlier)


def _pkcs12(path: str, password: str | None) -> Sealer:
    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode() if password else None)
    if signer is None:
        raise RuntimeError(f"SEAL_PKCS12_PATH {path} could not be read (wrong password or not PKCS#12)")
    others = list(signer.cert_registry)
    roots = [c for c in others if c.subject == c.issuer] or others or [signer.signing_cert]
    return Sealer(signer, roots, hashlib.sha256(signer.signing_cert.dump()).hexdigest())


def crl_url(public_base_url: str) -> str:
    return public_base_url.rstrip("/") + CRL_PATH


def revocation_list() -> bytes | None:
    """The self-managed CA's CRL (DER), made again when it is a day from running out; None with a deployment's
    own certificate (its CA publishes its own)."""
    if current_app.config.get("SEAL_PKCS12_PATH"):
        return None
    sealer()  # the CA exists
    folder = Path(current_app.instance_path) / "seal"
    path = folder / "ca.crl"
    with _locked(folder):
        now = datetime.now(timezone.utc)
        if path.exists():
            current = x509.load_der_x509_crl(path.read_bytes())
            if current.next_update_utc and current.next_update_utc - now > timedelta(days=1):
                return path.read_bytes()
        ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
        ca_key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), password=None)
        number = int(now.timestamp())
        crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(now - timedelta(minutes=5))
               .next_update(now + timedelta(days=CRL_DAYS)).add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
        data = crl.public_bytes(serialization.Encoding.DER)
        _write(path, data, private=False)
        return data


def sealer() -> Sealer:
    config = current_app.config
    key = _cache_key()
    if key not in _cache:
        if config.get("SEAL_PKCS12_PATH"):
            _cache[key] = _pkcs12(config["SEAL_PKCS12_PATH"], config.get("SEAL_PKCS12_PASSWORD"))
        else:
            _cache[key] = _self_managed(Path(current_app.instance_path) / "seal", config["SEAL_ORGANISATION"])
    return _cache[key]


def outside_event_loop(work):
    """pyHanko runs its own event loop (asyncio.run), which fails in a thread that already runs one
    (an async server, Playwright's sync API in tests): then the work runs in a short-lived thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


class _Pdf17Signer(signers.PdfSigner):
    """pyHanko declares the ISO 32002 extension for an ECDSA P-256 key, which raises the catalog's version to
    PDF 2.0 under a 1.7 header. A PDF/A-3 file stays PDF 1.7: PAdES over ECDSA needs only the ESIC extension."""

    def register_extensions(self, pdf_out, *, md_algorithm):
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


def _tsa_roots() -> list:
    path = current_app.config.get("SEAL_TSA_CA_PATH")
    if not path:
        return []
    return [asn1_x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(Path(path).read_bytes(), multiple=True)]


def _long_term(ours: Sealer) -> dict:
    """What a B-T seal adds: the timestamper and the validation data to embed with the signature (B-LT)."""
    config = current_app.config
    own_crl = revocation_list()
    context = ValidationContext(
        extra_trust_roots=ours.trust_roots + _tsa_roots(), other_certs=list(ours.signer.cert_registry),
        crls=[own_crl] if own_crl else [], allow_fetching=True)
    return {"timestamper": HTTPTimeStamper(config["SEAL_TSA_URL"], timeout=config["SEAL_TSA_TIMEOUT"]),
            "meta": {"embed_validation_info": True, "validation_context": context,
                     "dss_settings": DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                                                        include_vri=False)}}


def _why(problem: Exception) -> str:
    """The TSA's failure in words for the job that retries (no stack trace, no internal value)."""
    causes, cause = [], problem
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, (aiohttp.ClientConnectionError, asyncio.TimeoutError, ConnectionError)) for c in causes):
        return _("could not be reached")
    if any(isinstance(c, aiohttp.ClientResponseError) for c in causes):
        return _("answered with an error")
    return _("answered with something that is not a valid timestamp for this seal")


def seal(pdf: bytes, reason: str, location: str = "") -> bytes:
    """The PDF with a PAdES signature over every byte (an incremental update to the file); with SEAL_TSA_URL,
    timestamped and carrying its validation data, or `TimestampUnavailable` and nothing sealed."""
    ours = sealer()
    extra = _long_term(ours) if current_app.config.get("SEAL_TSA_URL") else {"timestamper": None, "meta": {}}
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location or None, **extra["meta"])
    out = io.BytesIO()
    signer = _Pdf17Signer(meta, signer=ours.signer, timestamper=extra["timestamper"])
    try:
        outside_event_loop(lambda: signer.sign_pdf(writer, output=out))
    except Exception as problem:  # noqa: BLE001  with a TSA, what fails here is the TSA's part
        if extra["timestamper"] is None:
            raise
        current_app.logger.warning("timestamping server %s failed: %r", current_app.config["SEAL_TSA_URL"], problem)
        raise TimestampUnavailable(_why(problem)) from problem
    return out.getvalue()


def validate(pdf: bytes) -> bool:
    """True when the PDF carries exactly our seal, intact, trusted, covering the entire file (and, when it is
    timestamped, a timestamp from a TSA we trust)."""
    ours = sealer()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return False
        stamps = ValidationContext(extra_trust_roots=_tsa_roots())
        status = outside_event_loop(lambda: validate_pdf_signature(
            signatures[0], ValidationContext(trust_roots=ours.trust_roots), ts_validation_context=stamps))
    except Exception:  # noqa: BLE001  any file that cannot be read or validated is not genuine
        return False
    signer_fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    return bool(status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                and (signer_fingerprint == ours.fingerprint or signer_fingerprint in ours.earlier))
