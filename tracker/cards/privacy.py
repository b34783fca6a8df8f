"""Privacy duties: student rows go when the data-sharing spec's destruction date has passed.
The drive counts (aggregates) stay; each destruction is recorded in the audit log, without names."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from tracker import clock
from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.cards.models import DataSharingSpec, RosterImport, Student
from tracker.cards.programme import destruction_date
from tracker.cards.undo import DAYS as UNDO_DAYS
from tracker.cards.workflow import ROSTER_IMPORT
from tracker.extensions import db
from tracker.registry import Registry


@dataclass(frozen=True)
class Held:
    """Student data another package keeps for an agreement (family codes, card activity), destroyed with its roster.
    `count(agreement_id)`: how many rows it holds; `destroy(agreement_id)`: delete them (the purge commits). The
    audit entry of the purge records the count under `recorded_as`."""

    key: str
    recorded_as: str
    count: Callable[[int], int]
    destroy: Callable[[int], object]


HELD = Registry()


def add_held(held: Held) -> None:
    HELD.add(held)


def due(today: date) -> list[tuple[Agreement, date]]:
    """Agreements whose roster must be destroyed by today."""
    rows = db.session.execute(select(Agreement, DataSharingSpec).join(DataSharingSpec, DataSharingSpec.agreement_id == Agreement.id)).all()
    return [(a, when) for a, spec in rows if (when := destruction_date(spec, a)) and when <= today]


STAGED_DAYS = 7  # an upload nobody committed or discarded is dropped after this many days


def drop_stale_uploads(actor, now: datetime) -> int:
    """Roster files previewed but never committed hold student data too: drop them after a week."""
    sources, discarded = ROSTER_IMPORT.bulk("discard")
    stale = select(RosterImport.id).where(RosterImport.created_at < now - timedelta(days=STAGED_DAYS),
                                          or_(RosterImport.upload.is_not(None), RosterImport.parsed.is_not(None)),
                                          RosterImport.status.in_(sources))
    ids = list(db.session.scalars(stale))
    # What a commit kept to be undone is student data too: it goes once the 30 days to undo have passed.
    db.session.execute(update(RosterImport).where(RosterImport.committed_at < now - timedelta(days=UNDO_DAYS),
                                                  RosterImport.undo.is_not(None)).values(undo=None))
    db.session.commit()
    if ids:
        db.session.execute(update(RosterImport).where(RosterImport.id.in_(ids))
                           .values(upload=None, parsed=None, summary={}, status=discarded))
        audit.record(actor, "privacy.uploads_dropped", "roster_import", ids[0], {"imports": [None, len(ids)]})
        db.session.commit()
    return len(ids)


def purge(actor, today: date | None = None) -> list[dict]:
    """Delete the students (and any staged uploads) of every agreement past its destruction date."""
    today = today or clock.today()
    done = []
    for agreement, when in due(today):
        count = db.session.scalar(select(func.count(Student.id)).where(Student.agreement_id == agreement.id))
        staged = db.session.scalar(select(func.count(RosterImport.id)).where(
            RosterImport.agreement_id == agreement.id, RosterImport.upload.is_not(None)))
        held = {h.recorded_as: h.count(agreement.id) for h in HELD}
        if not count and not staged and not any(held.values()):
            continue
        for h in HELD:  # before the students: what is held of them goes first
            h.destroy(agreement.id)
        db.session.execute(delete(Student).where(Student.agreement_id == agreement.id))
        # the preview's summary can quote ids, dates or (headerless files) names; a file name can name a class
        sources, destroyed = ROSTER_IMPORT.bulk("destroy")
        db.session.execute(update(RosterImport).where(RosterImport.agreement_id == agreement.id, RosterImport.status.in_(sources))
                           .values(upload=None, parsed=None, undo=None, summary={}, filename="(destroyed)", status=destroyed))
        audit.record(actor, "privacy.purged", "agreement", agreement.id, {
            "students_deleted": [None, count], "staged_files_deleted": [None, staged],
            **{name: [None, n] for name, n in held.items()},
            "destruction_date": [None, when.isoformat()], "run_on": [None, today.isoformat()], "run_by": [None, actor.label],
        })
        db.session.commit()
        done.append({"agreement_id": agreement.id, "title": agreement.title, "students": count, "destruction_date": when})
    return done
