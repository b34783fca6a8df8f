"""The standard MOU reads right for every shape of partnership: defined terms by role, no placeholder leaks,
grades from the drive, and a checklist that names what is empty or contradictory before submission."""
import re
from datetime import date

import pytest

from tests import documents as docs
from tests.world import agreement, org
from tracker.cards import drives
from tracker.documents import checklist, service, signing, text
from tracker.extensions import db
from tracker.validation import Invalid

LEAKS = ("{{", "{%", "None", "()", "[not set]", "(not set)", "K–12", " ,", "..", "  ", "no modification window")


def _where(n):
    return {"street": f"{n} Main Street", "city": "Lakeside", "region": "WI", "postal_code": "53000"}


def _document(agreement_, grades=("K", "01", "02", "03", "04", "05")):
    school_ids = [s.id for s in drives.schools_of(agreement_.id)]
    drives.create(docs.SETUP, agreement_, {"name": "Sign-up month", "status": "planning", "grades": list(grades)}, school_ids)
    docs.clauses.seed(docs.SETUP)
    return service.create_document(docs.SETUP, agreement_).versions[0]


def _no_leaks(words: str):
    for leak in LEAKS:
        assert leak not in words, (leak, words[max(0, words.find(leak) - 80):words.find(leak) + 80])
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", words), re.search(r"\b[a-z]+_[a-z_]+\b", words)  # no codes


@pytest.fixture
def shapes(world):
    system = org("Riverside Library System", "library_system", **_where(1))
    branch = org("Elm Street Branch", "branch", system, **_where(2))
    district = org("Riverside Unified School District", "district", **_where(3))
    schools = [org(f"School {name}", "school", district, **_where(10 + i))
               for i, name in enumerate(("Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel"))]
    return {
        "branch_school": agreement("Elm Street Reads", [branch, schools[0]], modification_window_start=2,
                                   modification_window_end=5),
        "system_district": agreement("Riverside Cards for All", [system, district], renewal="automatic",
                                     renewal_months=12),
        "system_schools": agreement("Eight Schools Card Pilot", [system, *schools], term_kind="ongoing", end_date=None,
                                    renewal="mutual"),
        "schools": schools,
    }


def test_one_branch_and_one_school(shapes):
    version = _document(shapes["branch_school"])
    words = text.full_text(version)
    _no_leaks(words)
    assert ('Elm Street Branch, a branch of Riverside Library System, 2 Main Street, Lakeside, WI 53000 (the "Library"), '
            'and School Alder, 10 Main Street, Lakeside, WI 53000 (the "School")') in words
    assert "The programme covers the School, grades K–5." in words
    assert "Either party may propose changes each year during February–May." in words
    assert "It does not renew" in words and "District" not in words and "Schools" not in words
    assert "The School shall send each opt-out to the Library" in words
    assert "This agreement takes effect on August 1, 2026 and runs until July 31, 2029." in words


def test_a_library_system_and_a_district(shapes):
    version = _document(shapes["system_district"], grades=("09", "10", "11", "12"))
    words = text.full_text(version)
    _no_leaks(words)
    assert 'Riverside Unified School District, 3 Main Street, Lakeside, WI 53000 (the "District")' in words
    assert "The programme covers the schools of the District (School Alder, School Birch," in words
    assert "School Hazel), grades 9–12." in words
    assert "It renews automatically for further periods of 12 months" in words
    assert "The District shall share only these fields" in words and "the School " not in words
    assert "modification" not in words


def test_a_library_system_and_eight_named_schools(shapes):
    version = _document(shapes["system_schools"], grades=("K", "02", "04"))
    words = text.full_text(version)
    _no_leaks(words)
    assert 'Riverside Library System, 1 Main Street, Lakeside, WI 53000 (the "Library"), and the following schools: ' in words
    assert "School Alder, 10 Main Street, Lakeside, WI 53000; School Birch, 11 Main Street" in words
    assert 'School Hazel, 17 Main Street, Lakeside, WI 53000 (together, the "Schools")' in words
    assert "The programme covers each of the Schools, grades K, 2 and 4." in words
    assert "takes effect on August 1, 2026 and continues until either party ends it" in words
    assert "It may be renewed by a written agreement of both parties" in words
    assert "The Schools shall send each opt-out" in words and "District" not in words


def test_the_checklist_names_empty_values_contradictions_and_unsigned_parties(shapes, world):
    agreement_ = shapes["branch_school"]
    docs.clauses.seed(docs.SETUP)
    version = service.create_document(docs.SETUP, agreement_).versions[0]  # no drive: no grades
    termination = next(c for c in version.clauses if c.category == "termination")
    service.edit_clause(docs.SETUP, version, termination.id, termination.title,
                        "Either party may end this agreement on 60 days' notice.")
    term = next(c for c in version.clauses if c.category == "term")
    service.edit_clause(docs.SETUP, version, term.id, term.title, "It renews automatically each year until 2035.")
    found = [i.text for i in checklist.items(version)]
    assert any("prints {{ grades }}, which is empty" in t for t in found), found
    assert any("60 days' notice; the agreement's termination notice is 30 days" in t for t in found), found
    assert any("renews automatically; the agreement's renewal is no renewal" in t for t in found), found
    assert any("names the year 2035" in t for t in found), found
    assert "Nobody signs for Elm Street Branch: add a signatory from it (or from the organisation above it)." in found
    assert "Nobody signs for School Alder: add a signatory from it (or from the organisation above it)." in found
    with pytest.raises(Invalid, match="grades"):
        service.submit_for_approval(docs.SETUP, version)
    signing.add_signatory(docs.SETUP, version, {**docs.outside(), "organisation": "Riverside Unified School District"})
    service.update_settings(docs.SETUP, version, version.document.needed, "parallel", {**version.terms, "grades": "K–5"})
    assert not any("grades" in i.text for i in checklist.items(version))
    with pytest.raises(Invalid) as refused:  # the contradictions block: a signed text must agree with its agreement
        service.submit_for_approval(docs.SETUP, version)
    messages = refused.value.errors[""]
    assert any("Clause 4 (Termination on notice) contradicts the agreement: it gives 60 days' notice" in m for m in messages)
    assert any("Clause 3 (Term and renewal) contradicts the agreement" in m for m in messages)
    assert not any("Nobody signs" in m for m in messages)  # shown, but a signatory may still be added
    service.edit_clause(docs.SETUP, version, termination.id, termination.title,
                        "Either party may end this agreement on {{ agreement.notice_days }} days' notice.")
    service.edit_clause(docs.SETUP, version, term.id, term.title, "It runs for the term the agreement sets.")
    service.submit_for_approval(docs.SETUP, version)  # the unsigned library party does not stop the submission
    assert version.status == "review"
    for kind in version.document.needed:
        docs.approvals.record_approval(docs.SETUP, version, kind, date.today(), "Counsel Carla")
    with pytest.raises(Invalid) as refused:  # ... but it stops the sending for signature
        signing.start(docs.SETUP, version)
    assert refused.value.errors[""] == ["Signing cannot start yet:", "Nobody signs for Elm Street Branch: add a "
                                        "signatory from it (or from the organisation above it)."]
    assert version.status == "review"
    signing.add_signatory(docs.SETUP, version, {**docs.outside("Lena Library", "lena@riverside.example"),
                                                "organisation": "Riverside Library System"})
    signing.start(docs.SETUP, version)
    assert version.status == "signing"


def test_the_version_page_shows_the_checklist(shapes, world, login):
    agreement_ = world.agreements["own"]
    version = docs.draft(world)
    version.terms = {**version.terms, "grades": ""}
    db.session.commit()
    html = login(world.emails["administrator"]).get(f"/agreements/{agreement_.id}/versions/{version.id}").get_data(as_text=True)
    assert "Before submitting" in html and "prints {{ grades }}, which is empty" in html
    assert "Must fix:" in html and "Nobody signs for North School" in html
    checklist_html = html.split('id="checklist-heading"')[1].split("</ul>")[0]
    assert 'href="#settings">Fill in the document&#39;s terms</a>' in checklist_html or \
        "href=\"#settings\">Fill in the document's terms</a>" in checklist_html
    assert 'href="#signatories">Add a signatory</a>' in checklist_html
    term = next(c for c in version.clauses if c.category == "termination")
    service.edit_clause(docs.SETUP, version, term.id, term.title, "Either party may end it on 90 days' notice.")
    html = login(world.emails["administrator"]).get(f"/agreements/{agreement_.id}/versions/{version.id}").get_data(as_text=True)
    checklist_html = html.split('id="checklist-heading"')[1].split("</ul>")[0]
    line = next(li for li in checklist_html.split("<li") if "contradicts" in li)
    assert "Must fix:" in line and "Clause 4 (Termination on notice)" in line
    assert f"/versions/{version.id}/clauses/{term.id}" in line and f"/agreements/{agreement_.id}/details" in line


def test_clause_dates_are_written_in_the_documents_language(shapes):
    """The date filter reads the language stored on the version (its library party's), not the deployment's."""
    agreement_ = shapes["branch_school"]
    library = next(p.organisation for p in agreement_.parties if p.organisation.kind == "branch")
    library.language = "es"
    db.session.commit()
    version = _document(agreement_)
    term = next(s for s in text.sections(version) if s.title == "Term and renewal")
    assert "1 de agosto de 2026" in term.text and "August" not in term.text
    signing.add_signatory(docs.SETUP, version, {"name": "Ana", "title": "", "organisation": library.name,
                                                "email": "ana@example.org", "capacity": "signs"})
    signing.add_signatory(docs.SETUP, version, {"name": "Sol", "title": "", "organisation": "School Alder",
                                                "email": "sol@example.org", "capacity": "signs"})
    service.submit_for_approval(docs.SETUP, version)
    assert version.language == "es"
    library.language = "en"  # a later change to the organisation does not reach a version past draft
    db.session.commit()
    term = next(s for s in text.sections(version) if s.title == "Term and renewal")
    assert "1 de agosto de 2026" in term.text


def test_cross_references_name_only_clauses_the_document_has(shapes):
    """A joint-use agreement has no retention clause: its termination clause does not point at one."""
    agreement_ = agreement("Shared Spaces", [shapes["schools"][0], shapes["branch_school"].parties[0].organisation],
                           kind="joint_use")
    version = _document(agreement_)
    categories = [c.category for c in version.clauses]
    assert "retention" not in categories and "termination" in categories
    termination = next(s for s in text.sections(version) if s.title == "Termination on notice")
    assert "retention clause" not in termination.text and termination.text.endswith("student data received.")
    with_retention = _document(shapes["system_district"])
    termination = next(s for s in text.sections(with_retention) if s.title == "Termination on notice")
    assert termination.text.endswith("as the retention clause provides.")
    term = next(s for s in text.sections(with_retention) if s.title == "Term and renewal")
    assert "as the termination clause provides" in term.text
    service.remove_clause(docs.SETUP, with_retention, next(c.id for c in with_retention.clauses if c.category == "termination"))
    term = next(s for s in text.sections(with_retention) if s.title == "Term and renewal")
    assert "termination clause" not in term.text and "unless either party gives notice of termination." in term.text
