"""Undoing a committed roster import, for 30 days: the commit keeps what it changed (the students it added, the
values it overwrote, the students it marked as left) on the import row, and the undo puts them back exactly,
recorded in the audit log.

What is kept is student data: it is dropped after 30 days (`privacy.drop_stale_uploads`) and with the rest of the
roster by the privacy purge, on the data-sharing spec's destruction date.
"""
import json
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from tracker.audit import service as audit
from tracker.cards.models import RosterImport, Student
from tracker.cards.student_rows import CHUNK
from tracker.cards.workflow import COMMITTED, ROSTER_IMPORT
from tracker.extensions import db
from tracker.validation import Invalid

DAYS = 30
RESTORED = ("school_id", "active", "left_on", "identifier", "given_name", "middle_name", "family_name", "grade",
            "birth_date", "email", "username", "updated_at", "class_name", "home_language")
DATES = {"left_on": date.fromisoformat, "birth_date": date.fromisoformat, "updated_at": datetime.fromisoformat}


def _text(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def before(ids: list[int], active_only: bool = False) -> list[list]:
    """The current values of these students (only the active ones, with `active_only`), as the undo will
    restore them: [id, *RESTORED]."""
    columns = [Student.id, *(getattr(Student, c) for c in RESTORED)]
    out = []
    for start in range(0, len(ids), CHUNK):
        query = select(*columns).where(Student.id.in_(ids[start:start + CHUNK]))
        if active_only:
            query = query.where(Student.active.is_(True))
        out += [[_text(v) for v in row] for row in db.session.execute(query)]
    return out


def added(agreement_id: int, source_ids: set[str]) -> list[int]:
    """The ids of these students of an agreement, read in one pass over its roster (not a query per chunk)."""
    if not source_ids:
        return []
    rows = db.session.connection().execute(select(Student.id, Student.source_id).where(Student.agreement_id == agreement_id))
    return [i for i, source in rows if source in source_ids]


def keep(staged: RosterImport, new_ids: list[int], overwritten: list[list], left: int) -> None:
    """Keep what the commit changed: the students it added, and the values before it of the students it
    updated or marked as left (`left` of them)."""
    staged.undo = json.dumps({"new": new_ids, "updated": overwritten, "left": left}, separators=(",", ":"))


def refusal(staged: RosterImport, now: datetime) -> str | None:
    """Why this import cannot be undone now, in words; None when it can."""
    if not staged.allows("undo"):
        return ROSTER_IMPORT.refusal(staged.status, "undo")
    if staged.committed_at is None or staged.committed_at < now - timedelta(days=DAYS):
        return _("This import was committed more than %(days)s days ago; it can no longer be undone.", days=DAYS)
    later = db.session.scalars(select(RosterImport).where(
        RosterImport.agreement_id == staged.agreement_id, RosterImport.status == COMMITTED,
        RosterImport.committed_at > staged.committed_at).order_by(RosterImport.committed_at)).all()
    if later:
        return _("Later imports build on this one: %(imports)s. Undo them first, the latest first.",
                 imports=", ".join(f"{i.filename} ({i.committed_at:%Y-%m-%d %H:%M} UTC)" for i in later))
    if not staged.undo:
        return _("What this import changed is no longer kept (the privacy purge or the 30 days removed it).")
    kept = json.loads(staged.undo)
    carded = db.session.scalar(select(func.count(Student.id)).where(Student.id.in_(kept["new"][:CHUNK]),
                                                                   Student.card_status != ""))
    if carded:
        return _("%(n)s students this import added have had their card recorded since; the drive's counts build on "
                 "them, so the import cannot be undone.", n=carded)
    return None


def undo(actor, staged: RosterImport, now: datetime | None = None) -> dict:
    """Put the roster back as it was before this import, in one transaction."""
    now = now or datetime.utcnow()
    why = refusal(staged, now)
    if why:
        raise Invalid({"": why})
    kept = json.loads(staged.undo)
    try:
        for start in range(0, len(kept["new"]), CHUNK):
            db.session.execute(delete(Student).where(Student.id.in_(kept["new"][start:start + CHUNK])))
        rows = []
        for student_id, *values in kept["updated"]:
            row = {"id": student_id, **dict(zip(RESTORED, values))}
            for column, parse in DATES.items():
                row[column] = parse(row[column]) if row[column] else None
            rows.append(row)
        for start in range(0, len(rows), CHUNK):
            db.session.execute(update(Student), rows[start:start + CHUNK])
        counts = {"removed": len(kept["new"]), "restored": len(rows) - kept["left"], "back": kept["left"]}
        ROSTER_IMPORT.move(staged, "undo")
        staged.undo, staged.undone_at = None, now
        staged.summary = {**staged.summary, "undone": counts}
        audit.record(actor, "roster.import_undone", "agreement", staged.agreement_id,
                     {"file": [None, staged.filename], **{k: [None, v] for k, v in counts.items()}})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts
