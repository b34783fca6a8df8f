"""How audit actions read in the History sections."""
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "organisation.created": _l("created the organisation"),
    "organisation.updated": _l("changed the organisation"),
    "organisation.confirmed": _l("confirmed the details are current"),
    "organisation.logo_set": _l("uploaded a logo"),
    "organisation.logo_removed": _l("removed the logo"),
    "contact.created": _l("added a contact"),
    "contact.updated": _l("changed a contact"),
    "contact.removed": _l("removed a contact"),
    "user.signup_domain_added": _l("allowed sign-up through single sign-on for an email domain"),
    "user.signup_domain_removed": _l("stopped sign-up through single sign-on for an email domain"),
    "organisation.partner_link_sent": _l("emailed a contact a link to confirm or correct the details"),
    "organisation.partner_confirmed": _l("confirmed through their emailed link that the details are correct"),
    "organisation.partner_proposed": _l("proposed corrections through their emailed link"),
    "organisation.partner_change_accepted": _l("accepted a proposed correction of the organisation"),
    "organisation.partner_change_rejected": _l("rejected a proposed correction"),
    "contact.partner_change_accepted": _l("accepted a proposed correction of a contact"),
    "contact.partner_added": _l("accepted a proposed new contact"),
    "contact.partner_removed": _l("accepted the proposed removal of a contact"),
    "agreement.created": _l("created the agreement"),
    "agreement.updated": _l("changed the agreement"),
    "agreement.status_changed": _l("changed the status"),
    "agreement.party_added": _l("added a party"),
    "agreement.party_removed": _l("removed a party"),
    "agreement.goal_added": _l("added a goal"),
    "agreement.goal_updated": _l("changed a goal"),
    "agreement.goal_removed": _l("removed a goal"),
    "audit.chain_keyed": _l("started the keyed audit chain"),
    "audit.key_rotated": _l("changed the audit key"),
    "auth.login": _l("signed in"),
    "auth.logout": _l("signed out"),
    "auth.login_failed": _l("failed to sign in"),
    "auth.session_ended": _l("ended one of their sessions"),
    "auth.sessions_ended": _l("signed out everywhere else"),
    "user.created": _l("created the account"),
    "user.updated": _l("changed the account"),
    "user.password_set": _l("set a new password"),
    "user.invited": _l("emailed an invitation to choose a password"),
    "user.requested": _l("asked for an account by signing in with single sign-on"),
    "user.approved": _l("approved the account"),
    "auth.sso_refused": _l("was refused single sign-on: no account, and the domain may not ask for one"),
    "user.invitation_accepted": _l("accepted the invitation and chose a password"),
    "auth.reset_requested": _l("asked for a password-reset email"),
    "auth.password_reset": _l("chose a new password through a reset link"),
    "auth.password_changed": _l("changed their password"),
    "auth.password_change_failed": _l("gave a wrong current password when changing it"),
    "card_programme.created": _l("set up the card programme"),
    "card_programme.updated": _l("changed the card programme"),
    "card_programme.amended": _l("changed the card programme by a signed amendment"),
    "agreement.amended": _l("changed the agreement's terms by a signed amendment"),
    "data_sharing_spec.created": _l("recorded the data-sharing spec"),
    "data_sharing_spec.updated": _l("changed the data-sharing spec"),
    "drive.created": _l("created the card drive"),
    "drive.updated": _l("changed the card drive"),
    "drive.counts_recorded": _l("recorded card counts"),
    "drive.enrolment_from_roster": _l("took enrolment from the roster"),
    "student.card_status": _l("recorded a student's card"),
    "roster.mapping_saved": _l("saved a roster column mapping"),
    "roster.imported": _l("imported a roster"),
    "roster.import_undone": _l("undid a roster import"),
    "roster.consented": _l("recorded consents"),
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
    "document.seal_waiting": _l("waited for the timestamping server"),
    "document.amendment_started": _l("started an amendment"),
}
HIDDEN_FIELDS = frozenset({"version"})  # bookkeeping, not something people changed


def actor_name(label: str) -> str:
    """Who did it, as a name: "Dana Director" for "Dana Director <dana@...>"; the system in words."""
    if label in ("", "system"):
        return str(_l("The system"))
    if label == "anonymous":
        return str(_l("Someone not signed in"))
    if label == "command line":
        return str(_l("An operator (command line)"))
    return label.split(" <")[0]


def describe(action: str) -> str:
    """How an action reads; one without a label reads as its words, never as a code."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    return action.replace(".", " ").replace("_", " ")

