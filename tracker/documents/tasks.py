"""What waits for someone: the signatures and approvals of a user's task list and dashboard."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker.agreements.models import Agreement
from tracker.auth.permissions import WHOLE, allowed
from tracker.documents.models import APPROVALS, Document, DocumentVersion, Signatory
from tracker.documents.signing import whose_turn
from tracker.documents.workflow import PENDING, REVIEW, SIGNING
from tracker.extensions import db
from tracker.scope.agreements import visible
from tracker.scope.users import scope_of


# A signature someone owes: a pending signatory of a version out for signature (their turn or not).
OWED_SIGNATURE = (Signatory.status == PENDING, DocumentVersion.status == SIGNING)


@dataclass
class Task:
    kind: str  # "sign" or "approve"
    what: str  # what to do, in words
    agreement_id: int
    agreement_title: str
    version_id: int
    version_label: str
    since: datetime

    @property
    def url(self) -> str:
        suffix = "/sign" if self.kind == "sign" else ""
        return f"/agreements/{self.agreement_id}/versions/{self.version_id}{suffix}"


def pending_for(user) -> list[Task]:
    """Signatures waiting for this user (their turn now), then approvals they may record."""
    found = []
    rows = db.session.execute(
        select(Signatory).join(DocumentVersion, Signatory.version_id == DocumentVersion.id)
        .where(Signatory.user_id == user.id, *OWED_SIGNATURE)
        .order_by(Signatory.id)
    ).scalars()
    for signatory in rows:
        version = signatory.version
        if signatory in whose_turn(version):
            agreement = version.document.agreement
            found.append(Task("sign", signatory.capacity_label, agreement.id, agreement.title, version.id, version.label,
                              version.created_at))
    if allowed(user.role, "document.approve"):  # approvals are for those who see the whole agreement
        query = (select(DocumentVersion).join(Document, DocumentVersion.document_id == Document.id)
                 .join(Agreement, Document.agreement_id == Agreement.id).where(DocumentVersion.status == REVIEW)
                 .order_by(DocumentVersion.id))
        for version in db.session.execute(visible(query, scope_of(user), WHOLE)).scalars():
            agreement = version.document.agreement
            for kind in version.missing_approvals:
                found.append(Task("approve", str(APPROVALS[kind]), agreement.id, agreement.title, version.id,
                                  version.label, version.created_at))
    return found
