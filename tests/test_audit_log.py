"""/audit: the audit log for admins, every row a sentence with names; filters, pages, a CSV that matches."""
import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from tracker.audit import service as audit
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.cards.models import Student
from tracker.extensions import db

ROLES = ("administrator", "library_staff", "school_librarian", "viewer")


def actor(world, role="library_staff") -> audit.Actor:
    user = db.session.scalar(db.select(User).where(User.email == world.emails[role]))
    return audit.Actor(user.id, f"{user.name} <{user.email}>", "10.0.0.1", "test")


def rows_of(html: str) -> list[str]:
    """The page's rows as plain text, one per event."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_find_the_audit_log(world, login, role):
    session = login(world.emails[role])
    assert session.get("/audit").status_code == 404
    assert session.get("/audit/export.csv").status_code == 404
    assert 'href="/audit"' not in session.get("/").text


def test_a_visitor_is_asked_to_sign_in(world, login):
    assert login(None).get("/audit").status_code == 302


def test_rows_read_as_sentences_with_names_and_the_chain_is_intact(world, login):
    own = world.agreements["own"]
    staff = actor(world)
    audit.record(staff, "agreement.status_changed", "agreement", own.id, {"status": ["draft", "in_review"], "version": [1, 2]})
    audit.record(staff, "user.created", "user", db.session.scalar(db.select(User.id).where(User.email == world.emails["viewer"])),
                 {"role": [None, "school_librarian"], "organisations": [None, [world.orgs["north"].id]]})
    student = Student(agreement_id=own.id, school_id=world.orgs["north"].id, source_id="stu-1", given_name="Sol",
                      family_name="Reyes", grade="04")
    db.session.add(student)
    db.session.flush()
    audit.record(staff, "student.card_status", "card_drive", 999999, {"student": [None, student.id], "card_status": ["", "issued"]})
    audit.record(staff, "patrons.exported", "agreement", own.id,
                 {"format": [None, "koha"], "rows": [None, 12], "filters": [None, {"not_yet_exported": True}]})
    db.session.commit()

    page = login(world.emails["admin"]).get("/audit")
    assert page.status_code == 200
    html = page.text
    assert "The chain is intact" in html
    rows = [r for r in rows_of(html) if not r.endswith("signed in")]
    exported, card, created, status = rows[:4]
    assert "exported a patron file — the agreement “Lakeside Card MOU”" in exported
    assert "format: Koha" in exported and "filters: not yet exported" in exported
    assert "recorded a student&#39;s card" in card or "recorded a student's card" in card
    assert "student: a student of North School" in card and "card status: Issued" in card
    assert "Sol" not in card and "Reyes" not in card
    assert "role: School librarian" in created and "organisations: North School" in created
    assert "status: Draft → In review" in status and "Lakeside Card MOU" in status
    for row in rows[:4]:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", row), row  # no snake_case codes
        assert "{" not in row and "[" not in row and "None" not in row, row  # no Python values


def test_the_agreement_history_uses_the_same_sentences(world, login):
    own = world.agreements["own"]
    audit.record(actor(world), "agreement.status_changed", "agreement", own.id, {"status": ["draft", "in_review"], "version": [1, 2]})
    db.session.commit()
    history = login(world.emails["admin"]).get(f"/agreements/{own.id}/history").text
    assert "status: Draft → In review" in history
    assert "in_review" not in history


def test_filters_by_who_kind_agreement_organisation_and_date(world, login):
    own, other = world.agreements["own"], world.agreements["other"]
    staff, admin_actor = actor(world), actor(world, "admin")
    audit.record(staff, "agreement.updated", "agreement", own.id, {"purpose": ["", "Cards for all"]})
    audit.record(admin_actor, "agreement.updated", "agreement", other.id, {"purpose": ["", "Hill cards"]})
    audit.record(admin_actor, "organisation.confirmed", "organisation", world.orgs["north"].id,
                 {"last_confirmed": [None, "2026-01-05"]})
    db.session.commit()
    admin = login(world.emails["admin"])

    by_who = rows_of(admin.get(f"/audit?who={staff.user_id}").text)
    assert any("Cards for all" in r for r in by_who) and not any("Hill cards" in r for r in by_who)
    by_kind = rows_of(admin.get("/audit?kind=organisations").text)
    assert "confirmed the details are current — North School" in by_kind[0]
    assert "last confirmed: January 5, 2026" in by_kind[0]
    assert all("organisation" in r or "confirmed" in r for r in by_kind)
    by_agreement = rows_of(admin.get("/audit?agreement=mou hill").text)  # words of "Hill Card MOU", any order and case
    assert any("Hill cards" in r for r in by_agreement) and not any("Cards for all" in r for r in by_agreement)
    by_org = rows_of(admin.get("/audit?organisation=North").text)
    assert "confirmed the details are current" in by_org[0]
    assert all("North School" in r for r in by_org) and not any("Hill" in r for r in by_org)
    assert rows_of(admin.get("/audit?agreement=%25").text) == ["No events match."]  # a percent sign is itself
    assert rows_of(admin.get("/audit?agreement=hill lakeside").text) == ["No events match."]  # every word, in one title
    assert rows_of(admin.get("/audit?organisation=_orth").text) == ["No events match."]  # so is an underscore
    tomorrow = (datetime.utcnow() + timedelta(days=2)).date().isoformat()
    assert rows_of(admin.get(f"/audit?since={tomorrow}").text) == ["No events match."]
    nonsense = admin.get("/audit?since=not-a-date&who=abc&kind=nope&agreement=" + "x" * 5000)
    assert nonsense.status_code == 200  # a value that means nothing counts as not given


def test_agreements_and_organisations_are_typed_not_listed(world, login):
    """A statewide log speaks of thousands of agreements and organisations: the filters take words of a title or a
    name, and the page lists none of them as options; the accounts stay a list to choose from."""
    page = login(world.emails["admin"]).get("/audit").text
    filters = page.split('<form class="filters"')[1].split("</form>")[0]
    assert 'type="search"' in filters and 'id="audit-agreement"' in filters and "Words of its title" in filters
    assert "Lakeside Card MOU" not in filters and "Hill Card MOU" not in filters and "North School" not in filters
    assert "<option" in filters.split('id="audit-who"')[1].split("</select>")[0]


def test_pages_and_a_csv_export_that_matches_the_page(app, world, login):
    staff = actor(world)
    for n in range(30):
        audit.record(staff, "agreement.updated", "agreement", world.agreements["own"].id, {"purpose": [f"v{n}", f"v{n + 1}"]})
    db.session.commit()
    admin = login(world.emails["admin"])
    first = admin.get("/audit?kind=agreements")
    assert "Page 1 of 2" in first.text
    page_rows = rows_of(first.text)
    export = admin.get("/audit/export.csv?kind=agreements")
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert table[0] == ["When (UTC)", "Who", "What", "Concerning", "Details"]
    assert len(table) - 1 == db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action.like("agreement.%")))
    for row, shown in zip(table[1:], page_rows):
        who, did, subject, details = row[1:]
        assert f"{who} {did} — {subject}" in shown
        assert details.replace("→", "→") in shown


def test_a_broken_chain_is_shown_on_the_page(world, login, is_postgres):
    audit.record(actor(world), "agreement.updated", "agreement", world.agreements["own"].id, {"purpose": ["a", "b"]})
    db.session.commit()
    db.session.execute(text("UPDATE audit_event SET actor_label = 'Someone Else' WHERE id = (SELECT MAX(id) FROM audit_event)"))
    db.session.commit()
    html = login(world.emails["admin"]).get("/audit").text
    assert "The chain is broken at event" in html
