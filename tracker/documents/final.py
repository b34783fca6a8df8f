"""The last signature's consequences: the version is frozen, rendered once, sealed and stored.

With a timestamping server (SEAL_TSA_URL) that cannot give its timestamp, the signature still lands: the version
is signed and waits for its seal, and a job tries again (saying on its progress what it waits for), then freezes,
renders, seals and stores in one transaction. There is never a PDF stored without its seal, nor a half-sealed one.
"""
import hashlib
import time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from tracker import sealing
from tracker.audit import service as audit
from tracker.documents import links, notify, pdf, text
from tracker.documents.history import record
from tracker.documents.models import DocumentVersion
from tracker.documents.workflow import SEALING, VERSION
from tracker.extensions import db
from tracker.jobs import service as jobs

SEAL_TASK = "tracker.documents.final:seal_when_possible"
SYSTEM = audit.Actor(label="The seal")


def _seal(actor: audit.Actor, version) -> None:
    """Fix the text and its hash, render the final PDF with its audit certificate, seal it and keep the bytes
    (`TimestampUnavailable` from the seal leaves the version as it was)."""
    words = text.full_text(version)
    words_sha = text.sha256(words)
    rendered = pdf.final_pdf(version, words_sha)
    sealed = sealing.seal(rendered, reason=f"{version.document.title} ({version.label}) signed by all signatories",
                          location=version.public_id)
    VERSION.move(version, "seal")
    version.frozen_at = links.now()
    version.text, version.text_sha256 = words, words_sha
    version.pdf, version.pdf_sha256 = sealed, hashlib.sha256(sealed).hexdigest()
    version.pdf_name = pdf.sealed_filename(version)
    record(actor, "document.sealed", version, {"text sha256": [None, words_sha], "pdf sha256": [None, version.pdf_sha256]})


def freeze(actor: audit.Actor, version) -> bool:
    """Seal the version its last signature completed; True when sealed, False when the seal waits for the
    timestamping server (the caller starts `start_retrying` once its transaction is committed).

    Runs inside the signing transaction (which holds the version's lock), so it happens exactly once.
    """
    try:
        _seal(actor, version)
    except sealing.TimestampUnavailable as problem:
        VERSION.move(version, "await_seal")
        record(SYSTEM, "document.seal_waiting", version, {"timestamping server": [None, problem.reason]})
        return False
    return True


def start_retrying(version) -> None:
    jobs.start("documents.seal", _("Seal %(title)s (%(label)s)", title=version.document.title, label=version.label),
               SEAL_TASK, {"version_id": version.id})


def _claim(version_id: int):
    """The version's row lock, if it still waits for its seal (a concurrent retry may have sealed it)."""
    locked = db.session.execute(update(DocumentVersion).where(DocumentVersion.id == version_id,
                                                              DocumentVersion.status == SEALING)
                                .values(status=SEALING).execution_options(synchronize_session=False))
    if locked.rowcount == 0:
        db.session.rollback()
        return None
    return db.session.get(DocumentVersion, version_id, populate_existing=True)


def try_sealing(version_id: int) -> str | None:
    """One try: None when the version is sealed (now or already), else why the timestamp is still missing."""
    version = _claim(version_id)
    if version is None:
        return None
    try:
        _seal(SYSTEM, version)
    except sealing.TimestampUnavailable as problem:
        db.session.rollback()
        return problem.reason
    db.session.commit()
    notify.completed(version, pdf.filename(version))
    return None


def seal_when_possible(job_id: int, version_id: int) -> dict:
    """The job: try, wait, try again (SEAL_RETRY_DELAYS), reporting each wait on the job's progress."""
    delays = list(current_app.config["SEAL_RETRY_DELAYS"])
    attempts = len(delays) + 1
    for attempt in range(1, attempts + 1):
        reason = try_sealing(version_id)
        if reason is None:
            return {"sealed": True}
        if attempt == attempts:
            break
        wait = delays[attempt - 1]
        jobs.progress(job_id, attempt, attempts, _(
            "The timestamping server %(reason)s; the signatures are recorded and the seal is tried again in "
            "%(seconds)s seconds (try %(n)s of %(total)s).", reason=reason, seconds=round(wait), n=attempt,
            total=attempts))
        time.sleep(wait)
    raise RuntimeError(_("The timestamping server %(reason)s after %(n)s tries. The signatures are recorded and the "
                         "version waits for its seal; run `flask --app wsgi documents seal` to try again.",
                         reason=reason, n=attempts))


def waiting() -> list[int]:
    """The versions signed by everyone whose seal is still missing."""
    return list(db.session.scalars(select(DocumentVersion.id).where(DocumentVersion.status == SEALING)))
