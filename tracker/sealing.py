"""The seal: a PAdES signature over the whole PDF by the deploying organisation's certificate.

The certificate comes from a PKCS#12 file (SEAL_PKCS12_PATH / SEAL_PKCS12_PASSWORD), or else
from a self-managed CA the app creates on first use in instance/seal/ (keys 0600, never in the
repository). `validate` says whether a PDF's seal is intact, covers the entire file and was made
with our certificate.
"""
import asyncio
import fcntl
import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD = "Seal"


@dataclass
class Sealer:
    signer: signers.SimpleSigner
    trust_roots: list  # asn1crypto certificates
    fingerprint: str  # SHA-256 of the seal certificate


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


def create_authority(folder: Path, organisation: str) -> None:
    """A CA (ten years) and a seal certificate it issues (five years), as PEM files in `folder`."""
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
    cert = (x509.CertificateBuilder().subject_name(_name(f"{organisation} Document Seal", organisation))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pkcs8 = dict(encoding=serialization.Encoding.PEM, format=serialization.PrivateFormat.PKCS8,
                 encryption_algorithm=serialization.NoEncryption())
    _write(folder / "ca-key.pem", ca_key.private_bytes(**pkcs8), private=True)
    _write(folder / "seal-key.pem", key.private_bytes(**pkcs8), private=True)
    _write(folder / "ca.pem", ca.public_bytes(serialization.Encoding.PEM), private=False)
    _write(folder / "seal.pem", cert.public_bytes(serialization.Encoding.PEM), private=False)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _self_managed(folder: Path, organisation: str) -> Sealer:
    """Load the instance's CA and seal certificate, creating them on first use (once, across processes)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "seal.pem").exists():
            create_authority(folder, organisation)
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    cert = x509.load_pem_x509_certificate((folder / "seal.pem").read_bytes())
    key = serialization.load_pem_private_key((folder / "seal-key.pem").read_bytes(), password=None)
    key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=_asn1(cert), signing_key=key_info,
                                  cert_registry=SimpleCertificateStore.from_certs([_asn1(ca)]))
    return Sealer(signer, [_asn1(ca)], cert.fingerprint(hashes.SHA256()).hex())


def _pkcs12(path: str, password: str | None) -> Sealer:
    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode() if password else None)
    if signer is None:
        raise RuntimeError(f"SEAL_PKCS12_PATH {path} could not be read (wrong password or not PKCS#12)")
    others = list(signer.cert_registry)
    roots = [c for c in others if c.subject == c.issuer] or others or [signer.signing_cert]
    return Sealer(signer, roots, hashlib.sha256(signer.signing_cert.dump()).hexdigest())


def sealer() -> Sealer:
    config = current_app.config
    key = (config.get("SEAL_PKCS12_PATH"), current_app.instance_path)
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


def seal(pdf: bytes, reason: str, location: str = "") -> bytes:
    """The PDF with a PAdES signature over every byte (an incremental update to the file)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location or None)
    out = io.BytesIO()
    signer = _Pdf17Signer(meta, signer=sealer().signer)
    outside_event_loop(lambda: signer.sign_pdf(writer, output=out))
    return out.getvalue()


def validate(pdf: bytes) -> bool:
    """True when the PDF carries exactly our seal, intact, trusted, covering the entire file."""
    ours = sealer()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return False
        status = outside_event_loop(
            lambda: validate_pdf_signature(signatures[0], ValidationContext(trust_roots=ours.trust_roots)))
    except Exception:  # noqa: BLE001  any file that cannot be read or validated is not genuine
        return False
    signer_fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    return bool(status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                and signer_fingerprint == ours.fingerprint)
