"""The agreement's lifecycle, as a transition table (tracker/lifecycle.py), with the permission each step needs.

draft -> in review -> approved -> out for signature -> active -> expired / terminated / superseded.
People take the steps that carry a permission (the status bar offers them); the app takes the others itself
when the agreement's original MOU moves: sending it for signature makes the agreement out for signature, its
last signature makes it active, and its return to draft while out for signature makes the agreement a draft
again. "Mark signed and active" stays, for an agreement signed on paper.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.lifecycle import Lifecycle, Transition

DRAFT, IN_REVIEW, APPROVED, OUT_FOR_SIGNATURE = "draft", "in_review", "approved", "out_for_signature"
ACTIVE, EXPIRED, TERMINATED, SUPERSEDED = "active", "expired", "terminated", "superseded"

STATUSES = {
    DRAFT: _l("Draft"),
    IN_REVIEW: _l("In review"),
    APPROVED: _l("Approved"),
    OUT_FOR_SIGNATURE: _l("Out for signature"),
    ACTIVE: _l("Active"),
    EXPIRED: _l("Expired"),
    TERMINATED: _l("Terminated"),
    SUPERSEDED: _l("Superseded"),
}
CLOSED = frozenset({EXPIRED, TERMINATED, SUPERSEDED})
LIVE = frozenset({APPROVED, OUT_FOR_SIGNATURE, ACTIVE})
BEFORE_SIGNATURE = frozenset({DRAFT, IN_REVIEW, APPROVED})
NEEDS_BASICS = frozenset({IN_REVIEW, APPROVED, OUT_FOR_SIGNATURE})  # a purpose and an effective date first

AGREEMENT = Lifecycle(STATUSES, [
    Transition("submit", DRAFT, IN_REVIEW, _l("Submit for review"), "agreement.submit"),
    Transition("return", IN_REVIEW, DRAFT, _l("Return to draft"), "agreement.submit"),
    Transition("approve", IN_REVIEW, APPROVED, _l("Approve"), "agreement.approve"),
    Transition("reopen", APPROVED, DRAFT, _l("Reopen as draft"), "agreement.approve"),
    Transition("send", APPROVED, OUT_FOR_SIGNATURE, _l("Send for signature"), "agreement.approve"),
    Transition("recall", OUT_FOR_SIGNATURE, APPROVED, _l("Recall from signature"), "agreement.approve"),
    Transition("activate", OUT_FOR_SIGNATURE, ACTIVE, _l("Mark signed and active"), "agreement.approve"),
    Transition("expire", ACTIVE, EXPIRED, _l("Mark expired"), "agreement.close"),
    Transition("terminate", ACTIVE, TERMINATED, _l("Terminate"), "agreement.close"),
    Transition("supersede", ACTIVE, SUPERSEDED, _l("Mark superseded"), "agreement.close"),
    # Taken by the app when the original MOU moves (tracker/documents/signing.py).
    *[Transition("document_sent", status, OUT_FOR_SIGNATURE, _l("Its MOU went out for signature"))
      for status in BEFORE_SIGNATURE],
    *[Transition("document_signed", status, ACTIVE, _l("Its MOU was signed by everyone"))
      for status in BEFORE_SIGNATURE | {OUT_FOR_SIGNATURE}],
    # Its MOU went back to draft while out for signature (recalled, or declined and returned): its approvals
    # lapsed, so the agreement is a draft again, to be reviewed and sent once more.
    Transition("document_returned", OUT_FOR_SIGNATURE, DRAFT, _l("Its MOU went back to draft")),
])
BY_NAME = {t.name: t for t in AGREEMENT.transitions if t.permission}  # the steps people take, by name


def available(status: str) -> list[Transition]:
    """The steps a person may take from this status (the status bar's buttons)."""
    return [t for t in AGREEMENT.available(status) if t.permission]


def path_hint(source: str, target: str) -> str:
    """Why a status cannot be reached directly, in the user's words."""
    if source in CLOSED:
        return _("%(status)s agreements are closed; start a new agreement or an amendment instead.", status=STATUSES[source])
    steps = available(source)
    if not steps:
        return ""
    names = ", ".join(str(STATUSES[t.target]) for t in steps)
    return _("From %(status)s it can only move to: %(names)s.", status=STATUSES[source], names=names)
