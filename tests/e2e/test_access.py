"""Who reaches what, in the browser: a school librarian below the party district works on her own school
of the district's card MOU and reaches nothing of other schools; agreements of other partnerships are
"Not found", exactly like ones that do not exist."""
import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import CLASS_VISITS, JOINT_USE, MOU
from tracker.cards.models import DriveCount, Student
from tracker.extensions import db

pytestmark = pytest.mark.e2e
LINCOLN = "Lincoln Elementary School"
WASHINGTON = "Washington Elementary School"


def school_values(app, school_id: int, drive_id: int | None = None):
    """The school's students, its drive counts by grade (of one drive, when the demo has several), their cards."""
    with app.app_context():
        ids = set(db.session.scalars(select(Student.source_id).where(Student.school_id == school_id)))
        rows = select(DriveCount).where(DriveCount.school_id == school_id).order_by(DriveCount.drive_id)
        if drive_id is not None:
            rows = rows.where(DriveCount.drive_id == drive_id)
        counts = {c.grade: c.issued for c in db.session.scalars(rows)}
        cards = dict(db.session.execute(select(Student.source_id, Student.card_status).where(Student.school_id == school_id)).all())
    return ids, counts, cards


def test_the_librarian_records_her_school_of_the_district_mou(signed_in, demo, app):
    page = signed_in("librarian@demo.test")

    # Her dashboard: what she owes under the district's MOU, and her school's drive progress.
    owed = page.locator("#panel-owed")
    expect(owed).to_contain_text("Lincoln Elementary: sign-up forms back to the library")
    expect(page.locator("#panel-card-drives")).to_contain_text(LINCOLN)
    expect(page.locator("#panel-card-drives")).not_to_contain_text(WASHINGTON)

    # From there, the card MOU (between the library system and her district).
    owed.get_by_role("link", name=re.compile("sign-up forms back")).click()
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()
    expect(page.get_by_role("heading", name="Milestones and obligations")).to_be_visible()
    expect(page.locator("#section-milestones")).to_contain_text("Lincoln Elementary: sign-up forms back to the library")
    for hidden in ("#section-history", "#section-health", "#section-communications"):
        expect(page.locator(hidden)).to_have_count(0)
    expect(page.get_by_role("button", name="Edit summary")).to_have_count(0)

    # The September drive: the whole drive's progress, and her school's rows.
    page.get_by_role("navigation", name="Parts of this agreement").get_by_role("link", name="Card drives").click()
    page.locator("#section-card-drives").get_by_role("link", name=re.compile("Library Card Sign-up Month")).click()
    expect(page.get_by_role("heading", level=2, name="Your school", exact=True)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(WASHINGTON)
    page.get_by_role("link", name=LINCOLN).click()
    expect(page.get_by_role("heading", level=2, name=LINCOLN)).to_be_visible()

    # Record counts for kindergarten: the school's progress bar moves.
    drive_id = int(re.search(r"/drives/(\d+)/", page.url).group(1))  # the drive on the page, not last year's
    _ids, counts_before, cards_before = school_values(app, demo.orgs[LINCOLN], drive_id)
    bar = page.locator("#school-progress progress")
    before = float(bar.get_attribute("value"))
    row = page.locator("tr", has=page.get_by_role("rowheader", name="K", exact=True))
    row.get_by_role("link", name=re.compile("Edit")).click()
    form = page.locator("form.inline-counts")
    form.get_by_label("Issued").fill(str(counts_before["K"] + 10))
    form.get_by_role("button", name="Save").click()
    expect(page.locator("tr.saved")).to_be_visible()
    expect(bar).not_to_have_attribute("value", str(before))
    assert float(bar.get_attribute("value")) > before

    # Set one student's card status.
    student_row = page.locator("tr[id^=student-]").first
    source_id = student_row.locator(".hint").inner_text()
    with page.expect_response(lambda r: r.url.endswith("/card") and r.request.method == "POST") as answer:
        student_row.get_by_role("combobox").select_option(label="Issued")
    assert answer.value.status == 200
    expect(page.locator("tr[id^=student-]").first.get_by_role("combobox")).to_have_value("issued")
    _ids, counts_after, cards_after = school_values(app, demo.orgs[LINCOLN], drive_id)
    assert counts_after["K"] >= counts_before["K"] + 10
    assert cards_before[source_id] != "issued" and cards_after[source_id] == "issued"


def crawl(page, start: str, limit: int = 120) -> dict[str, str]:
    """Every page of the app reachable by following links from `start` (GET, same site), as the user."""
    base = page.url
    seen, queue, texts = set(), [start], {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        answer = page.request.get(url)
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        body = answer.text()
        texts[url] = body
        for href in re.findall(r'href="([^"#]+)', body):
            target = urljoin(urljoin(base, url), href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc == urlsplit(base).netloc and not parts.path.startswith("/static/") \
                    and not re.search(r"\.(csv|xlsx|pdf|ics|zip)$", parts.path) and "/logout" not in parts.path:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return texts


def test_the_librarian_reaches_no_other_school(signed_in, demo, app):
    page = signed_in("librarian@demo.test")
    washington = demo.orgs[WASHINGTON]
    others, counts_before, _cards = school_values(app, washington)
    assert len(others) > 100
    mou = demo.agreements[MOU]

    # Another school's roster and drive page: "Not found".
    page.goto(f"/agreements/{mou}/roster")
    expect(page.get_by_role("heading", level=2, name="Roster", exact=True)).to_be_visible()
    for path in (f"/agreements/{mou}/roster?school={washington}", f"/drives/1/schools/{washington}"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")

    # Nothing she can click shows a student of another school.
    pages = crawl(page, "/")
    assert any("/roster" in url for url in pages) and any("/schools/" in url for url in pages)
    leaks = {url: sorted(i for i in others if i in text)[:3] for url, text in pages.items()}
    assert not {url: found for url, found in leaks.items() if found}

    # Posting counts for another school's row is refused, and nothing is written.
    with app.app_context():
        count = db.session.scalar(select(DriveCount).where(DriveCount.school_id == washington, DriveCount.grade == "01"))
        count_id, drive_id = count.id, count.drive_id
        drive_agreement = count.drive.agreement_id
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    answer = page.request.post(f"/agreements/{drive_agreement}/drives/{drive_id}/counts/{count_id}", headers={"X-CSRFToken": token},
                               form={"read_issued": str(counts_before["01"]), "issued": "999"})
    assert answer.status == 404
    assert school_values(app, washington)[1] == counts_before

    # Opting out another school's student is refused with a message, and nothing is written.
    page.goto(f"/agreements/{mou}/roster")
    other = sorted(others)[0]
    page.get_by_label("Student ids").fill(other)
    page.get_by_role("button", name="Record opt-outs").click()
    expect(page.locator("main")).to_contain_text("students of other schools")
    expect(page.locator("main")).to_contain_text(other)
    with app.app_context():
        from tracker.cards.models import OptOut
        assert db.session.scalar(select(OptOut).where(OptOut.source_id == other)) is None


def test_an_agreement_of_another_partnership_is_not_found(signed_in, demo):
    page = signed_in("librarian@demo.test")
    joint_use = demo.agreements[JOINT_USE]

    # Her own agreement opens...
    page.goto(f"/agreements/{demo.agreements[CLASS_VISITS]}")
    expect(page.get_by_role("heading", level=1, name=CLASS_VISITS)).to_be_visible()

    # ...another school's partnership with the library does not.
    response = page.goto(f"/agreements/{joint_use}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    expect(page.get_by_text("There is nothing here, or it is not shared with you.")).to_be_visible()
    assert JOINT_USE not in page.content()
    assert JOINT_USE not in page.title()

    # Nor do its fragments and its edit form, fetched with the librarian's cookies.
    for path in (f"/agreements/{joint_use}/sections/summary", f"/agreements/{joint_use}/sections/term/edit"):
        for headers in ({}, {"HX-Request": "true"}):
            answer = page.request.get(path, headers=headers)
            assert answer.status == 404, (path, headers, answer.status)
            assert JOINT_USE not in answer.text(), (path, headers)

    # And it is not in their list.
    page.goto("/agreements")
    expect(page.locator("#agreement-results")).to_contain_text(CLASS_VISITS)
    expect(page.locator("main")).not_to_contain_text(JOINT_USE)


def test_the_district_mou_is_hers_to_read_not_to_edit(signed_in, demo):
    """Below the party district she may not edit the agreement: its forms answer 403, nothing is written."""
    page = signed_in("librarian@demo.test")
    mou = demo.agreements[MOU]
    page.goto(f"/agreements/{mou}")
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    for path, form in ((f"/agreements/{mou}/sections/summary/edit", {"title": "Mine now", "version": "1"}),
                       (f"/agreements/{mou}/status/terminate", {"version": "1"}),
                       (f"/agreements/{mou}/parties/1/remove", {"version": "1"})):
        answer = page.request.post(path, headers={"X-CSRFToken": token}, form=form)
        assert answer.status == 403, (path, answer.status)
    page.goto(f"/agreements/{mou}/details")
    expect(page.get_by_role("heading", level=1, name=MOU)).to_be_visible()
    expect(page.locator("#section-summary")).not_to_contain_text("Mine now")


def test_signed_out_visitor_is_sent_to_login_not_shown_the_agreement(page, demo):
    response = page.goto(f"/agreements/{demo.agreements[MOU]}")
    assert response.ok
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert MOU not in page.content()


def test_a_failed_htmx_request_is_announced(signed_in, demo):
    """htmx swaps nothing on a 404/500; the page says so instead of silently doing nothing."""
    page = signed_in("director@demo.test")
    page.goto(f"/agreements/{demo.agreements[MOU]}/details")
    problem = page.locator("#request-problem")
    expect(problem).to_be_hidden()
    page.evaluate("htmx.ajax('GET', '/agreements/999999/sections/summary', '#section-summary')")
    expect(problem).to_be_visible()
    expect(problem).to_have_text("That did not work; reload the page and try again.")  # words, no status number
