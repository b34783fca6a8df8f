"""Approvals before signature: internal review, approved as to form, board or council approval."""
from datetime import date

from flask_babel import gettext as _

from tracker import clock
from tracker.audit import service as audit
from tracker.documents.models import APPROVALS, Approval, DocumentVersion
from tracker.documents.history import record
from tracker.documents.workflow import FROZEN
from tracker.extensions import db
from tracker.validation import Invalid


def record_approval(actor: audit.Actor, version: DocumentVersion, kind: str, approved_on: date | None,
                    approver: str = "", resolution: str = "", note: str = "") -> Approval:
    if version.frozen:
        raise Invalid({"": str(FROZEN)})
    if not version.awaiting_approval:
        raise Invalid({"": _("Approvals are recorded once the draft is submitted for approval.")})
    errors = {}
    if kind not in version.document.needed:
        errors["kind"] = _("This document does not need that approval.") if kind in APPROVALS else _("Choose an approval.")
    elif version.approval(kind) is not None:
        errors["kind"] = _("That approval is already recorded.")
    if approved_on is None:
        errors["approved_on"] = _("Give the date of the approval.")
    elif approved_on > clock.today():
        errors["approved_on"] = _("The approval date cannot be in the future.")
    if kind == "board" and not (resolution or "").strip():
        errors["resolution"] = _("A board or council approval needs its resolution number.")
    if not (approver or "").strip():
        errors["approver"] = _("Say who approved it (a person, or the board or council).")
    elif len(approver.strip()) > 200:
        errors["approver"] = _("At most %(n)s characters.", n=200)
    if len((resolution or "").strip()) > 100:
        errors["resolution"] = _("At most %(n)s characters.", n=100)
    if errors:
        raise Invalid(errors)
    approval = Approval(kind=kind, approved_on=approved_on, approver=approver.strip(), resolution=(resolution or "").strip(),
                        note=(note or "").strip(), recorded_by_id=actor.user_id)
    version.approvals.append(approval)
    db.session.flush()
    record(actor, "document.approved", version, {
        "approval": [None, str(APPROVALS[kind])], "by": [None, approval.approver], "on": [None, approved_on.isoformat()],
        **({"resolution": [None, approval.resolution]} if approval.resolution else {}),
    })
    db.session.commit()
    return approval
