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
    "card_programme.created": _l("set up the card programme"),
    "card_programme.updated": _l("changed the card programme"),
    "data_sharing_spec.created": _l("recorded the data-sharing spec"),
    "data_sharing_spec.updated": _l("changed the data-sharing spec"),
    "drive.created": _l("created the card drive"),
    "drive.updated": _l("changed the card drive"),
    "drive.counts_recorded": _l("recorded card counts"),
    "drive.enrolment_from_roster": _l("took enrolment from the roster"),
    "student.card_status": _l("recorded a student's card"),
    "roster.mapping_saved": _l("saved a roster column mapping"),
    "roster.imported": _l("imported a roster"),
    "roster.opted_out": _l("recorded opt-outs"),
    "patrons.exported": _l("exported a patron file"),
    "privacy.purged": _l("destroyed student data past its destruction date"),
    "privacy.uploads_dropped": _l("dropped roster uploads nobody committed"),
    "resource.added": _l("added a shared resource"),
    "resource.updated": _l("changed a shared resource"),
    "resource.removed": _l("removed a shared resource"),
    "milestone.added": _l("added a milestone"),
    "milestone.updated": _l("changed a milestone"),
    "milestone.removed": _l("removed a milestone"),
    "milestone.template_applied": _l("applied a timeline template"),
    "communication.logged": _l("logged a meeting, call or note"),
    "survey.opened": _l("opened a survey round"),
    "survey.answered": _l("answered the partnership survey"),
    "calendar.feed_created": _l("made a calendar feed"),
    "calendar.feed_revoked": _l("revoked their calendar feeds"),
    "calendar.feed_regenerated": _l("made a new calendar feed address"),
    "reminders.preferences_changed": _l("changed their reminder settings"),
}
HIDDEN_FIELDS = frozenset({"version"})  # bookkeeping, not something people changed


def describe(action: str) -> str:
    return str(ACTIONS.get(action, action))


def shown_changes(changes: dict) -> list[tuple[str, object]]:
    return [(field.replace("_", " "), values) for field, values in changes.items() if field not in HIDDEN_FIELDS]
