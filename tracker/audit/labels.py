"""How audit actions read in the History sections."""
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "organisation.created": _l("created the organisation"),
    "organisation.updated": _l("changed the organisation"),
    "organisation.confirmed": _l("confirmed the details are current"),
    "contact.created": _l("added a contact"),
    "contact.updated": _l("changed a contact"),
    "contact.removed": _l("removed a contact"),
    "agreement.created": _l("created the agreement"),
    "agreement.updated": _l("changed the agreement"),
    "agreement.status_changed": _l("changed the status"),
    "agreement.party_added": _l("added a party"),
    "agreement.party_removed": _l("removed a party"),
    "agreement.goal_added": _l("added a goal"),
    "agreement.goal_updated": _l("changed a goal"),
    "agreement.goal_removed": _l("removed a goal"),
    "auth.login": _l("signed in"),
    "auth.logout": _l("signed out"),
    "auth.login_failed": _l("failed to sign in"),
    "user.created": _l("created the account"),
    "user.updated": _l("changed the account"),
    "user.password_set": _l("set a new password"),
    "clause.created": _l("added a clause to the library"),
    "clause.updated": _l("changed a library clause"),
    "agreement.document_created": _l("created an MOU document"),
    "document.created": _l("created the MOU draft"),
    "document.copied_from_template": _l("copied the clauses of a template MOU"),
    "document.clause_added": _l("added a clause"),
    "document.clause_edited": _l("edited a clause"),
    "document.clause_moved": _l("moved a clause"),
    "document.clause_removed": _l("removed a clause"),
    "document.settings_changed": _l("changed the approvals, signing order or terms"),
    "document.submitted": _l("submitted the draft for approval"),
    "document.returned_to_draft": _l("returned the version to draft"),
    "document.approved": _l("recorded an approval"),
    "document.signatory_added": _l("added a signatory"),
    "document.signatory_removed": _l("removed a signatory"),
    "document.sent_for_signature": _l("sent the version for signature"),
    "document.link_sent": _l("emailed a signing link"),
    "document.link_opened": _l("opened the signing link"),
    "document.link_revoked": _l("revoked a signing link"),
    "document.reminder_sent": _l("sent a reminder to sign"),
    "document.signed": _l("signed"),
    "document.declined": _l("declined to sign"),
    "document.sealed": _l("froze, rendered and sealed the signed PDF"),
    "document.amendment_started": _l("started an amendment"),
}
HIDDEN_FIELDS = frozenset({"version"})  # bookkeeping, not something people changed


def describe(action: str) -> str:
    return str(ACTIONS.get(action, action))


def shown_changes(changes: dict) -> list[tuple[str, object]]:
    return [(field.replace("_", " "), values) for field, values in changes.items() if field not in HIDDEN_FIELDS]
