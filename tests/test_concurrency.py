"""Concurrent edits: a stale form never overwrites silently; a real race is caught by the version."""
import threading

import pytest
from tracker.agreements import service
from tracker.agreements.models import Agreement
from tracker.audit.service import Actor
from tracker.extensions import db
from tracker.validation import Conflict


def term_form(version, end_date, notice="30"):
    return {"version": str(version), "term_kind": "fixed", "effective_date": "2026-08-01", "end_date": end_date,
            "renewal": "none", "renewal_months": "", "notice_days": notice,
            "modification_window_start": "", "modification_window_end": ""}


def test_second_save_of_a_stale_form_gets_a_conflict_showing_what_changed(world, login):
    a = world.agreements["own"]
    director, librarian = login(world.emails["administrator"]), login(world.emails["school_librarian"])
    read_at = a.version  # both opened the term form at this version
    first = director.post(f"/agreements/{a.id}/sections/term/edit", term_form(read_at, "2030-07-31"), htmx=True)
    assert first.status_code == 200
    second = librarian.post(f"/agreements/{a.id}/sections/term/edit", term_form(read_at, "2031-01-31", "45"), htmx=True)
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Someone else saved this agreement while you were editing." in html
    assert "Administrator" in html and "end date" in html and "2029-07-31 → 2030-07-31" in html
    assert 'value="2031-01-31"' in html and 'value="45"' in html  # the librarian's entries are kept
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).end_date.isoformat() == "2030-07-31"  # nothing overwritten
    # Saving again, knowingly, applies the librarian's values on top.
    version = int(__import__("re").search(r'name="version" type="hidden" value="(\d+)"', html).group(1))
    third = librarian.post(f"/agreements/{a.id}/sections/term/edit", term_form(version, "2031-01-31", "45"), htmx=True)
    assert third.status_code == 200
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).end_date.isoformat() == "2031-01-31"


def test_edits_to_different_sections_do_not_conflict(world, login):
    a = world.agreements["own"]
    director, librarian = login(world.emails["administrator"]), login(world.emails["school_librarian"])
    read_at = a.version
    assert director.post(f"/agreements/{a.id}/sections/term/edit", term_form(read_at, "2030-07-31"), htmx=True).status_code == 200
    summary = {"version": str(read_at), "title": "Lakeside Card MOU", "kind": "mou", "purpose": "New purpose",
               "collaboration_level": "collaborating", "manager_id": ""}
    assert librarian.post(f"/agreements/{a.id}/sections/summary/edit", summary, htmx=True).status_code == 200
    db.session.expire_all()
    saved = db.session.get(Agreement, a.id)
    assert (saved.end_date.isoformat(), saved.purpose) == ("2030-07-31", "New purpose")


def test_stale_status_step_is_a_conflict(world, login):
    a = world.agreements["own"]
    director = login(world.emails["administrator"])
    read_at = a.version
    director.post(f"/agreements/{a.id}/sections/term/edit", term_form(read_at, "2030-07-31"), htmx=True)
    response = director.post(f"/agreements/{a.id}/status/submit", {"version": read_at}, htmx=True)
    assert response.status_code == 409 and "end date" in response.get_data(as_text=True)


@pytest.mark.committed  # threads, each on a connection of its own
def test_two_connections_racing_on_the_same_row(app, world):
    """Two real database connections read the same version and both save: exactly one wins.

    On PostgreSQL the second UPDATE waits for the first's row lock, then matches no row;
    on SQLite the second waits for the write lock. Either way the loser gets a Conflict.
    """
    agreement_id, version = world.agreements["own"].id, world.agreements["own"].version
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = {}

    def edit(name, end_date):
        with app.app_context():
            mine = db.session.get(Agreement, agreement_id)
            mine.end_date  # loaded before the other saves
            barrier.wait()
            try:
                service.update_section(Actor(label=name), mine, "term", {"end_date": end_date}, version)
                outcomes[name] = "saved"
            except Conflict as conflict:
                outcomes[name] = "conflict"
                outcomes["changes"] = conflict.changes
            finally:
                db.session.remove()

    from datetime import date
    threads = [threading.Thread(target=edit, args=("first", date(2030, 1, 31))),
               threading.Thread(target=edit, args=("second", date(2031, 1, 31)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(v for k, v in outcomes.items() if k != "changes") == ["conflict", "saved"], outcomes
    winner = "first" if outcomes["first"] == "saved" else "second"
    saved = db.session.get(Agreement, agreement_id)
    assert saved.end_date == (date(2030, 1, 31) if winner == "first" else date(2031, 1, 31))
    assert saved.version == version + 1
    assert [c["who"] for c in outcomes["changes"]] == [winner]
