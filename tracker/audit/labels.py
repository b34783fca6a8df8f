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
}
HIDDEN_FIELDS = frozenset({"version"})  # bookkeeping, not something people changed


def describe(action: str) -> str:
    return str(ACTIONS.get(action, action))


def shown_changes(changes: dict) -> list[tuple[str, object]]:
    return [(field.replace("_", " "), values) for field, values in changes.items() if field not in HIDDEN_FIELDS]
