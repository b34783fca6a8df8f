"""The lifecycles of the card-drive domain, as transition tables (tracker/lifecycle.py).

A card drive goes through its stages in order, planning -> forms out -> collecting -> processing ->
delivered -> follow-up -> closed: it may move on to any later stage (a school may skip one) or step back
one stage to correct a mistake. A new drive may start at any stage (one recorded when already under way).

A roster import: uploaded -> (a plain CSV without a mapping that fits: waiting for a column mapping) ->
previewed -> committed (-> undone, within 30 days), or failed (the file cannot be read); anything not committed
can be discarded, and the privacy purge discards every import of an agreement whose student data must go.
"""
from flask_babel import lazy_gettext as _l

from tracker.lifecycle import Lifecycle, Transition

PLANNING, FORMS_OUT, COLLECTING, PROCESSING, DELIVERED, FOLLOW_UP, CLOSED = (
    "planning", "forms_out", "collecting", "processing", "delivered", "follow_up", "closed")
DRIVE_STATUSES = {
    PLANNING: _l("Planning"), FORMS_OUT: _l("Forms out"), COLLECTING: _l("Collecting"), PROCESSING: _l("Processing"),
    DELIVERED: _l("Delivered"), FOLLOW_UP: _l("Follow-up"), CLOSED: _l("Closed"),
}
UNDER_WAY = frozenset(DRIVE_STATUSES) - {CLOSED}  # shown on the dashboard
_STAGES = list(DRIVE_STATUSES)

DRIVE = Lifecycle(DRIVE_STATUSES, [
    *(Transition("advance", stage, later, _l("Move on")) for i, stage in enumerate(_STAGES) for later in _STAGES[i + 1:]),
    *(Transition("step_back", stage, earlier, _l("Step back")) for earlier, stage in zip(_STAGES, _STAGES[1:])),
], field="status")

UPLOADED, MAPPING, PREVIEWED, COMMITTED, FAILED, DISCARDED, UNDONE = (
    "uploaded", "mapping", "previewed", "committed", "failed", "discarded", "undone")
IMPORT_STATUSES = {
    UPLOADED: _l("being read"), MAPPING: _l("needs a column mapping"), PREVIEWED: _l("previewed"),
    COMMITTED: _l("committed"), FAILED: _l("could not be read"), DISCARDED: _l("discarded"), UNDONE: _l("undone"),
}
_READING = (UPLOADED, MAPPING)

ROSTER_IMPORT = Lifecycle(IMPORT_STATUSES, [
    *(Transition("preview", s, PREVIEWED, _l("Read and compare with the roster")) for s in _READING),
    *(Transition("ask_mapping", s, MAPPING, _l("Ask for a column mapping")) for s in _READING),
    *(Transition("fail", s, FAILED, _l("The file cannot be read")) for s in _READING),
    Transition("commit", PREVIEWED, COMMITTED, _l("Commit the roster")),
    Transition("undo", COMMITTED, UNDONE, _l("Undo the import")),
    # discarding twice is harmless (the privacy purge may have discarded it first)
    *(Transition("discard", s, DISCARDED, _l("Discard")) for s in (UPLOADED, MAPPING, PREVIEWED, FAILED, DISCARDED)),
    *(Transition("destroy", s, DISCARDED, _l("Destroyed by the privacy purge")) for s in IMPORT_STATUSES),
], refusals={
    "commit": _l("This import is not ready to commit (status: %(status)s)."),
    "discard": _l("This import cannot be discarded."),
    "undo": _l("Only a committed import can be undone (status: %(status)s)."),
})
