"""The lifecycle of an activity report: previewed (read, matched, nothing counted yet) -> committed (a snapshot in the
trend), or discarded. The privacy purge discards a preview it finds."""
from flask_babel import lazy_gettext as _l

from tracker.lifecycle import Lifecycle, Transition

PREVIEWED, COMMITTED, DISCARDED = "previewed", "committed", "discarded"
REPORT_STATUSES = {PREVIEWED: _l("previewed"), COMMITTED: _l("committed"), DISCARDED: _l("discarded")}

ACTIVITY_REPORT = Lifecycle(REPORT_STATUSES, [
    Transition("commit", PREVIEWED, COMMITTED, _l("Commit the activity report")),
    Transition("discard", PREVIEWED, DISCARDED, _l("Discard")),
], refusals={
    "commit": _l("This activity report is not waiting to be committed (status: %(status)s)."),
    "discard": _l("This activity report is not waiting to be committed (status: %(status)s)."),
})
