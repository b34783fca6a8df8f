"""The agreement status workflow: which transitions exist, who may make them, and why one is refused."""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "approved": _l("Approved"),
    "out_for_signature": _l("Out for signature"),
    "active": _l("Active"),
    "expired": _l("Expired"),
    "terminated": _l("Terminated"),
    "superseded": _l("Superseded"),
}
CLOSED = frozenset({"expired", "terminated", "superseded"})
LIVE = frozenset({"approved", "out_for_signature", "active"})


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str
    permission: str
    label: object


TRANSITIONS = [
    Transition("submit", "draft", "in_review", "agreement.submit", _l("Submit for review")),
    Transition("return", "in_review", "draft", "agreement.submit", _l("Return to draft")),
    Transition("approve", "in_review", "approved", "agreement.approve", _l("Approve")),
    Transition("reopen", "approved", "draft", "agreement.approve", _l("Reopen as draft")),
    Transition("send", "approved", "out_for_signature", "agreement.approve", _l("Send for signature")),
    Transition("recall", "out_for_signature", "approved", "agreement.approve", _l("Recall from signature")),
    Transition("activate", "out_for_signature", "active", "agreement.approve", _l("Mark signed and active")),
    Transition("expire", "active", "expired", "agreement.close", _l("Mark expired")),
    Transition("terminate", "active", "terminated", "agreement.close", _l("Terminate")),
    Transition("supersede", "active", "superseded", "agreement.close", _l("Mark superseded")),
]
BY_NAME = {t.name: t for t in TRANSITIONS}


def available(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == status]


def path_hint(source: str, target: str) -> str:
    """Why a status cannot be reached directly, in the user's words."""
    if source in CLOSED:
        return _("%(status)s agreements are closed; start a new agreement or an amendment instead.", status=STATUSES[source])
    steps = [t for t in TRANSITIONS if t.source == source]
    if not steps:
        return ""
    names = ", ".join(str(STATUSES[t.target]) for t in steps)
    return _("From %(status)s it can only move to: %(names)s.", status=STATUSES[source], names=names)
