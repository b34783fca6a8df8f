"""The lifecycles of sign-off, as transition tables (tracker/lifecycle.py).

An MOU version: draft -> awaiting approval -> out for signature -> signed and sealed (by the last signature),
or declined by a signer; from awaiting approval, out for signature or declined it can return to draft. When the
timestamping server cannot be reached, the last signature still lands: the version is signed and waits for its
seal (a job tries again), then is sealed; nothing returns it to draft meanwhile.
Each signatory: pending -> signed or declined, and back to pending when the version returns to draft.
"""
from flask_babel import lazy_gettext as _l

from tracker.lifecycle import Lifecycle, Transition

DRAFT, REVIEW, SIGNING, DECLINED, SIGNED = "draft", "review", "signing", "declined", "signed"
SEALING = "sealing"  # signed by everyone, waiting for the timestamp its seal needs
PENDING = "pending"  # a signatory's, with SIGNED and DECLINED

VERSION_STATUSES = {
    DRAFT: _l("Draft"),
    REVIEW: _l("Awaiting approval"),
    SIGNING: _l("Out for signature"),
    DECLINED: _l("Declined"),
    SEALING: _l("Signed, waiting for its seal"),
    SIGNED: _l("Signed and sealed"),
}
EDITABLE = frozenset({DRAFT})  # its text and settings can change
BEFORE_SIGNING = frozenset({DRAFT, REVIEW})  # its signatories can change

NOT_OUT = _l("This document is not out for signature (it may have been recalled or declined).")
NOT_EDITABLE = _l("This version is %(status)s; return it to draft before changing its text or settings.")
FROZEN = _l("This version is signed and frozen; nothing in it can change. Start an amendment instead.")

VERSION = Lifecycle(VERSION_STATUSES, [
    Transition("submit", DRAFT, REVIEW, _l("Submit for approval")),
    Transition("send", REVIEW, SIGNING, _l("Send for signature")),
    Transition("seal", SIGNING, SIGNED, _l("Signed by everyone: sealed")),
    Transition("await_seal", SIGNING, SEALING, _l("Signed by everyone: the seal waits for the timestamping server")),
    Transition("seal", SEALING, SIGNED, _l("Sealed with its timestamp")),
    Transition("decline", SIGNING, DECLINED, _l("Declined by a signer")),
    Transition("return", REVIEW, DRAFT, _l("Return to draft")),
    Transition("return", SIGNING, DRAFT, _l("Recall to draft")),
    Transition("return", DECLINED, DRAFT, _l("Return to draft")),
], refusals={
    "submit": NOT_EDITABLE,
    "send": _l("Only a version awaiting approval can be sent for signature."),
    "seal": NOT_OUT,
    "decline": NOT_OUT,
    "await_seal": NOT_OUT,
    "return": _l("This version is already a draft."),
    ("return", SEALING): _l("This version is signed by everyone and waits only for its seal; it cannot return to draft."),
    ("return", SIGNED): FROZEN,
})

SIGNATORY_STATUSES = {PENDING: _l("not yet"), SIGNED: _l("signed"), DECLINED: _l("declined")}
SIGNED_ALREADY = _l("This signature has already been given.")
DECLINED_ALREADY = _l("This signatory declined.")

SIGNATORY = Lifecycle(SIGNATORY_STATUSES, [
    Transition("sign", PENDING, SIGNED, _l("Sign")),
    Transition("decline", PENDING, DECLINED, _l("Decline to sign")),
    Transition("reset", SIGNED, PENDING, _l("Signature lapsed (back to draft)")),
    Transition("reset", DECLINED, PENDING, _l("Refusal lapsed (back to draft)")),
], refusals={
    ("sign", SIGNED): SIGNED_ALREADY, ("sign", DECLINED): DECLINED_ALREADY,
    ("decline", SIGNED): SIGNED_ALREADY, ("decline", DECLINED): DECLINED_ALREADY,
})
