"""A version's history: every change to a version is audited against ("document_version", id), and that
history becomes the audit certificate of its signed PDF. The lowest piece of the package: the services
that change a version and the PDF that prints its history all stand on it."""
from tracker.audit import service as audit
from tracker.documents.models import DocumentVersion

ENTITY = "document_version"


def record(actor: audit.Actor, action: str, version: DocumentVersion, changes: dict | None = None) -> None:
    audit.record(actor, action, ENTITY, version.id, changes or {})

