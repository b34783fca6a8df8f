"""Checkpoints: the chain's head, count and time, signed with the seal key, kept outside the database.

Someone who can write to the database can remove the newest rows and set the head back, or rewrite
rows they have the key for; a checkpoint is a signed statement, held elsewhere, of what the chain was.
`verify` holds the rows against every checkpoint, so rows a checkpoint counted cannot go unnoticed.

One checkpoint is written after every commit that takes the count past a multiple of CHECKPOINT_EVERY
(and after the commit that starts the keyed chain), reading the head as committed, and one a day from
`flask --app wsgi audit checkpoint`. A transaction that rolls back writes none.

The file, instance/audit/checkpoints.jsonl, has one JSON object per line, appended, never rewritten:
{"count", "head", "at", "keyed_from", "seal", "alg", "signature"}. `signed_bytes` is what the seal key
signs: every field but the signature. `seal` is the SHA-256 fingerprint of the seal certificate; each
certificate used is kept in instance/audit/seal-certificates/, so checkpoints stay checkable after the
seal certificate is replaced. Fields other than these are ignored by `read`: that is where a timestamp
token from a TSA, requested over `signature`, will be stored beside it.
"""
import base64
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from asn1crypto import algos
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from flask import current_app, has_app_context
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tracker.audit.models import AuditEvent, AuditHead
from tracker.extensions import db
from tracker.sealing import sealer

CHECKPOINT_EVERY = 100
DUE = "audit_checkpoint_due"  # set in Session.info by `record`; the commit hook writes the checkpoint
MARKER = "audit.chain_keyed"  # the row that starts the keyed part of the chain
GENESIS = "0" * 64
SIGNED = ("count", "head", "at", "keyed_from", "seal", "alg")


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head: str
    at: str  # ISO 8601, UTC, e.g. 2026-09-01T02:15:00Z
    keyed_from: int | None  # the marker row, where the keyed chain starts (None: not keyed yet)
    seal: str = ""  # fingerprint of the certificate that signed it
    alg: str = ""
    signature: str = ""  # base64
    line: int = 0  # where it was read from

    def signed_bytes(self) -> bytes:
        return json.dumps({k: getattr(self, k) for k in SIGNED}, sort_keys=True, separators=(",", ":")).encode()

    def as_line(self) -> str:
        fields = {k: getattr(self, k) for k in SIGNED}
        fields["signature"] = self.signature
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    @property
    def when(self) -> str:
        return self.at.replace("T", " ").replace("Z", " UTC")


class CheckpointsInvalid(Exception):
    """A checkpoint file that cannot be trusted: edited, truncated mid-line, or signed by a stranger."""

    def __init__(self, path: Path, line: int, reason: str):
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path} line {line}: {reason}")


def folder() -> Path:
    return Path(current_app.instance_path) / "audit"


def path() -> Path:
    return folder() / "checkpoints.jsonl"


def certificates_folder() -> Path:
    return folder() / "seal-certificates"


# ---- writing ---------------------------------------------------------------------------------

def committed_state(connection) -> tuple[int, str, int | None]:
    """(count, head hash, marker row id) as committed, read on `connection` outside any session."""
    head = connection.execute(select(AuditHead.count, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    keyed_from = connection.execute(select(func.min(AuditEvent.id)).where(AuditEvent.action == MARKER)).scalar()
    return (head.count, head.last_hash, keyed_from) if head else (0, GENESIS, None)


def write() -> Checkpoint:
    """Sign the committed head with the seal key and append it to the checkpoint file."""
    with db.engine.connect() as connection:
        count, head, keyed_from = committed_state(connection)
    seal = sealer()
    mechanism = seal.signer.get_signature_mechanism_for_digest("sha256")
    unsigned = Checkpoint(count=count, head=head, keyed_from=keyed_from, seal=seal.fingerprint,
                          alg=mechanism["algorithm"].native,
                          at=datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"))
    signature = seal.signer.sign_raw(unsigned.signed_bytes(), "sha256")
    checkpoint = replace(unsigned, signature=base64.b64encode(signature).decode())
    # The seam for trusted timestamps: a TSA token over `signature` is requested here and written in the
    # line beside it; `read` ignores fields it does not know, so earlier lines stay valid.
    _keep_certificate(seal.signer.signing_cert)
    _append(checkpoint.as_line())
    return checkpoint


def _keep_certificate(cert: asn1_x509.Certificate) -> None:
    der = cert.dump()
    target = certificates_folder() / f"{hashlib.sha256(der).hexdigest()}.pem"
    if not target.exists():
        certificates_folder().mkdir(parents=True, exist_ok=True, mode=0o700)
        target.write_bytes(asn1_pem.armor("CERTIFICATE", der))


def _append(line: str) -> None:
    folder().mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as out:
        fcntl.flock(out, fcntl.LOCK_EX)  # whole lines, even with several workers
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())


@event.listens_for(Session, "after_commit")
def _write_when_due(session):
    if not session.info.pop(DUE, False) or not has_app_context():
        return
    try:
        write()
    except Exception:  # noqa: BLE001  the change is committed; the daily command writes the next checkpoint
        current_app.logger.exception("could not write the audit checkpoint")


@event.listens_for(Session, "after_rollback")
def _not_due_after_rollback(session):
    session.info.pop(DUE, None)


def email_admins(checkpoint: Checkpoint) -> tuple[int, list[str]]:
    """Send the checkpoint to every active admin, a copy outside this machine. Returns (sent, failed addresses)."""
    from flask_babel import gettext as _

    from tracker import languages, mail
    from tracker.auth.models import User
    from tracker.auth.permissions import ADMIN

    admins = db.session.execute(select(User).where(User.role == ADMIN, User.active.is_(True))
                                .order_by(User.id)).scalars().all()
    sent, failed = 0, []
    for admin in admins:
        with languages.speaking(languages.of_user(admin)):
            subject = _("Audit checkpoint: %(count)s events", count=checkpoint.count)
            text = "\n".join([
                _("The audit log had %(count)s events at %(when)s; the newest one's hash is %(head)s.",
                  count=checkpoint.count, when=checkpoint.when, head=checkpoint.head),
                _("Keep this message. To check the audit log against it, save the last line to a file and run "
                  "`flask --app wsgi audit verify --checkpoints FILE`."),
                "",
                checkpoint.as_line(),
            ]) + "\n"
        try:
            mail.send(admin.email, subject, text)
            sent += 1
        except Exception as exc:  # noqa: BLE001  one bad address must not stop the others
            current_app.logger.warning("audit checkpoint to %s failed: %s", admin.email, exc)
            failed.append(admin.email)
    return sent, failed


# ---- reading ---------------------------------------------------------------------------------

def _certificates() -> dict[str, asn1_x509.Certificate]:
    """The seal certificates that signed checkpoints here, by SHA-256 fingerprint."""
    found = {}
    if certificates_folder().is_dir():
        for pem_file in sorted(certificates_folder().glob("*.pem")):
            _type, _headers, der = asn1_pem.unarmor(pem_file.read_bytes())
            found[hashlib.sha256(der).hexdigest()] = asn1_x509.Certificate.load(der)
    return found


def _certificate(fingerprint: str, known: dict) -> asn1_x509.Certificate | None:
    if fingerprint not in known:  # not kept yet: perhaps the seal certificate in use now
        current = sealer().signer.signing_cert
        known[hashlib.sha256(current.dump()).hexdigest()] = current
    return known.get(fingerprint)


def read(source: Path | None = None, latest_only: bool = False) -> list[Checkpoint]:
    """Every checkpoint of the file, each signature checked against its seal certificate; with `latest_only`,
    only the newest (the one with the highest count), its signature alone checked (the /audit page's bounded check).

    Raises CheckpointsInvalid naming the first line that does not hold.
    """
    source = source or path()
    if not source.exists():
        return []
    certificates = None
    found = []
    for number, text in enumerate(source.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            fields = json.loads(text)
            checkpoint = Checkpoint(**{k: fields[k] for k in SIGNED}, signature=fields["signature"], line=number)
            valid_types = (isinstance(checkpoint.count, int) and isinstance(checkpoint.head, str)
                           and isinstance(checkpoint.keyed_from, (int, type(None))))
        except (ValueError, KeyError, TypeError):
            raise CheckpointsInvalid(source, number, "not a checkpoint (the line was edited or cut short)")
        if not valid_types:
            raise CheckpointsInvalid(source, number, "not a checkpoint (the line was edited)")
        if not latest_only:
            certificates = _check_signature(source, checkpoint, certificates)
        found.append(checkpoint)
    if latest_only and found:
        latest = max(found, key=lambda c: c.count)
        _check_signature(source, latest, None)
        return [latest]
    return found


def _check_signature(source: Path, checkpoint: Checkpoint, certificates: dict | None) -> dict:
    """Raise CheckpointsInvalid unless the checkpoint's seal signature holds; returns the certificates read."""
    if certificates is None:
        certificates = _certificates()
    certificate = _certificate(checkpoint.seal, certificates)
    if certificate is None:
        raise CheckpointsInvalid(source, checkpoint.line, f"signed by a seal certificate this instance does not know "
                                                          f"(fingerprint {checkpoint.seal[:16]}...)")
    try:
        DefaultSignatureValidator().validate_signature(
            base64.b64decode(checkpoint.signature, validate=True), checkpoint.signed_bytes(),
            certificate.public_key, algos.SignedDigestAlgorithm({"algorithm": checkpoint.alg}))
    except Exception:  # noqa: BLE001  a bad signature, a bad encoding or an unknown algorithm alike
        raise CheckpointsInvalid(source, checkpoint.line, "the seal signature does not match (the line was edited)")
    return certificates


# ---- the last verification of the whole chain ------------------------------------------------

def verified_path() -> Path:
    return folder() / "last-full-verification.json"


@dataclass(frozen=True)
class FullVerification:
    """What `flask --app wsgi audit verify` last found for the whole chain, and when."""

    at: str  # ISO 8601, UTC
    ok: bool
    count: int
    bad_id: int | None = None

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.at, "%Y-%m-%dT%H:%M:%SZ")


def note_full_verification(ok: bool, count: int, bad_id: int | None) -> None:
    """Keep the result of a whole-chain verification (replacing the previous one) for the /audit page."""
    folder().mkdir(parents=True, exist_ok=True, mode=0o700)
    at = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    target = verified_path()
    partial = target.with_suffix(".tmp")
    partial.write_text(json.dumps({"at": at, "ok": ok, "count": count, "bad_id": bad_id}), encoding="utf-8")
    os.replace(partial, target)


def last_full_verification() -> FullVerification | None:
    try:
        fields = json.loads(verified_path().read_text(encoding="utf-8"))
        return FullVerification(at=str(fields["at"]), ok=bool(fields["ok"]), count=int(fields["count"]),
                                bad_id=fields.get("bad_id"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
