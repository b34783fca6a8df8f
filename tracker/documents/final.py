"""The last signature's consequences: the version is frozen, rendered once, sealed and stored."""
import hashlib

from tracker import sealing
from tracker.audit import service as audit
from tracker.documents import links, pdf, text
from tracker.documents.history import record
from tracker.documents.workflow import VERSION


def freeze(actor: audit.Actor, version) -> None:
    """Fix the text and its hash, render the final PDF with its audit certificate, seal it and keep the bytes.

    Runs inside the signing transaction (which holds the version's lock), so it happens exactly once.
    """
    words = text.full_text(version)
    words_sha = text.sha256(words)
    rendered = pdf.final_pdf(version, words_sha)
    sealed = sealing.seal(rendered, reason=f"{version.document.title} ({version.label}) signed by all signatories",
                          location=version.public_id)
    VERSION.move(version, "seal")
    version.frozen_at = links.now()
    version.text, version.text_sha256 = words, words_sha
    version.pdf, version.pdf_sha256 = sealed, hashlib.sha256(sealed).hexdigest()
    record(actor, "document.sealed", version, {"text sha256": [None, words_sha], "pdf sha256": [None, version.pdf_sha256]})
