"""Signers signing at the same moment, each on its own database connection: every signature counts
exactly once, and the last one freezes and seals exactly once (run on PostgreSQL with TEST_DATABASE_URL)."""
import threading
import time

import pytest
from sqlalchemy import func, select

from tests import documents as docs
from tracker.audit.models import AuditEvent
from tracker.audit.service import Actor
from tracker.documents import signing
from tracker.documents.models import DocumentVersion
from tracker.extensions import db
from tracker.validation import Invalid

pytestmark = pytest.mark.committed  # each signer on a connection of its own, in a thread of its own

SIGNERS = [("Ann Able", "ann@example.org"), ("Ben Baker", "ben@example.org"), ("Cy Cole", "cy@example.org")]
ORGANISATIONS = {"Ann Able": "Lakeside Library System", "Ben Baker": "Lakeside District", "Cy Cole": "Lakeside District"}


def race(app, calls):
    """Run each call in its own thread and app context, released together; returns their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            try:
                barrier.wait()
                outcomes[index] = ("ok", call())
            except Invalid as exc:
                outcomes[index] = ("refused", str(exc))
            except Exception as exc:  # noqa: BLE001  reported by the assertion below
                outcomes[index] = ("error", repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.parametrize("round_", range(2))
def test_simultaneous_signatures_all_count_and_the_version_is_sealed_once(app, world, mailbox, monkeypatch, round_):
    slow_record = signing.record

    def record(actor, action, version, changes=None):
        slow_record(actor, action, version, changes)
        if action == "document.signed":  # widen the window between a signature and counting who is left
            time.sleep(0.2)

    monkeypatch.setattr(signing, "record", record)
    version = docs.out_for_signature(world, [docs.outside(name, email, organisation=ORGANISATIONS[name]) for name, email in SIGNERS])
    version_id, ids = version.id, [(s.id, s.name) for s in version.signatories]
    db.session.remove()

    def signer(signatory_id, name):
        return lambda: signing.sign(Actor(label=name, ip="192.0.2.1"), version_id, signatory_id, name, True)

    outcomes = race(app, [signer(i, n) for i, n in ids])
    assert [o[0] for o in outcomes] == ["ok"] * len(SIGNERS), outcomes
    assert sorted(o[1] for o in outcomes) == [False] * (len(SIGNERS) - 1) + [True]  # exactly one saw itself last
    version = db.session.get(DocumentVersion, version_id)
    assert version.status == "signed" and version.pdf_sha256
    assert [s.status for s in version.signatories] == ["signed"] * len(SIGNERS)
    events = dict(db.session.execute(
        select(AuditEvent.action, func.count()).where(AuditEvent.entity_type == "document_version",
                                                      AuditEvent.entity_id == str(version_id)).group_by(AuditEvent.action)
    ).all())
    assert events["document.signed"] == len(SIGNERS) and events["document.sealed"] == 1


def test_the_same_signature_sent_twice_at_once_counts_once(app, world, mailbox):
    version = docs.out_for_signature(world, [docs.outside(name, email, organisation=ORGANISATIONS[name]) for name, email in SIGNERS[:2]])
    version_id, (first_id, first_name) = version.id, (version.signatories[0].id, version.signatories[0].name)
    db.session.remove()
    call = lambda: signing.sign(Actor(label=first_name), version_id, first_id, first_name, True)  # noqa: E731
    outcomes = race(app, [call, call])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert "already been given" in next(o[1] for o in outcomes if o[0] == "refused")
    version = db.session.get(DocumentVersion, version_id)
    assert [s.status for s in version.signatories] == ["signed", "pending"] and version.status == "signing"
