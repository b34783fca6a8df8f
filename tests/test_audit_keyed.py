"""The keyed audit chain against someone who can write to the database but has neither the audit key
nor the seal key: every kind of tampering is caught and the first bad row is named."""
import hashlib
import json
import os
import stat
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from tracker import create_app
from tracker.audit import service as audit
from tracker.audit.models import AuditEvent, AuditHead
from tracker.extensions import db

ACTOR = audit.Actor(user_id=None, label="Chain Tester <chain@test.example>", ip="192.0.2.1", user_agent="pytest")


def rows() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def verify(app, *args):
    """`flask audit verify` as the command line runs it: (exit status, what it printed)."""
    db.session.commit()
    with app.app_context():  # the command runs in the context it finds, so give it this app's
        result = app.test_cli_runner().invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def sql(statement: str, **params):
    """Raw SQL, the way someone with database access tampers."""
    db.session.execute(text(statement), params)
    db.session.commit()


def write_events(n: int, start: int = 1):
    for i in range(start, start + n):
        audit.record(ACTOR, "organisation.updated", "organisation", i % 4, {"name": [f"Name {i - 1}", f"Name {i}"]})
    db.session.commit()


def sha256_as_before(row) -> str:
    """The unkeyed hash every row had before the chain was keyed, written out again as an attacker would."""
    payload = json.dumps([row.id, row.at.isoformat(), row.actor_id, row.actor_label, row.ip, row.user_agent,
                          row.action, row.entity_type, row.entity_id, row.changes, row.prev_hash],
                         sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def recompute_with_sha256(from_id: int, drop_keys: bool = False, to_id: int | None = None):
    """Rewrite every row from `from_id` on (to `to_id`) with plain SHA-256, the attack that fooled the
    unkeyed chain, and the head to match."""
    columns = ("id", "at", "actor_id", "actor_label", "ip", "user_agent", "action", "entity_type", "entity_id",
               "changes", "prev_hash", "hash")
    copies = [SimpleNamespace(**{c: getattr(r, c) for c in columns}) for r in rows()]
    db.session.rollback()
    previous = "0" * 64
    for row in copies:
        if from_id <= row.id <= (to_id or row.id):
            row.prev_hash = previous
            row.hash = sha256_as_before(row)
            sql("UPDATE audit_event SET prev_hash = :p, hash = :h" + (", key_id = NULL" if drop_keys else "")
                + " WHERE id = :id", p=row.prev_hash, h=row.hash, id=row.id)
        previous = row.hash
    if to_id is None:
        sql("UPDATE audit_head SET last_hash = :h" + (", key_id = NULL" if drop_keys else ""), h=previous)


@pytest.fixture
def chain():
    """The marker row and twenty events, committed (so checkpointed: the marker's commit writes one)."""
    write_events(20)
    return len(rows())


# ---- the chain is keyed ----------------------------------------------------------------------

def test_rows_carry_an_hmac_that_plain_sha256_cannot_reproduce(app, chain):
    all_rows = rows()
    assert chain == 21
    assert all_rows[0].action == "audit.chain_keyed", "a marker row starts the keyed chain"
    assert {r.key_id for r in all_rows} == {all_rows[0].key_id} and len(all_rows[0].key_id) == 16
    assert all(sha256_as_before(r) != r.hash for r in all_rows)
    code, output = verify(app)
    assert code == 0, output
    assert "audit chain intact: 21 events" in output
    assert "latest checkpoint: 21 events" in output
    assert "not yet checkpointed" not in output


def test_the_key_file_is_private_and_its_id_reveals_nothing(app, chain):
    key_file = Path(app.instance_path) / "audit" / "key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text().strip()
    assert len(secret) >= 32
    key_id = rows()[0].key_id
    assert key_id not in secret and secret not in json.dumps([r.changes for r in rows()])


# ---- tampering: each is caught and names the first bad row -----------------------------------

def test_altered_row(app, chain):
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 7")
    code, output = verify(app)
    assert code == 1
    assert "audit chain BROKEN at row 7: content was altered" in output
    assert "6 events verified before it" in output
    assert "intact" not in output


def test_altered_row_with_every_later_hash_recomputed_with_sha256(app, chain):
    """The attack the unkeyed chain missed: edit an old row, then recompute the chain after it."""
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 7")
    recompute_with_sha256(7)
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at row 7: content was altered" in output


def test_recomputed_with_sha256_and_the_key_ids_removed(app, chain):
    """Passing the rewritten rows off as rows from before the key: unkeyed rows cannot follow keyed ones."""
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 9")
    recompute_with_sha256(9, drop_keys=True)
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at row 9: has no key inside the keyed part of the chain (rewritten with plain SHA-256)" in output


def test_the_whole_chain_recomputed_unkeyed_marker_and_all(app, chain):
    """With no keyed row left the chain looks like one from before the key; the checkpoint says where it began."""
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 12")
    recompute_with_sha256(1, drop_keys=True)
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at row 1: has no key inside the keyed part of the chain" in output


def test_deleted_middle_row(app, chain):
    sql("DELETE FROM audit_event WHERE id = 5")
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at row 6: row 5 is missing before row 6" in output


def test_reordered_rows(app, chain):
    sql("UPDATE audit_event SET id = -1 WHERE id = 10")
    sql("UPDATE audit_event SET id = 10 WHERE id = 11")
    sql("UPDATE audit_event SET id = 11 WHERE id = -1")
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at row 10: does not follow the row before it" in output


def test_newest_row_deleted_and_the_head_set_to_the_row_before(app, chain):
    """The other attack the unkeyed chain missed: the head agrees, the checkpoint does not."""
    before = rows()[chain - 2]
    sql("DELETE FROM audit_event WHERE id = :id", id=chain)
    sql("UPDATE audit_head SET last_hash = :h, count = :n", h=before.hash, n=chain - 1)
    code, output = verify(app)
    assert code == 1
    assert f"BROKEN at row {chain}: row {chain} was removed: the checkpoint of" in output
    assert f"counted {chain} events" in output


def test_truncated_with_a_matching_head(app, chain):
    keep = rows()[14]
    sql("DELETE FROM audit_event WHERE id > 15")
    sql("UPDATE audit_head SET last_hash = :h, count = 15", h=keep.hash)
    code, output = verify(app)
    assert code == 1
    assert f"BROKEN at row 16: rows 16 to {chain} were removed: the checkpoint of" in output
    assert "15 events verified before it" in output


def test_rows_after_the_latest_checkpoint_are_reported_with_their_count(app, chain):
    write_events(3, start=21)
    code, output = verify(app)
    assert code == 0, output
    assert "audit chain intact: 24 events" in output
    assert "latest checkpoint: 21 events" in output
    assert "3 events not yet checkpointed (rows 22 to 24)" in output


# ---- rows from before the key ----------------------------------------------------------------

def legacy_rows(n: int) -> str:
    """Rows as the unkeyed chain wrote them (plain SHA-256, no key id), and its head: a database from
    before the upgrade. Returns the last hash."""
    previous = "0" * 64
    for i in range(1, n + 1):
        row = AuditEvent(id=i, at=datetime(2026, 1, 1, 9, i), actor_id=None,
                         actor_label="Old Timer <old@test.example>", ip="192.0.2.9", user_agent="legacy",
                         action="organisation.updated", entity_type="organisation", entity_id=str(i),
                         changes={"name": [f"Old {i - 1}", f"Old {i}"]}, prev_hash=previous, key_id=None)
        row.hash = sha256_as_before(row)
        previous = row.hash
        db.session.add(row)
        db.session.flush()
    db.session.add(AuditHead(id=1, last_hash=previous, count=n, key_id=None))
    db.session.commit()
    return previous


def test_rows_from_before_the_key_still_verify_and_the_keyed_chain_follows_them(app):
    legacy_rows(5)
    code, output = verify(app)
    assert code == 0, output
    assert "audit chain intact: 5 events (5 from before the audit key, 0 keyed)" in output
    assert "5 events not yet checkpointed" in output

    write_events(3)
    marker = rows()[5]
    assert (marker.id, marker.action, marker.prev_hash) == (6, "audit.chain_keyed", rows()[4].hash)
    assert [r.key_id is None for r in rows()] == [True] * 5 + [False] * 4
    code, output = verify(app)
    assert code == 0, output
    assert "audit chain intact: 9 events (5 from before the audit key, 4 keyed)" in output
    assert "latest checkpoint: 9 events" in output


def test_an_altered_row_from_before_the_key_is_caught_as_before(app):
    legacy_rows(5)
    write_events(2)
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 3")
    code, output = verify(app)
    assert code == 1 and "BROKEN at row 3: content was altered" in output


def test_unkeyed_rows_recomputed_before_the_key_break_at_the_marker(app):
    """Rows before the key are only as strong as plain SHA-256, but the keyed marker holds their last hash."""
    legacy_rows(5)
    write_events(2)
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 3")
    recompute_with_sha256(3, to_id=5)  # the keyed rows after them cannot be recomputed without the key
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at row 6: does not follow the row before it" in output


# ---- the key -----------------------------------------------------------------------------------

@pytest.fixture
def other_instance(app, tmp_path):
    """The same database seen from another instance folder, e.g. a machine the key was not copied to."""
    made = []

    def make(**config):
        other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config})
        other.instance_path = str(tmp_path / f"instance-{len(made)}")
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def test_verify_without_the_key_says_where_it_looked_and_never_intact(app, chain, other_instance):
    elsewhere = other_instance()
    code, output = verify(elsewhere)
    assert code == 2
    assert "audit chain CANNOT BE VERIFIED from row 1" in output
    assert f"written with audit key {rows()[0].key_id}, which was not found" in output
    assert "AUDIT_KEY" in output and str(Path(elsewhere.instance_path) / "audit" / "key") in output
    assert "intact" not in output
    assert not (Path(elsewhere.instance_path) / "audit" / "key").exists(), "verify never makes a key"


def test_the_key_file_can_move_to_audit_key(app, chain, other_instance):
    secret = (Path(app.instance_path) / "audit" / "key").read_text().strip()
    code, output = verify(other_instance(AUDIT_KEY=secret))
    assert code == 0, output
    assert "audit chain intact: 21 events" in output


def test_rotating_the_key_keeps_older_rows_verifiable(app, chain):
    old_id = rows()[0].key_id
    runner = app.test_cli_runner()
    db.session.commit()
    result = runner.invoke(args=["audit", "rotate-key"])
    assert result.exit_code == 0, result.output
    retired = Path(app.instance_path) / "audit" / "retired" / f"{old_id}.key"
    assert f"key {old_id} is kept in {retired}" in result.output
    assert "Restart the app" in result.output
    assert stat.S_IMODE(retired.stat().st_mode) == 0o600
    write_events(2, start=21)
    after = rows()
    new_id = after[-1].key_id
    assert new_id != old_id
    assert after[chain].action == "audit.key_rotated" and after[chain].changes == {"key_id": [old_id, new_id]}
    code, output = verify(app)
    assert code == 0, output
    assert f"audit chain intact: {chain + 3} events" in output

    aside = retired.with_suffix(".aside")
    retired.rename(aside)
    try:
        code, output = verify(app)
        assert code == 2
        assert f"CANNOT BE VERIFIED from row 1: it was written with audit key {old_id}" in output
        assert str(retired.parent / "*.key") in output
    finally:
        aside.rename(retired)


def test_rotating_an_environment_key(app, chain, monkeypatch):
    """AUDIT_KEY: the old key goes to AUDIT_RETIRED_KEYS; the command refuses to rotate what it does not own."""
    old_secret = (Path(app.instance_path) / "audit" / "key").read_text().strip()
    monkeypatch.setitem(app.config, "AUDIT_KEY", "a-new-key-from-the-environment-" + os.urandom(8).hex())
    result = app.test_cli_runner().invoke(args=["audit", "rotate-key"])
    assert result.exit_code == 1 and "AUDIT_RETIRED_KEYS" in result.output
    write_events(2, start=21)
    assert len({r.key_id for r in rows()}) == 2
    code, output = verify(app)
    assert code == 2 and "CANNOT BE VERIFIED from row 1" in output
    monkeypatch.setitem(app.config, "AUDIT_RETIRED_KEYS", old_secret)
    code, output = verify(app)
    assert code == 0, output
    assert f"audit chain intact: {chain + 2} events" in output


def test_a_key_too_short_to_be_a_key_is_named(app, chain, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETIRED_KEYS", "password1")
    code, output = verify(app)
    assert code == 2
    assert "CANNOT BE VERIFIED: the audit key in AUDIT_RETIRED_KEYS is shorter than 32 characters" in output
    assert "intact" not in output
