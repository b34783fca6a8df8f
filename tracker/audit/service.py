"""Writing and verifying the audit chain.

Each row's hash covers its own content and the previous row's hash, so altering,
removing or reordering any row breaks the chain from that row on.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum

from sqlalchemy import select, update

from tracker.audit.models import AuditEvent, AuditHead
from tracker.extensions import db

GENESIS = "0" * 64


@dataclass
class Actor:
    """Who did it and from where; views build it from the request, commands from the shell."""

    user_id: int | None = None
    label: str = "system"
    ip: str = ""
    user_agent: str = ""


SYSTEM = Actor()


def plain(value):
    """A JSON-safe form of a column value, for change records."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def diff(before: dict, after: dict) -> dict:
    """Field-level changes: {field: [before, after]} for the fields that differ."""
    return {
        key: [plain(before.get(key)), plain(after.get(key))]
        for key in after
        if plain(before.get(key)) != plain(after.get(key))
    }


def created(snapshot: dict) -> dict:
    """The changes of a new record: every field that has a value, from nothing."""
    return {key: [None, plain(value)] for key, value in snapshot.items() if value not in (None, "", False)}


def _digest(row: AuditEvent) -> str:
    payload = json.dumps(
        [
            row.id,
            row.at.isoformat(),
            row.actor_id,
            row.actor_label,
            row.ip,
            row.user_agent,
            row.action,
            row.entity_type,
            row.entity_id,
            row.changes,
            row.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(actor: Actor, action: str, entity_type: str, entity_id, changes: dict | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (committed or rolled back with it)."""
    session = db.session
    # Taking the head row's write lock first serialises appends on every database.
    locked = session.execute(update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count + 1))
    if locked.rowcount == 0:
        session.add(AuditHead(id=1, last_hash=GENESIS, count=1))
        session.flush()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    session.refresh(head)
    next_id = (session.execute(select(db.func.max(AuditEvent.id))).scalar() or 0) + 1
    row = AuditEvent(
        id=next_id,
        at=datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0),
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        ip=(actor.ip or "")[:64],
        user_agent=(actor.user_agent or "")[:400],
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        # A JSON round trip, so the hash covers exactly what the database gives back.
        changes=json.loads(json.dumps(changes or {}, default=lambda v: str(plain(v)))),
        prev_hash=head.last_hash,
    )
    row.hash = _digest(row)
    head.last_hash = row.hash
    session.add(row)
    session.flush()
    return row


@dataclass
class Verification:
    ok: bool
    count: int
    bad_id: int | None = None
    reason: str = ""


def verify() -> Verification:
    """Walk the chain in id order; report the first row whose links or content do not hold."""
    previous = GENESIS
    count = 0
    expected_id = 1
    for row in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if row.id != expected_id:
            return Verification(False, count, row.id, f"row {expected_id} is missing before row {row.id}")
        if row.prev_hash != previous:
            return Verification(False, count, row.id, "does not follow the row before it (removed or reordered)")
        if _digest(row) != row.hash:
            return Verification(False, count, row.id, "content was altered after it was written")
        previous = row.hash
        count += 1
        expected_id += 1
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != previous:
        return Verification(False, count, None, "the newest rows were removed")
    return Verification(True, count)


def history(entity_type: str, entity_id, limit: int = 50) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        ).scalars()
    )
