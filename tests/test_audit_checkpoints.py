"""Checkpoints of the audit chain: signed with the seal key, appended to a file outside the database,
written every 100 events after commit and by `flask audit checkpoint`; an edited file is refused."""
import base64
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.test_audit_keyed import rows, sql, verify, write_events
from tracker.audit import service as audit
from tracker.extensions import db


def checkpoint_file(app) -> Path:
    return Path(app.instance_path) / "audit" / "checkpoints.jsonl"


def lines(app) -> list[dict]:
    path = checkpoint_file(app)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def counts(app) -> list[int]:
    return [line["count"] for line in lines(app)]


def run(app, *args):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", *args])
    return result.exit_code, result.output


def test_a_checkpoint_after_the_chain_is_keyed_and_every_100_events(app):
    write_events(98)  # the marker and 98 events, one commit
    assert counts(app) == [99], "the commit that starts the keyed chain is checkpointed"
    write_events(1)
    assert counts(app) == [99, 100]
    write_events(5)
    assert counts(app) == [99, 100], "nothing between multiples of 100"
    write_events(100)  # past 200 in one transaction: one checkpoint of what was committed
    assert counts(app) == [99, 100, 205]
    assert lines(app)[-1]["head"] == rows()[-1].hash
    code, output = verify(app)
    assert code == 0, output
    assert "latest checkpoint: 205 events" in output and "not yet checkpointed" not in output


def test_a_transaction_that_rolls_back_leaves_no_checkpoint(app):
    write_events(94)
    assert counts(app) == [95]
    for i in range(10):
        audit.record(audit.SYSTEM, "organisation.confirmed", "organisation", i, {})
    db.session.rollback()
    assert counts(app) == [95]
    write_events(10)
    assert counts(app) == [95, 105]
    code, output = verify(app)
    assert code == 0, output
    assert "audit chain intact: 105 events" in output


def test_the_daily_command_writes_a_checkpoint_signed_with_the_seal_certificate(app):
    write_events(3)
    assert counts(app) == [4]
    write_events(2, start=4)
    code, output = run(app, "checkpoint")
    assert code == 0, output
    assert "audit checkpoint written: 6 events" in output and str(checkpoint_file(app)) in output
    assert counts(app) == [4, 6]

    line = lines(app)[-1]
    assert line["head"] == rows()[-1].hash and line["keyed_from"] == 1
    signed = json.dumps({k: v for k, v in line.items() if k != "signature"}, sort_keys=True, separators=(",", ":"))
    certificate = x509.load_pem_x509_certificate((Path(app.instance_path) / "seal" / "seal.pem").read_bytes())
    assert line["seal"] == certificate.fingerprint(hashes.SHA256()).hex()
    certificate.public_key().verify(base64.b64decode(line["signature"]), signed.encode(), ec.ECDSA(hashes.SHA256()))

    code, output = verify(app)
    assert code == 0, output
    assert "audit chain intact: 6 events" in output and "latest checkpoint: 6 events at" in output


def test_the_command_on_an_empty_log(app):
    code, output = run(app, "checkpoint")
    assert code == 0 and "audit checkpoint written: 0 events" in output
    code, output = verify(app)
    assert code == 0 and "audit chain intact: 0 events" in output


def test_without_checkpoints_every_event_is_not_yet_checkpointed(app):
    write_events(4)
    checkpoint_file(app).unlink()
    code, output = verify(app)
    assert code == 0, output
    assert "no checkpoint yet" in output
    assert "5 events not yet checkpointed (rows 1 to 5)" in output


def edit_count(line: str) -> str:
    return line.replace('"count":5', '"count":4')


def edit_head(line: str) -> str:
    fields = json.loads(line)
    fields["head"] = "f" * 64
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def cut_short(line: str) -> str:
    return line[: len(line) // 2]


def other_signature(line: str) -> str:
    fields = json.loads(line)
    fields["signature"] = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x01").decode()
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize("edit, says", [
    (edit_count, "the seal signature does not match (the line was edited)"),
    (edit_head, "the seal signature does not match (the line was edited)"),
    (other_signature, "the seal signature does not match (the line was edited)"),
    (cut_short, "not a checkpoint (the line was edited or cut short)"),
], ids=["count", "head", "signature", "cut short"])
def test_an_edited_checkpoint_file_fails_its_signature(app, edit, says):
    write_events(4)
    path = checkpoint_file(app)
    first = path.read_text().splitlines()[0]
    assert json.loads(first)["count"] == 5
    path.write_text(edit(first) + "\n")
    code, output = verify(app)
    assert code == 1
    assert f"audit checkpoints INVALID: {path} line 1: {says}" in output
    assert "intact" not in output


def test_a_checkpoint_signed_by_another_certificate_is_refused(app):
    write_events(4)
    path = checkpoint_file(app)
    fields = json.loads(path.read_text().splitlines()[0])
    fields["seal"] = "0" * 64
    path.write_text(json.dumps(fields) + "\n")
    code, output = verify(app)
    assert code == 1
    assert "line 1: signed by a seal certificate this instance does not know" in output


def test_checkpoints_emailed_to_admins_check_the_chain_without_the_file(app, world, mailbox, tmp_path):
    code, output = run(app, "checkpoint", "--email")
    assert code == 0, output
    assert "emailed to 1 admin" in output
    message = mailbox.wait(1)[0]
    assert world.emails["admin"] in message["To"]
    assert message["Subject"].startswith("Audit checkpoint: ")
    body = mailbox.text(0)
    emailed = tmp_path / "emailed.jsonl"
    emailed.write_text(body.strip().splitlines()[-1] + "\n")
    total = len(rows())
    assert json.loads(emailed.read_text())["count"] == total

    # Someone removes the newest rows, sets the head back, and the instance's checkpoint file is lost.
    keep = rows()[total - 3]
    sql("DELETE FROM audit_event WHERE id > :n", n=total - 2)
    sql("UPDATE audit_head SET last_hash = :h, count = :n", h=keep.hash, n=total - 2)
    checkpoint_file(app).unlink()
    code, output = verify(app)
    assert code == 0, "without any checkpoint the removal cannot be seen"
    code, output = verify(app, "--checkpoints", str(emailed))
    assert code == 1
    assert f"BROKEN at row {total - 1}: rows {total - 1} to {total} were removed" in output


def test_checkpoints_stay_checkable_after_the_seal_certificate_is_replaced(app, tmp_path):
    from tracker import sealing

    write_events(4)
    saved = dict(sealing._cache)
    sealing._cache.clear()
    sealing._cache[(None, app.instance_path)] = sealing._self_managed(tmp_path, "Renewed Seal")
    try:
        code, output = run(app, "checkpoint")
        assert code == 0, output
        assert len({line["seal"] for line in lines(app)}) == 2
        code, output = verify(app)
    finally:
        sealing._cache.clear()
        sealing._cache.update(saved)
    assert code == 0, output
    assert "audit chain intact: 5 events" in output and "latest checkpoint: 5 events" in output
    code, output = verify(app)
    assert code == 0, output
