"""The annual report per agreement and per organisation: page, PDF (parsed back), XLSX and CSV."""
import csv
import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader

from tracker.extensions import db
from tracker.health.models import ITEMS, SurveyAnswer, SurveyRound
from tracker.milestones.models import Milestone
from tracker.resources.models import ResourceShare
from tracker.auth.models import User
from sqlalchemy import select

YEAR = 2026  # the school year 1 July 2026 to 30 June 2027


def fill(world):
    own = world.agreements["own"]
    library, north = world.orgs["library"].id, world.orgs["north"].id
    db.session.add_all([
        ResourceShare(agreement_id=own.id, kind="ebooks", provider_id=library, recipient_id=north,
                      description="E-books <b>for all</b>", value_cents=120_000, period="year"),
        ResourceShare(agreement_id=own.id, kind="space", provider_id=north, recipient_id=library,
                      description="=HYPERLINK(\"http://evil\")", value_cents=2_500, period="month",
                      start_date=date(2026, 9, 1), end_date=date(2027, 6, 30)),
        ResourceShare(agreement_id=own.id, kind="delivery", provider_id=library, recipient_id=north,
                      description="Ended before the year", value_cents=99_900, period="year", end_date=date(2025, 6, 30)),
        Milestone(agreement_id=own.id, title="Sign-up month reported", due_date=date(2026, 9, 30), status="done",
                  done_date=date(2026, 9, 29)),
        Milestone(agreement_id=own.id, title="Rollover done", due_date=date(2026, 10, 15), status="missed"),
        Milestone(agreement_id=own.id, title="Next year's", due_date=date(2027, 9, 30)),
    ])
    staff = db.session.execute(select(User).where(User.email == world.emails["library_staff"])).scalar_one()
    for title, opens, score in (("Autumn 2026", date(2026, 10, 1), 3), ("Spring 2027", date(2027, 3, 1), 5)):
        survey = SurveyRound(agreement_id=own.id, title=title, opens_on=opens)
        db.session.add(survey)
        db.session.flush()
        db.session.add_all(SurveyAnswer(round_id=survey.id, user_id=staff.id, organisation_id=library, item=i, score=score)
                           for i in ITEMS)
    db.session.commit()
    return own


def test_the_agreement_report_page(world, login):
    own = fill(world)
    html = login(world.emails["viewer"]).get(f"/reports/agreements/{own.id}?year={YEAR}").get_data(as_text=True)
    assert "Annual partnership report" in html and "2026–27" in html
    assert "E-books &lt;b&gt;for all&lt;/b&gt;" in html and "Ended before the year" not in html
    assert "$1,200.00" in html and "$300.00" in html  # $25 a month
    assert "1 done, 1 missed, 0 still open" in html and "50% met." in html
    assert "Autumn 2026" in html and "Spring 2027" in html


def test_an_overdue_milestone_counts_as_not_met(world, login):
    own = fill(world)
    db.session.add(Milestone(agreement_id=own.id, title="Forms back", due_date=date(2026, 11, 1), status="planned"))
    db.session.commit()
    html = login(world.emails["viewer"]).get(f"/reports/agreements/{own.id}?year={YEAR}").get_data(as_text=True)
    assert "1 done, 1 missed, 1 still open (1 overdue)" in html and "33% met." in html


def test_the_pdf_has_the_same_figures(world, login):
    own = fill(world)
    response = login(world.emails["viewer"]).get(f"/reports/agreements/{own.id}.pdf?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Lakeside Card MOU" in text and "2026–27" in text
    assert "E-books <b>for all</b>" in text and "$1,200.00" in text and "50% met." in text
    assert "Spring 2027" in text and "All items 3.0 5.0" in text


def test_the_xlsx_and_csv(world, login):
    own = fill(world)
    session = login(world.emails["viewer"])
    response = session.get(f"/reports/agreements/{own.id}.xlsx?year={YEAR}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert {"Resources", "Balance", "Milestones", "Goals", "Survey"} <= set(book.sheetnames)
    rows = list(book["Resources"].iter_rows(values_only=True))
    assert rows[0][0] == "Agreement" and len(rows) == 3
    values = {r[4]: r[9] for r in rows[1:]}
    assert values["E-books <b>for all</b>"] == 1200 and values["'=HYPERLINK(\"http://evil\")"] == 300
    balance = {r[0]: r[1:] for r in book["Balance"].iter_rows(values_only=True)}
    assert balance["Lakeside Library System"][:3] == (1200, 300, 900)
    resources = book["Resources"]
    assert resources["J2"].number_format == '"$"#,##0.00' and book["Balance"]["E2"].number_format == "0%"
    assert resources.column_dimensions["A"].width >= len("Lakeside Card MOU") and resources.column_dimensions["F"].width < 20
    assert book["Milestones"]["D2"].is_date and book["Milestones"]["D2"].number_format == "yyyy-mm-dd"
    milestones = list(book["Milestones"].iter_rows(values_only=True))
    assert [m[1] for m in milestones[1:]] == ["Sign-up month reported", "Rollover done"]

    text = session.get(f"/reports/agreements/{own.id}.csv?year={YEAR}").data.decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert ["Milestones", "Lakeside Card MOU", "Rollover done"] == table[[r[2] for r in table].index("Rollover done")][:3]
    assert table[0][:4] == ["Section", "School", "Enrolment", "Issued"]  # named as on the page, not "Column 1"
    assert ["Section", "Agreement", "Kind", "From", "To", "What"] in [r[:6] for r in table]
    assert ["Section", "Party", "Gives", "Receives", "Net", "Share of what is given"] == table[[r[1] for r in table].index("Party")][:6]
    balance = next(r for r in table if r[0] == "Balance" and r[1] == "Lakeside Library System")
    assert balance[2:6] == ["1200.00", "300.00", "900.00", "80%"]
    assert any(r[0] == "Survey" and r[1] == "Spring 2027" for r in table)


def test_the_organisation_report_and_its_scope(world, login):
    fill(world)
    district = world.orgs["district"]
    session = login(world.emails["viewer"])  # at the district
    html = session.get(f"/reports/organisations/{district.id}?year={YEAR}").get_data(as_text=True)
    assert "Lakeside Card MOU" in html and "Hill" not in html
    assert "Lakeside District and the organisations below it give $300.00 a year to partners and receive $1,200.00." in html
    assert session.get(f"/reports/organisations/{world.orgs['other_district'].id}").status_code == 403
    assert f'href="/reports/organisations/{district.id}"' in session.get(f"/organisations/{district.id}").get_data(as_text=True)
    other = session.get(f"/organisations/{world.orgs['other_district'].id}").get_data(as_text=True)
    assert "/reports/organisations/" not in other
    assert session.get(f"/reports/agreements/{world.agreements['other'].id}.pdf").status_code == 404
