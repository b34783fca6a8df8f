"""Who may do what: the one table every view and template asks.

Permissions name an action; each lists the roles allowed to do it. Scoping by
organisation comes on top: apart from admins, a user acts only on agreements that
one of their organisations (or one below it) is party to, and edits only
organisations at or below their own.
"""
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

EVERYONE = frozenset(ROLES)
EDITORS = frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF, SCHOOL_LIBRARIAN})

PERMISSIONS: dict[str, frozenset[str]] = {
    # organisations and contacts
    "org.view": EVERYONE,
    "org.create": frozenset({ADMIN}),
    "org.edit": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF}),
    "org.confirm": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF, SCHOOL_LIBRARIAN}),
    "contact.edit": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF, SCHOOL_LIBRARIAN}),
    # agreements
    "agreement.view": EVERYONE,
    "agreement.create": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF}),
    "agreement.edit": EDITORS,
    "agreement.submit": EDITORS,  # draft -> in review, and back
    "agreement.approve": frozenset({ADMIN, ADMINISTRATOR}),  # approve, send for signature, activate
    "agreement.close": frozenset({ADMIN, ADMINISTRATOR}),  # expire, terminate, supersede
    "dashboard.view": EVERYONE,
    "job.view": EVERYONE,  # only the jobs the user started (admins: all)
    "user.manage": frozenset({ADMIN}),
    # card drives, rosters, patron exports
    "card.view": EVERYONE,  # programmes, specs, drives and their counts (no student names)
    "card.manage": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF}),  # programme, spec, drives
    "card.record": EDITORS,  # counts per school and grade, cards per student
    "roster.view": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF, SCHOOL_LIBRARIAN}),  # student names
    "roster.import": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF}),
    "roster.opt_out": EDITORS,
    "patron.export": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF}),
    "report.view": EVERYONE,  # annual reports of the user's agreements and organisations
    "profile.edit": EVERYONE,  # one's own reminder settings and calendar feed
    # the clause library and MOU documents
    "clause.view": EVERYONE,
    "clause.edit": frozenset({ADMIN}),
    "document.view": EVERYONE,
    "document.edit": EDITORS,  # assemble drafts, signatories, send for signature, amendments
    "document.approve": frozenset({ADMIN, ADMINISTRATOR}),  # record internal, counsel and board approvals
    "document.sign": EVERYONE,  # sign or decline where the user is a signatory
    "document.bulk": frozenset({ADMIN, ADMINISTRATOR, LIBRARY_STAFF}),  # one draft per school of a district
}


def allowed(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}: add it to PERMISSIONS")
    return role in PERMISSIONS[permission]

