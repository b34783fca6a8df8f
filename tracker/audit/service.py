"""Writing and verifying the audit chain.

Each row's hash covers its own content and the previous row's hash, so altering,
removing or reordering any row breaks the chain from that row on. The hash is an
HMAC-SHA256 with the audit key (tracker.audit.keys), which lives outside the database,
so someone who can write to the database cannot recompute it. Rows written before the
chain was keyed keep their plain SHA-256 and verify as before; a marker row
("audit.chain_keyed") starts the keyed part, and no unkeyed row may follow it.
Signed checkpoints outside the database (tracker.audit.checkpoints) pin the head and
count, so the newest rows cannot be removed unnoticed once a checkpoint counted them.

Services record an edit with `populate_and_record`: it sets the new values and records the fields that changed.
"""
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select, update

from tracker.audit import checkpoints, keys
from tracker.audit.checkpoints import GENESIS, MARKER
from tracker.audit.models import AuditEvent, AuditHead
from tracker.extensions import db

ROTATED = "audit.key_rotated"


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


class Shown(NamedTuple):
    """How the history shows a field that is not shown as its stored value: under `name`, as `read(obj)`
    gives it (an organisation's name rather than its id, a kind's label, a list of names)."""

    name: str
    read: Callable[[Any], Any]


def values(obj, fields: Iterable[str], shown: Mapping[str, Shown] | None = None) -> dict:
    """`fields` of `obj` (an object's attributes, or a dict's items) as the history shows them."""
    found = {}
    for field in fields:
        how = (shown or {}).get(field)
        if how is not None:
            found[how.name] = how.read(obj)
        else:
            found[field] = obj.get(field) if isinstance(obj, Mapping) else getattr(obj, field)
    return found


def populate(obj, data: Mapping, fields: Iterable[str] | None = None, *, shown: Mapping[str, Shown] | None = None,
             prefix: str = "") -> dict:
    """Set the values of `data` on `obj` (only `fields`, in their order, when given) and return what changed,
    as the history shows it: {prefix + field: [before, after]}. Indico's populate_from_dict(..., track_changes=True).

    `obj` is a model (attributes are set) or a dict (items are set).
    """
    keys = [f for f in (data if fields is None else fields) if f in data]
    before = values(obj, keys, shown)
    for key in keys:
        if isinstance(obj, MutableMapping):
            obj[key] = data[key]
        else:
            setattr(obj, key, data[key])
    return {prefix + key: change for key, change in diff(before, values(obj, keys, shown)).items()}


def populate_and_record(actor: Actor, obj, data: Mapping, action: str, entity_type: str, entity_id,
                        fields: Iterable[str] | None = None, *, shown: Mapping[str, Shown] | None = None,
                        prefix: str = "", about: dict | None = None, always: bool = False) -> dict:
    """`populate`, then record the changes as one event of `entity_type` `entity_id`, after the entries of `about`
    (what was changed, e.g. {"contact": name}). Nothing changed, nothing is recorded, unless `always`.
    Returns the changes (without `about`)."""
    changes = populate(obj, data, fields, shown=shown, prefix=prefix)
    if changes or always:
        record(actor, action, entity_type, entity_id, {**(about or {}), **changes})
    return changes


def _payload(row: AuditEvent) -> bytes:
    """What a row's hash covers: its content, the previous row's hash and (keyed rows) the key id."""
    fields = [
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
    ]
    if row.key_id is not None:
        fields.append(row.key_id)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def _unkeyed_digest(row: AuditEvent) -> str:
    """Rows written before the chain was keyed: plain SHA-256, as they always were."""
    return hashlib.sha256(_payload(row)).hexdigest()


def record(actor: Actor, action: str, entity_type: str, entity_id, changes: dict | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (committed or rolled back with it)."""
    session = db.session
    key = keys.current()
    # Taking the head row's write lock first serialises appends on every database.
    locked = session.execute(update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count + 1))
    if locked.rowcount == 0:
        session.add(AuditHead(id=1, last_hash=GENESIS, count=1))
        session.flush()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    session.refresh(head)
    next_id = (session.execute(select(db.func.max(AuditEvent.id))).scalar() or 0) + 1
    written = 1
    if head.key_id is None:
        # The first row under a key is a marker that starts the keyed part of the chain.
        _append(session, head, key, next_id, SYSTEM, MARKER, "audit", "chain", {"key_id": [None, key.id]})
        head.count += 1
        next_id += 1
        written += 1
        session.info[checkpoints.DUE] = True
    row = _append(session, head, key, next_id, actor, action, entity_type, entity_id, changes)
    if head.count // checkpoints.CHECKPOINT_EVERY != (head.count - written) // checkpoints.CHECKPOINT_EVERY:
        session.info[checkpoints.DUE] = True
    session.flush()
    return row


def _append(session, head: AuditHead, key: keys.AuditKey, row_id: int, actor: Actor, action: str,
            entity_type: str, entity_id, changes: dict | None) -> AuditEvent:
    row = AuditEvent(
        id=row_id,
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
        key_id=key.id,
    )
    row.hash = key.digest(_payload(row))
    head.last_hash = row.hash
    head.key_id = key.id
    session.add(row)
    return row


@dataclass
class Verification:
    ok: bool
    count: int
    bad_id: int | None = None
    reason: str = ""
    unkeyed: int = 0  # rows from before the chain was keyed
    checkpoint: checkpoints.Checkpoint | None = None  # the latest, when there is one
    missing_key: str | None = None  # the id of a key a row names and this instance does not have
    start: int = 0  # rows taken on trust from the checkpoint (the bounded check): the walk began after them

    @property
    def not_checkpointed(self) -> int:
        return self.count - (self.checkpoint.count if self.checkpoint else 0)


def verify(checkpoint_file: Path | None = None) -> Verification:
    """Walk the chain in id order; report the first row whose links, key or content do not hold,
    or that a checkpoint contradicts.

    Raises checkpoints.CheckpointsInvalid when the checkpoint file itself does not hold.
    """
    found = checkpoints.read(checkpoint_file)
    pinned: dict[int, list[checkpoints.Checkpoint]] = {}  # row id -> checkpoints that recorded its hash as the head
    for checkpoint in found:
        pinned.setdefault(checkpoint.count, []).append(checkpoint)
    keyed_from = next((c.keyed_from for c in found if c.keyed_from is not None), None)
    latest = max(found, key=lambda c: c.count, default=None)
    state = Verification(True, 0, checkpoint=latest)
    rows = select(AuditEvent).order_by(AuditEvent.id)
    return _walk(state, rows, GENESIS, False, keyed_from, pinned)


def verify_since_checkpoint() -> Verification:
    """The /audit page's check, bounded whatever the log's size: the newest checkpoint's signature, the row it
    pins (its hash and content), then every row after it, and the head. Rows the checkpoint counted are taken
    as `audit verify` last found them (`start`). Without a checkpoint the whole (short) chain is walked.

    Raises checkpoints.CheckpointsInvalid when the newest checkpoint does not hold.
    """
    latest = next(iter(checkpoints.read(latest_only=True)), None)
    if latest is None or latest.count == 0:
        return verify()
    state = Verification(True, latest.count - 1, checkpoint=latest, start=latest.count)
    pinned_row = db.session.get(AuditEvent, latest.count)
    if pinned_row is None:
        state.count = db.session.scalar(select(db.func.count(AuditEvent.id)))
        state.ok, state.bad_id = False, latest.count
        state.reason = f"row {latest.count} was removed: the checkpoint of {latest.when} counted {latest.count} events"
        return state
    keyed_from = latest.keyed_from
    keyed = keyed_from is not None and keyed_from < latest.count
    rows = select(AuditEvent).where(AuditEvent.id >= latest.count).order_by(AuditEvent.id)
    return _walk(state, rows, pinned_row.prev_hash, keyed, keyed_from, {latest.count: [latest]})


def _walk(state: Verification, query, previous: str, keyed: bool, keyed_from: int | None,
          pinned: dict[int, list[checkpoints.Checkpoint]]) -> Verification:
    """Verify the rows of `query` (in id order) following `previous`, then the chain's end against the newest
    checkpoint and the head."""
    known = keys.for_verification()
    latest = state.checkpoint
    rows = db.session.execute(query.execution_options(yield_per=1000))
    for row in rows.scalars():
        reason = _fault(row, state.count + 1, previous, keyed, keyed_from, known)
        if reason is None:
            reason = next((f"differs from the checkpoint of {c.when} (rewritten)"
                           for c in pinned.get(row.id, ()) if c.head != row.hash), None)
        if reason is not None or (row.key_id is not None and row.key_id not in known):
            state.ok, state.bad_id, state.reason = False, row.id, reason or ""
            if reason is None:
                state.missing_key = row.key_id
            return state
        keyed = keyed or row.key_id is not None
        state.unkeyed += row.key_id is None
        previous = row.hash
        state.count += 1
    count = state.count
    if latest is not None and latest.count > count:
        state.ok, state.bad_id = False, count + 1
        state.reason = f"{_rows(count + 1, latest.count)} removed: the checkpoint of {latest.when} counted " \
                       f"{latest.count} events"
        return state
    head = db.session.get(AuditHead, 1)
    if head is not None and head.count > count:
        state.ok, state.bad_id = False, count + 1
        state.reason = f"{_rows(count + 1, head.count)} removed (the chain's head records {head.count} events)"
    elif head is not None and head.last_hash != previous:
        state.ok, state.reason = False, "the newest rows were removed or the chain's head was altered"
    return state


def _fault(row: AuditEvent, expected_id: int, previous: str, keyed: bool, keyed_from: int | None,
           known: dict[str, keys.AuditKey]) -> str | None:
    """Why this row breaks the chain, or None (also when its key is missing: the caller says so)."""
    if row.id != expected_id:
        return f"row {expected_id} is missing before row {row.id}"
    if row.prev_hash != previous:
        return "does not follow the row before it (removed or reordered)"
    if row.key_id is None:
        if keyed or (keyed_from is not None and row.id >= keyed_from):
            return "has no key inside the keyed part of the chain (rewritten with plain SHA-256)"
        return None if _unkeyed_digest(row) == row.hash else "content was altered after it was written"
    if not keyed and row.action != MARKER:
        return "the keyed part of the chain does not start with its marker row"
    key = known.get(row.key_id)
    if key is not None and key.digest(_payload(row)) != row.hash:
        return "content was altered after it was written"
    return None


def _rows(first: int, last: int) -> str:
    return f"row {first} was" if first >= last else f"rows {first} to {last} were"


def history(entity_type: str, entity_id, limit: int = 50) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        ).scalars()
    )
