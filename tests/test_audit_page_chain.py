"""/audit checks the chain from its newest checkpoint on (bounded work however long the log), and says when
`flask audit verify` last checked the whole chain; tampering after the checkpoint still shows on the page."""
import json
from pathlib import Path

import pytest

from tests.test_audit_keyed import rows, sql, verify, write_events
from tracker.audit import checkpoints
from tracker.audit import service as audit
from tracker.extensions import db


@pytest.fixture
def no_full_verification(app):
    """The note of the last full verification is a file the per-test rollback does not put back."""
    path = Path(app.instance_path) / "audit" / "last-full-verification.json"
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def newest_checkpoint(app) -> int:
    text = (Path(app.instance_path) / "audit" / "checkpoints.jsonl").read_text().splitlines()
    return max(json.loads(line)["count"] for line in text)


def chain_text(page: str) -> str:
    return page.split('id="chain-state"', 1)[1].split("</p>", 1)[0] + page.split('id="full-verification"', 1)[1].split("</p>", 1)[0]


def with_checkpoint_and_newer_rows(app) -> tuple[int, int]:
    """Enough events for a checkpoint, then three more; returns (checkpointed count, newest row id)."""
    write_events(120)
    pinned = newest_checkpoint(app)
    write_events(3, start=500)
    newest = rows()[-1].id
    assert newest > pinned
    return pinned, newest


def test_the_page_verifies_only_the_rows_after_the_newest_checkpoint(app, world, login, no_full_verification):
    admin = login(world.emails["admin"])  # signing in is an event too: before the count is taken
    pinned, newest = with_checkpoint_and_newer_rows(app)
    result = audit.verify_since_checkpoint()
    assert result.ok and result.start == pinned and result.count == newest
    page = admin.get("/audit").text
    shown = chain_text(page)
    assert f"The chain is intact from the latest checkpoint on: {newest - pinned} newer events verified." in shown
    assert "The whole chain has not been verified yet" in shown


def test_tampering_after_the_checkpoint_shows_on_the_page(app, world, login, no_full_verification):
    pinned, newest = with_checkpoint_and_newer_rows(app)
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = :id", id=newest - 1)
    shown = chain_text(login(world.emails["admin"]).get("/audit").text)
    assert f"The chain is broken at event {newest - 1}" in shown


def test_a_rewritten_checkpointed_row_shows_on_the_page(app, world, login, no_full_verification):
    pinned, _newest = with_checkpoint_and_newer_rows(app)
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = :id", id=pinned)
    shown = chain_text(login(world.emails["admin"]).get("/audit").text)
    assert f"The chain is broken at event {pinned}" in shown


def test_tampering_before_the_checkpoint_is_left_to_the_full_verification(app, world, login, no_full_verification):
    pinned, newest = with_checkpoint_and_newer_rows(app)
    early = pinned - 40
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = :id", id=early)
    admin = login(world.emails["admin"])
    assert "The chain is intact from the latest checkpoint on" in chain_text(admin.get("/audit").text)
    code, output = verify(app)
    assert code == 1 and f"BROKEN at row {early}" in output
    shown = chain_text(admin.get("/audit").text)
    assert "The whole chain was last verified" in shown and f"it was broken at event {early}." in shown
    noted = checkpoints.last_full_verification()
    assert noted is not None and not noted.ok and noted.bad_id == early


def test_a_full_verification_that_holds_is_shown_with_its_count(app, world, login, no_full_verification):
    admin = login(world.emails["admin"])
    _pinned, newest = with_checkpoint_and_newer_rows(app)
    code, output = verify(app)
    assert code == 0, output
    shown = chain_text(admin.get("/audit").text)
    assert f"{newest} events intact." in shown and "The whole chain was last verified" in shown
    db.session.rollback()
