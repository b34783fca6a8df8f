"""Who may do what: the one table every view and template asks.

Permissions name an action. Each lists the roles allowed to do it and the relations that allow it:
how the user's organisations stand to the agreement (or organisation) the action is on.

- party: one of the user's organisations is a party to the agreement (or is the organisation);
- above: a party sits below one of the user's organisations (a district above its party school,
  a library system above its party branch);
- below: one of the user's organisations sits below a party (a school under a party district, a
  branch under a party library system). They see the agreement and act only on what concerns
  their own organisation: their school's drive rows and students, the milestones they owe;
- partner (organisations only): the organisation is a party to an agreement the user sees (one of whose
  parties is one of the user's organisations, or above or below one): a library's partner school;
- unrelated: none of these. Unrelated users never see an agreement (404); the organisation
  directory is open to everyone for reading.

Admins act on everything. Seeing is not editing: being below a party never gives rights over the
organisations above, so a school librarian cannot edit her district.
"""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

ADMIN = "admin"
ADMINISTRATOR = "administrator"
LIBRARY_STAFF = "library_staff"
SCHOOL_LIBRARIAN = "school_librarian"
VIEWER = "viewer"

ROLES = {
    ADMIN: _l("Admin"),
    ADMINISTRATOR: _l("Administrator"),
    LIBRARY_STAFF: _l("Library staff"),
    SCHOOL_LIBRARIAN: _l("School librarian"),
    VIEWER: _l("Viewer"),
}


class Relation(StrEnum):
    """How a user's organisations stand to an agreement or an organisation."""

    PARTY = "party"
    ABOVE = "above"
    BELOW = "below"
    PARTNER = "partner"  # only ever of an organisation: a party to an agreement the user sees
    UNRELATED = "unrelated"


WHOLE = frozenset({Relation.PARTY, Relation.ABOVE})  # the whole agreement: its parties and those above them
ALSO_BELOW = WHOLE | {Relation.BELOW}  # ... and, for what concerns their own organisation, those below a party
PARTNERS = ALSO_BELOW | {Relation.PARTNER}  # ... and organisations in partnership with them (a library's schools)
ANYONE = PARTNERS | {Relation.UNRELATED}  # the shared organisation directory, and what is not inside one

# How the README's table words each reach (tests/test_permissions.py checks the two agree).
REACH_WORDS = {WHOLE: "party or above", ALSO_BELOW: "also below a party", PARTNERS: "also partners",
               ANYONE: "anyone"}

EVERYONE = frozenset(ROLES)
EDITORS = frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF, SCHOOL_LIBRARIAN})
STAFF = frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF})
APPROVERS = frozenset({ADMIN, ADMINISTRATOR})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    relations: frozenset[Relation] = WHOLE


PERMISSIONS: dict[str, Rule] = {
    # organisations and contacts
    "org.view": Rule(EVERYONE, ANYONE),
    "org.create": Rule(frozenset({ADMIN}), ANYONE),
    "org.edit": Rule(STAFF),
    "org.confirm": Rule(EDITORS),
    # ask a contact to check the organisation's details, and accept or reject what they propose (the partner's
    # own corrections: staff keep their partner schools' details current without editing them otherwise)
    "org.request_review": Rule(STAFF, PARTNERS),
    "contact.edit": Rule(EDITORS),
    # agreements
    "agreement.view": Rule(EVERYONE, ALSO_BELOW),  # overview, key dates, resources shared
    "partnership.view": Rule(EVERYONE),  # history, health survey, communication log: what concerns every party
    "agreement.create": Rule(STAFF, ANYONE),  # one of the parties must be the user's organisation or below it
    "agreement.edit": Rule(EDITORS),
    "agreement.submit": Rule(EDITORS),  # draft -> in review, and back
    "agreement.approve": Rule(APPROVERS),  # approve, send for signature, activate
    "agreement.close": Rule(APPROVERS),  # expire, terminate, supersede
    "milestone.done": Rule(EDITORS, ALSO_BELOW),  # below a party: the milestones their organisation owes or they own
    "dashboard.view": Rule(EVERYONE, ANYONE),
    "job.view": Rule(EVERYONE, ANYONE),  # only the jobs the user started (admins: all)
    "user.manage": Rule(frozenset({ADMIN}), ANYONE),
    "audit.read": Rule(frozenset({ADMIN}), ANYONE),  # the audit log page; other roles are told it does not exist
    # card drives, rosters, patron exports
    "card.view": Rule(EVERYONE, ALSO_BELOW),  # programmes, specs, drives and their counts (no student names)
    "card.manage": Rule(STAFF),  # programme, spec, drives
    "card.record": Rule(EDITORS, ALSO_BELOW),  # counts per school and grade, cards per student
    "roster.view": Rule(EDITORS, ALSO_BELOW),  # student names
    "roster.import": Rule(STAFF),
    "roster.opt_out": Rule(EDITORS, ALSO_BELOW),
    "patron.export": Rule(STAFF),
    "report.view": Rule(EVERYONE),  # annual reports of the user's agreements and organisations
    "profile.edit": Rule(EVERYONE, ANYONE),  # one's own reminder settings and calendar feed
    # the clause library and MOU documents
    "clause.view": Rule(EVERYONE, ANYONE),
    "clause.edit": Rule(frozenset({ADMIN}), ANYONE),
    "document.view": Rule(EVERYONE, ALSO_BELOW),
    "document.edit": Rule(EDITORS),  # assemble drafts, signatories, send for signature, amendments
    "document.approve": Rule(APPROVERS),  # record internal, counsel and board approvals
    "document.sign": Rule(EVERYONE, ANYONE),  # sign or decline where the user is a signatory, whoever's agreement
    "document.bulk": Rule(STAFF, ANYONE),  # one draft per school of a district
}


def allowed(role: str | None, permission: str, relation: Relation | None = None) -> bool:
    """May this role do it at all, and (given the relation to what it is done on) here?"""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}: add it to PERMISSIONS")
    rule = PERMISSIONS[permission]
    if role not in rule.roles:
        return False
    return relation is None or role == ADMIN or relation in rule.relations


def reaches(permission: str, relation: Relation) -> bool:
    """Does the relation allow the permission (whatever the role)?"""
    return relation in PERMISSIONS[permission].relations
