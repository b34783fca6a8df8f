"""The audit log: every change is recorded with who, where and how; the chain shows tampering."""
import json
import re
from html import unescape

import pytest
from sqlalchemy import delete, select, text, update

from tracker.audit import service as audit
from tracker.audit.models import AuditEvent
from tracker.extensions import db


def body(response) -> str:
    return response.get_data(as_text=True)


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def history_of(html: str) -> str:
    return flat(re.search(r'<section id="section-history".*?</section>', html, re.S).group(0))


def all_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def actions() -> list[str]:
    return [e.action for e in all_events()]


def verify(app):
    """Run `flask audit verify` as the command line does."""
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def sql(statement: str, **params):
    """Raw SQL, the way someone with database access would tamper."""
    db.session.execute(text(statement), params)
    db.session.commit()


def json_param(dialect: str) -> str:
    return "CAST(:value AS JSON)" if dialect == "postgresql" else ":value"


@pytest.fixture
def busy(world, login):
    """The world plus some events made through the UI: an edit, a confirmation, a contact."""
    s = login(world.emails["administrator"])
    branch = world.orgs["branch"]
    page = body(s.get(f"/organisations/{branch.id}/edit"))
    data = {m[0]: unescape(m[1]) for m in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page)}
    data.update(name="Harbour Branch", kind="branch", parent_id=str(world.orgs["library"].id), home_branch_id="",
                time_zone="America/New_York")
    assert s.post(f"/organisations/{branch.id}/edit", data).status_code == 303
    assert s.post(f"/organisations/{branch.id}/confirm").status_code == 303
    assert s.post(f"/organisations/{branch.id}/contacts/new",
                  {"name": "Kim Keeper", "role": "branch_manager", "email": "kim@example.org"}).status_code == 303
    return world


@pytest.fixture
def chain():
    """Twenty events written by the audit service, as the services write them (no UI: fast),
    after the marker row that starts the keyed chain. Returns the number of rows."""
    actor = audit.Actor(user_id=None, label="Chain Tester <chain@test.example>", ip="192.0.2.1", user_agent="pytest")
    for i in range(1, 21):
        audit.record(actor, "organisation.updated", "organisation", i % 4, {"name": [f"Name {i - 1}", f"Name {i}"]})
    db.session.commit()
    return len(all_events())


# ---- verify ----------------------------------------------------------------------------------

def test_verify_passes_on_an_intact_chain_and_counts_the_events(app, busy):
    count = len(all_events())
    assert count >= 15
    assert {"organisation.created", "organisation.updated", "organisation.confirmed", "contact.created",
            "agreement.created", "user.created", "auth.login"} <= set(actions())
    code, output = verify(app)
    assert code == 0, output
    assert f"audit chain intact: {count} events" in output


def test_verify_on_an_empty_log(app):
    code, output = verify(app)
    assert code == 0 and "intact: 0 events" in output


def test_verify_finds_changed_changes(app, chain, is_postgres):
    dialect = "postgresql" if is_postgres else "sqlite"
    sql(f"UPDATE audit_event SET changes = {json_param(dialect)} WHERE id = 3", value='{"name": [null, "Forged"]}')
    code, output = verify(app)
    assert code != 0
    assert "BROKEN at row 3" in output and "altered" in output
    assert "2 events verified" in output


def test_verify_finds_a_changed_actor_label(app, chain):
    sql("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = 7")
    code, output = verify(app)
    assert code != 0
    assert "BROKEN at row 7" in output


def test_verify_finds_a_changed_time(app, chain, is_postgres):
    sql("UPDATE audit_event SET at = at - INTERVAL '1 day' WHERE id = 5" if is_postgres
        else "UPDATE audit_event SET at = datetime(at, '-1 day') WHERE id = 5")
    code, output = verify(app)
    assert code != 0 and "BROKEN at row 5" in output


def test_verify_finds_a_deleted_middle_row(app, chain):
    sql("DELETE FROM audit_event WHERE id = 4")
    code, output = verify(app)
    assert code != 0
    assert "BROKEN at row 5" in output and "row 4 is missing" in output


def test_verify_finds_a_deleted_row_even_when_the_rest_is_renumbered(app, chain):
    """Closing the gap (rows after it moved down one) still breaks the chain at the gap."""
    total = chain
    sql("DELETE FROM audit_event WHERE id = 4")
    for i in range(5, total + 1):
        sql("UPDATE audit_event SET id = :new WHERE id = :old", new=i - 1, old=i)
    code, output = verify(app)
    assert code != 0 and "BROKEN at row 4" in output


def test_verify_finds_two_rows_swapped(app, chain):
    sql("UPDATE audit_event SET id = -1 WHERE id = 3")
    sql("UPDATE audit_event SET id = 3 WHERE id = 4")
    sql("UPDATE audit_event SET id = 4 WHERE id = -1")
    code, output = verify(app)
    assert code != 0
    assert "BROKEN at row 3" in output


def test_verify_finds_two_rows_contents_swapped_keeping_ids(app, chain, is_postgres):
    columns = ["at", "actor_id", "actor_label", "ip", "user_agent", "action", "entity_type", "entity_id", "changes",
               "prev_hash", "hash"]
    rows = {r.id: r for r in db.session.execute(text("SELECT * FROM audit_event WHERE id IN (8, 9)")).mappings()}
    row8, row9 = dict(rows[8]), dict(rows[9])
    db.session.rollback()
    sql("UPDATE audit_event SET hash = 'swap' WHERE id = 9")

    def put(target, values):
        params = {c: values[c] for c in columns}
        params["changes"] = json.dumps(values["changes"]) if not isinstance(values["changes"], str) else values["changes"]
        cast = "CAST(:changes AS JSON)" if is_postgres else ":changes"
        assignments = ", ".join(f"{c} = {cast if c == 'changes' else ':' + c}" for c in columns)
        sql(f"UPDATE audit_event SET {assignments} WHERE id = {target}", **params)

    put(8, row9)
    put(9, row8)
    code, output = verify(app)
    assert code != 0
    assert "BROKEN at row 8" in output


def test_verify_finds_the_newest_row_deleted(app, chain):
    total = chain
    sql("DELETE FROM audit_event WHERE id = :id", id=total)
    code, output = verify(app)
    assert code != 0
    assert "BROKEN" in output and ("end of chain" in output or f"row {total}" in output)
    assert "removed" in output


def test_a_new_event_after_a_deleted_newest_row_still_shows_the_break(app, chain):
    sql("DELETE FROM audit_event WHERE id = :id", id=chain)
    audit.record(audit.SYSTEM, "organisation.confirmed", "organisation", 1, {})
    code, output = verify(app)
    assert code != 0 and f"BROKEN at row {chain}" in output


# ---- append-only through the ORM -------------------------------------------------------------

def test_an_event_cannot_be_changed_through_the_orm(chain):
    event = db.session.get(AuditEvent, 2)
    event.actor_label = "Rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, 2).actor_label != "Rewritten"


def test_an_event_cannot_be_deleted_through_the_orm(chain):
    db.session.delete(db.session.get(AuditEvent, 2))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, 2) is not None


@pytest.mark.parametrize("statement", [
    lambda: update(AuditEvent).where(AuditEvent.id == 2).values(actor_label="Rewritten"),
    lambda: delete(AuditEvent).where(AuditEvent.id == 2),
], ids=["bulk update", "bulk delete"])
def test_bulk_orm_statements_cannot_rewrite_events(app, chain, statement):
    with pytest.raises(PermissionError):
        db.session.execute(statement())
        db.session.flush()
    db.session.rollback()
    code, output = verify(app)
    assert code == 0, output


# ---- what events carry -----------------------------------------------------------------------

def test_events_carry_actor_address_and_browser(world, login):
    s = login(world.emails["administrator"])
    branch = world.orgs["branch"]
    response = s.post(f"/organisations/{branch.id}/confirm",
                      headers={"User-Agent": "Mozilla/5.0 (AuditTest)"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 303
    event = all_events()[-1]
    assert event.action == "organisation.confirmed"
    assert event.actor_id is not None and "administrator@test.example" in event.actor_label
    assert event.ip == "203.0.113.9"
    assert event.user_agent == "Mozilla/5.0 (AuditTest)"
    assert (event.entity_type, event.entity_id) == ("organisation", str(branch.id))


def test_forwarded_for_is_ignored_without_a_trusted_proxy(world, login):
    s = login(world.emails["administrator"])
    s.post(f"/organisations/{world.orgs['branch'].id}/confirm", headers={"X-Forwarded-For": "198.51.100.7"},
           environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert all_events()[-1].ip == "203.0.113.9", "a client cannot choose the address the log records"


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(app, world):
    from tests.conftest import Session
    from tracker import create_app

    proxied = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "PROXY_COUNT": 1})
    proxied.instance_path = app.instance_path  # the same audit key (and checkpoints) as the rest of the suite
    try:
        s = Session(proxied.test_client(), world.emails["administrator"])
        s.post(f"/organisations/{world.orgs['branch'].id}/confirm",
               headers={"X-Forwarded-For": "203.0.113.50, 198.51.100.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
        event = all_events()[-1]
        assert event.action == "organisation.confirmed"
        assert event.ip == "198.51.100.7", "the address the one trusted proxy saw, not what the client claimed"
    finally:
        with proxied.app_context():
            db.engine.dispose()


def test_each_change_through_the_ui_writes_one_event(world, login):
    s = login(world.emails["admin"])
    o = world.orgs
    start = len(all_events())

    def new_events():
        nonlocal start
        found = all_events()[start:]
        start += len(found)
        return [e.action for e in found]

    response = s.post("/organisations/new", {"name": "Dockside Branch", "kind": "branch", "parent_id": o["library"].id,
                                             "time_zone": "America/New_York"})
    assert response.status_code == 303
    assert new_events() == ["organisation.created"]

    new_agreement = {
        "title": "Dockside Reading MOU", "kind": "mou", "purpose": "Reading.", "collaboration_level": "cooperating",
        "manager_id": "", "term_kind": "fixed", "effective_date": "2026-09-01", "end_date": "2027-08-31",
        "renewal": "none", "renewal_months": "", "notice_days": "30", "modification_window_start": "",
        "modification_window_end": "", "parties-0-organisation_id": o["library"].id, "parties-0-role": "lead",
        "parties-1-organisation_id": o["south"].id, "parties-1-role": "partner", "parties-2-organisation_id": "",
        "parties-2-role": "partner",
    }
    response = s.post("/agreements/new", new_agreement)
    assert response.status_code == 303, body(response)
    agreement_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert new_events() == ["agreement.created"]

    page = body(s.get(f"/agreements/{agreement_id}"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = s.post(f"/agreements/{agreement_id}/sections/summary/edit",
                      {"title": "Dockside Reading Partnership MOU", "kind": "mou", "purpose": "Reading.",
                       "collaboration_level": "collaborating", "manager_id": "", "version": version})
    assert response.status_code == 303, body(response)
    assert new_events() == ["agreement.updated"]

    version = re.search(r'name="version" value="(\d+)"', body(s.get(f"/agreements/{agreement_id}"))).group(1)
    assert s.post(f"/agreements/{agreement_id}/status/submit", {"version": version}).status_code == 303
    assert new_events() == ["agreement.status_changed"]

    assert s.post("/logout").status_code == 303
    assert new_events() == ["auth.logout"]

    login(world.emails["viewer"])
    assert new_events() == ["auth.login"]


def test_a_refused_change_writes_no_event(world, login):
    s = login(world.emails["admin"])
    start = len(all_events())
    response = s.post("/organisations/new", {"name": "Bad", "kind": "branch", "parent_id": world.orgs["district"].id,
                                             "time_zone": "America/New_York"})
    assert response.status_code == 422
    assert len(all_events()) == start


def test_status_change_event_records_before_and_after(world, login):
    agreement = world.agreements["own"]
    s = login(world.emails["administrator"])
    page = body(s.get(f"/agreements/{agreement.id}"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert s.post(f"/agreements/{agreement.id}/status/submit", {"version": version}).status_code == 303
    event = all_events()[-1]
    assert event.action == "agreement.status_changed"
    assert event.changes["status"] == ["draft", "in_review"]
    assert "status: Draft → In review" in history_of(body(s.get(f"/agreements/{agreement.id}/history")))


# ---- history sections ------------------------------------------------------------------------

def test_agreement_history_shows_field_level_before_and_after(world, login):
    agreement = world.agreements["own"]
    s = login(world.emails["administrator"])
    version = re.search(r'name="version" value="(\d+)"', body(s.get(f"/agreements/{agreement.id}"))).group(1)
    response = s.post(f"/agreements/{agreement.id}/sections/term/edit", {
        "term_kind": "fixed", "effective_date": "2026-08-01", "end_date": "2030-07-31", "renewal": "none",
        "renewal_months": "", "notice_days": "60", "modification_window_start": "", "modification_window_end": "",
        "version": version,
    })
    assert response.status_code == 303, body(response)
    history = history_of(body(s.get(f"/agreements/{agreement.id}/history")))
    assert "changed the agreement" in history
    assert "end date: July 31, 2029 → July 31, 2030" in history
    assert "notice days: 30 → 60" in history
    assert "Administrator changed the" in history and "administrator@test.example" not in history
    assert "version:" not in history, "bookkeeping is not shown as a change"
    assert "effective date:" not in history.split("created the agreement")[0], "unchanged fields are not listed"


def test_organisation_history_shows_field_level_before_and_after_newest_first(world, login):
    branch = world.orgs["branch"]
    s = login(world.emails["administrator"])
    page = body(s.get(f"/organisations/{branch.id}/edit"))
    data = {m[0]: unescape(m[1]) for m in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page)}
    data.update(name="Harbour Branch", kind="branch", parent_id=str(world.orgs["library"].id), home_branch_id="",
                time_zone="America/Chicago", postal_code="60601")
    assert s.post(f"/organisations/{branch.id}/edit", data).status_code == 303
    history = history_of(body(s.get(f"/organisations/{branch.id}")))
    assert "name: Harbor Branch → Harbour Branch" in history
    assert "time zone: America/New_York → America/Chicago" in history
    assert "postal code: 60601" in history
    assert history.index("changed the organisation") < history.index("created the organisation")


def test_history_is_per_organisation(world, login):
    page = body(login(world.emails["viewer"]).get(f"/organisations/{world.orgs['district'].id}"))
    history = history_of(page)
    assert "Lakeside District" in history
    assert "Harbor Branch" not in history and "North School" not in history
