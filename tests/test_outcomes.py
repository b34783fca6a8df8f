"""Card use (issue 17, part 3): ILS activity reports read in each library system's own column names, matched on the
card programme's card number, refused rows named and nothing written, the shares at 1, 5, 9 and 12 months (month ends
and a leap year worked out by hand), snapshots and their trend, the purge, who sees what, and the annual report."""
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.card_fixtures import import_roster, set_up_cards, users_csv
from tests.conftest import PASSWORD
from tests.world import SETUP, agreement
from tracker.audit.models import AuditEvent
from tracker.auth import service as accounts
from tracker.auth.models import User
from tracker.cards import privacy
from tracker.cards.models import Student
from tracker.extensions import db
from tracker.outcomes import metrics, reports, service
from tracker.outcomes.models import ActivityMapping, ActivityReport, CardActivity
from tracker.outcomes.views import trend
from tracker.validation import Invalid

FIXTURES = Path(__file__).parent / "fixtures" / "activity"
REPORT_DAY = date(2026, 11, 30)
STUDENTS = [("n-1", "sch-north", "Ann", "Lee", "03", "1001"), ("n-2", "sch-north", "Bo", "Kim", "04", "1002"),
            ("s-1", "sch-south", "Fay", "Ng", "03", "2001"), ("s-2", "sch-south", "Cy", "Diaz", "05", "2002")]
# The samples' four students, worked out by hand for a report of 30 November 2026 (see each row's dates):
# 21001001 issued 2026-09-10, last seen 2026-11-20: used, old enough and active at 1 month (10 October).
# 21001002 issued 2026-09-10, never seen, no checkouts: not used; old enough at 1 month, not active.
# 21002001 issued 2025-10-31, last seen 2026-04-02: used; marks 2025-11-30, 2026-03-31, 2026-07-31, 2026-10-31 all
#          passed; active at 1 and 5 months, not at 9 or 12.
# 21002002 issued 2026-09-10, seen that same day: used; old enough at 1 month, not active.
EXPECTED = {
    ("North School", "03"): {"cards": 1, "used": 1, "old_1": 1, "active_1": 1, "old_5": 0, "active_5": 0},
    ("North School", "04"): {"cards": 1, "used": 0, "old_1": 1, "active_1": 0, "old_5": 0},
    ("South School", "03"): {"cards": 1, "used": 1, "old_1": 1, "active_1": 1, "old_5": 1, "active_5": 1, "old_9": 1,
                             "active_9": 0, "old_12": 1, "active_12": 0},
    ("South School", "05"): {"cards": 1, "used": 1, "old_1": 1, "active_1": 0},
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def drive(world):
    """A drive of the district's agreement over North and South School, grades 03-05, four students on the roster."""
    world.agreements["district"] = agreement("Lakeside District Card MOU", [world.orgs["library"], world.orgs["district"]])
    _programme, made = set_up_cards(world, "district")
    import_roster(world, users_csv(STUDENTS), "district")
    return made


def preview(drive, name="koha_report.csv", data=None, kind="auto", day=REPORT_DAY, mapping=None):
    return service.preview(SETUP, drive, name, fixture(name) if data is None else data, kind, day, mapping)


def committed_rows() -> int:
    return db.session.scalar(select(func.count(CardActivity.id)))


def by_group(report) -> dict:
    return {(r["school"], r["grade"]): r for r in report.figures}


# ---- each library system's export ---------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [("koha_report.csv", "koha"), ("evergreen_report.csv", "evergreen"),
                                        ("polaris_patrons.csv", "polaris")])
def test_each_ils_report_is_read_and_matched_on_the_card_number(drive, name, kind):
    report = preview(drive, name)
    assert (report.source_kind, report.rows_read, report.rows_matched, report.unknown_count) == (kind, 5, 4, 1)
    assert report.summary["unknown"] == ["29999999"] and report.summary["issued_from_report"]
    found = by_group(report)
    for group, counts in EXPECTED.items():
        assert {k: found[group][k] for k in counts} == counts, (name, group)
    total = metrics.summed(report.figures)
    assert (total["cards"], total["used"], total["old_1"], total["active_1"]) == (4, 3, 4, 2)
    assert metrics.shares(total)["used"] == 75 and metrics.shares(total)[1] == 50 and metrics.shares(total)[12] == 0


def test_a_plain_csv_is_mapped_once_and_the_mapping_remembered(drive):
    with pytest.raises(Invalid) as refused:
        preview(drive, "plain.csv")
    message = refused.value.errors["file"][0]
    assert "cardnumber" in message and "Last Activity Date" in message and "Library card, Joined, Last visit, Loans" in message
    mapping = {"barcode": "Library card", "last_activity": "Last visit", "issued": "Joined", "checkouts": "Loans"}
    report = preview(drive, "plain.csv", kind="plain", mapping=mapping)
    assert (report.source_kind, report.rows_matched) == ("plain", 4)
    service.commit(SETUP, drive, report.id)
    assert db.session.scalar(select(ActivityMapping.mapping)) == mapping
    again = preview(drive, "plain.csv")  # the next file of the agreement: the remembered mapping, unasked
    assert (again.source_kind, again.rows_matched, by_group(again)) == ("plain", 4, by_group(report))


@pytest.mark.parametrize("header, kind, fields", [
    ("CARDNUMBER,LastSeen,DateEnrolled", "koha", {"barcode": "CARDNUMBER", "last_activity": "LastSeen", "issued": "DateEnrolled"}),
    ("cardnumber,lastseen,COUNT(*)", "koha", {"barcode": "cardnumber", "last_activity": "lastseen", "checkouts": "COUNT(*)"}),
    ("Barcode,Record Creation Date/Time,Event Time,Circulation Count", "evergreen",
     {"barcode": "Barcode", "issued": "Record Creation Date/Time", "last_activity": "Event Time", "checkouts": "Circulation Count"}),
    ("PatronBarcode,LastActivityDate,RegistrationDate,YTDCircCount", "polaris",
     {"barcode": "PatronBarcode", "last_activity": "LastActivityDate", "issued": "RegistrationDate", "checkouts": "YTDCircCount"}),
    ("Patron Barcode,Last Activity Date,LTD Circ Count,YTD Circ Count", "polaris",
     {"barcode": "Patron Barcode", "last_activity": "Last Activity Date", "checkouts": "LTD Circ Count"}),
])
def test_header_variants_are_recognised(header, kind, fields):
    width = header.count(",") + 1
    found = reports.read((header + "\n" + ",".join(["21001001", "2026-10-01"] + ["1"] * (width - 2)) + "\n").encode(), "r.csv")
    assert (found.kind, found.columns) == (kind, fields)


@pytest.mark.parametrize("text, day", [
    ("2026-11-20", date(2026, 11, 20)), ("2026-11-20 15:32:10", date(2026, 11, 20)),
    ("2026-11-20 15:32:10.123456-08", date(2026, 11, 20)), ("2026-11-20T15:32:10Z", date(2026, 11, 20)),
    ("11/20/2026", date(2026, 11, 20)), ("11/20/2026 3:32:10 PM", date(2026, 11, 20)), ("2/29/2028", date(2028, 2, 29)),
    ("", None), ("0000-00-00 00:00:00", None), ("2026-02-30", "2026-02-30"), ("last week", "last week"),
])
def test_dates_as_the_systems_write_them(text, day):
    assert reports.parse_day(text) == day


# ---- refused input ----------------------------------------------------------------------------------

def test_unknown_future_duplicate_and_unreadable_rows_are_refused_with_their_lines_and_nothing_written(drive):
    data = ("cardnumber,dateenrolled,lastseen,checkouts\n"
            "21001001,2026-09-10,2026-12-24,1\n"      # line 2: last activity after the report's date
            "21001002,2026-09-10,2026-10-01,1\n"      # 3 and 5: the same card twice
            "21002001,2027-01-05,2026-10-01,1\n"      # 4: issued after the report's date
            "21001002,2026-09-10,2026-10-02,1\n"
            "21002002,2026-09-10,yesterday,x\n"       # 6: unreadable date and count
            + "".join(f"9{n:07d},2020-01-01,2026-11-01,1\n" for n in range(25))).encode()  # 25 unknown cards
    report = preview(drive, data=data, name="bad.csv")
    assert committed_rows() == 0 and not service.snapshots(drive.id)  # a preview counts nothing yet
    assert (report.rows_read, report.rows_matched, report.unknown_count, report.refused_count) == (30, 0, 25, 5)
    assert len(report.summary["unknown"]) == 20 and report.summary["unknown"][0] == "90000000"
    messages = [(p["line"], p["column"], p["message"]) for p in report.summary["problems"]]
    assert (2, "lastseen", "The date 2026-12-24 is after the report's date, 2026-11-30.") in messages
    assert (4, "dateenrolled", "The date 2027-01-05 is after the report's date, 2026-11-30.") in messages
    duplicate = "Card 21001002 is on more than one row (lines 3, 5); none of them was imported."
    assert (3, "cardnumber", duplicate) in messages and (5, "cardnumber", duplicate) in messages
    assert (6, "lastseen", "Unreadable date yesterday (use YYYY-MM-DD or MM/DD/YYYY).") in messages
    assert (6, "checkouts", "Unreadable checkout count x (a whole number was expected).") in messages
    with pytest.raises(Invalid, match="Nothing to import"):
        service.commit(SETUP, drive, report.id)
    db.session.rollback()
    assert committed_rows() == 0 and not service.snapshots(drive.id)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "outcomes.imported")) == 0


def test_only_the_refused_rows_are_left_out_of_a_commit(drive):
    data = fixture("koha_report.csv").replace(b"21001002,STUDENT,HAR,2026-09-10,,0", b"21001002,STUDENT,HAR,2026-09-10,2027-01-01,0")
    report = preview(drive, data=data)
    assert (report.rows_matched, report.refused_count) == (3, 1)
    service.commit(SETUP, drive, report.id)
    assert sorted(db.session.scalars(select(CardActivity.barcode))) == ["21001001", "21002001", "21002002"]


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"   \n", "is empty"),
    (b"cardnumber,lastseen\n", "has a header but no rows"),
    (b"cardnumber,dateenrolled\n21001001,2026-09-10\n", "lacks the last activity column: one of lastseen was expected"),
    (b"Barcode,Name\n21001001,Ann\n", "a card number column (cardnumber, barcode, Card Barcode"),
    (b"%PDF-1.7 binary\x00\x01", "is not a CSV file"),
    (b"\xff\xfe" + "cardnumber,lastseen\n".encode("utf-16-le")[:-1], "UTF-16 text is damaged"),
    (b"Patron Barcode;Name\n21001001;x\n", "Last Activity Date"),
])
def test_files_that_cannot_be_read_are_refused_whole(drive, data, message):
    with pytest.raises(Invalid) as refused:
        preview(drive, data=data, name="report.csv")
    assert message in refused.value.errors["file"][0]
    assert db.session.scalar(select(func.count(ActivityReport.id))) == 0


def test_windows_1252_and_utf16_files_are_read(drive):
    text = fixture("polaris_patrons.csv").decode().replace("Lee, Ann", "Lée, Ann")
    for data in (text.encode("cp1252"), text.encode("utf-16")):
        assert preview(drive, "polaris_patrons.csv", data=data).rows_matched == 4


def test_a_file_with_none_of_the_drives_cards_says_what_the_cards_look_like(drive):
    with pytest.raises(Invalid, match="None of the 2 card numbers in r.csv is the card of a student of this drive "
                                      r"\(for example 1, 2\)\. .* e\.g\. 2100"):
        preview(drive, data=b"cardnumber,lastseen\n1,2026-10-01\n2,2026-10-01\n", name="r.csv")


def test_the_reports_own_date_cannot_be_in_the_future(drive):
    with pytest.raises(Invalid) as refused:
        preview(drive, day=date(2099, 1, 1))
    assert refused.value.errors == {"report_date": ["The report's date cannot be in the future."]}


# ---- the shares ---------------------------------------------------------------------------------

@pytest.mark.parametrize("day, months, then", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)), (date(2028, 2, 29), 1, date(2028, 3, 29)),
    (date(2026, 8, 31), 9, date(2027, 5, 31)), (date(2026, 10, 31), 5, date(2027, 3, 31)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)), (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 9, 30), 12, date(2027, 9, 30)),
])
def test_months_are_calendar_months(day, months, then):
    assert metrics.add_months(day, months) == then


GROUP = [(1, "North School", "03")]


@pytest.mark.parametrize("issued, last, report_day, old, active", [
    # 31 January + 1 month is 28 February (2027): active from that day, not the day before
    (date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 1), 1, 1),
    (date(2027, 1, 31), date(2027, 2, 27), date(2027, 3, 1), 1, 0),
    # in a leap year, 29 February
    (date(2028, 1, 31), date(2028, 2, 28), date(2028, 3, 1), 1, 0),
    (date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 1), 1, 1),
    # not old enough on the report's date: out of the share
    (date(2027, 1, 31), date(2027, 2, 20), date(2027, 2, 27), 0, 0),
    # old enough on the very day
    (date(2027, 1, 31), date(2027, 2, 28), date(2027, 2, 28), 1, 1),
])
def test_one_month_share_across_month_ends(issued, last, report_day, old, active):
    row = metrics.figures(GROUP, [issued], [last], [None], report_day)[0]
    assert (row["old_1"], row["active_1"]) == (old, active)


@pytest.mark.parametrize("last, report_day, old12, active12", [
    # issued 29 February 2028: twelve months on is 28 February 2029
    (date(2029, 2, 28), date(2029, 3, 1), 1, 1),
    (date(2029, 2, 27), date(2029, 3, 1), 1, 0),
    (date(2029, 2, 27), date(2029, 2, 27), 0, 0),
])
def test_twelve_month_share_from_a_leap_day(last, report_day, old12, active12):
    row = metrics.figures(GROUP, [date(2028, 2, 29)], [last], [None], report_day)[0]
    assert (row["old_12"], row["active_12"]) == (old12, active12)
    assert (row["old_9"], row["active_9"]) == (1, 1 if last >= date(2028, 11, 29) else 0)


def test_shares_of_a_group_computed_by_hand():
    """Ten cards issued 31 August 2026, report of 31 May 2027: the 1- and 5-month marks (30 September, 31 January)
    and the 9-month mark (31 May) have passed, the 12-month one not."""
    lasts = [None, date(2026, 8, 30), date(2026, 8, 31), date(2026, 9, 29), date(2026, 9, 30), date(2027, 1, 30),
             date(2027, 1, 31), date(2027, 5, 30), date(2027, 5, 31), date(2027, 5, 31)]
    checkouts = [0, 3, 0, 0, 0, 0, 0, 0, 0, 0]
    row = metrics.figures(GROUP * 10, [date(2026, 8, 31)] * 10, lasts, checkouts, date(2027, 5, 31))[0]
    assert (row["cards"], row["used"]) == (10, 9)  # the never-seen card with no checkouts is the one unused
    assert [(row[f"old_{n}"], row[f"active_{n}"]) for n in metrics.MONTHS] == [(10, 6), (10, 4), (10, 2), (0, 0)]
    assert metrics.shares(row) == {"used": 90, 1: 60, 5: 40, 9: 20, 12: None}


# ---- snapshots, trend, purge ----------------------------------------------------------------------------

def test_commit_writes_the_cards_and_a_snapshot_and_audits_counts_only(drive):
    report = service.commit(SETUP, drive, preview(drive).id)
    assert report.is_committed and report.staged is None and "unknown" not in report.summary
    rows = db.session.execute(select(CardActivity.barcode, CardActivity.issued_on, CardActivity.last_activity_on,
                                     CardActivity.checkouts).order_by(CardActivity.barcode)).all()
    assert rows[0] == ("21001001", date(2026, 9, 10), date(2026, 11, 20), 4) and rows[1][2] is None and len(rows) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outcomes.imported"))
    assert (event.entity_type, str(event.entity_id)) == ("card_drive", str(drive.id))
    assert event.changes["rows_matched"] == [None, 4] and event.changes["unknown"] == [None, 1]
    assert "2100" not in json.dumps(event.changes) and "2999" not in json.dumps(event.changes)
    with pytest.raises(Invalid, match="not waiting to be committed"):
        service.commit(SETUP, drive, report.id)


def test_without_an_issue_date_the_export_day_else_the_drive_start(drive):
    db.session.execute(Student.__table__.update().where(Student.source_id == "n-1").values(exported_at=datetime(2026, 9, 20, 15)))
    report = preview(drive, data=b"cardnumber,lastseen\n21001001,2026-10-21\n21001002,2026-09-30\n")
    service.commit(SETUP, drive, report.id)
    issued = dict(db.session.execute(select(CardActivity.barcode, CardActivity.issued_on)).all())
    assert issued == {"21001001": date(2026, 9, 20), "21001002": date(2026, 9, 1)}
    found = by_group(report)
    # 20 September + 1 month = 20 October (seen the 21st: active); 1 September + 1 month = 1 October (seen 30 September: not)
    assert found[("North School", "03")]["active_1"] == 1 and found[("North School", "04")]["active_1"] == 0


def test_each_report_is_a_snapshot_and_the_trend_shows_them_in_date_order(drive):
    service.commit(SETUP, drive, preview(drive, day=date(2026, 11, 30)).id)
    earlier = fixture("koha_report.csv").replace(b"2026-11-20 15:32:10", b"2026-09-10 15:32:10")
    service.commit(SETUP, drive, preview(drive, data=earlier, day=date(2026, 10, 15)).id)
    dates = [r.report_date for r in service.snapshots(drive.id)]
    assert dates == [date(2026, 10, 15), date(2026, 11, 30)]
    used = [(t["report"].report_date, t["cards"], t["used"], t["old_1"], t["active_1"]) for t in trend(service.snapshots(drive.id), None)]
    # on 15 October every card is a month old (10 October for those of 10 September); only the card of October 2025
    # was still active then, since the other card seen was last seen on the day it was issued
    assert used == [(date(2026, 10, 15), 4, 3, 4, 1), (date(2026, 11, 30), 4, 3, 4, 2)]


def test_the_purge_deletes_the_card_rows_and_keeps_the_figures(drive, world):
    report = service.commit(SETUP, drive, preview(drive).id)
    waiting = preview(drive, "evergreen_report.csv")
    figures = report.figures
    agreement_ = world.agreements["district"]
    agreement_.end_date = date(2026, 6, 1)  # 30 days after its end, the spec says: past
    db.session.commit()
    done = privacy.purge(SETUP, date(2026, 12, 1))
    assert [d["agreement_id"] for d in done] == [agreement_.id]
    assert committed_rows() == 0 and db.session.scalar(select(func.count(Student.id)).where(Student.agreement_id == agreement_.id)) == 0
    db.session.expire_all()
    kept = db.session.get(ActivityReport, report.id)
    assert kept.figures == figures and kept.is_committed and service.snapshots(drive.id) == [kept]
    dropped = db.session.get(ActivityReport, waiting.id)
    assert dropped.staged is None and not dropped.is_previewed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.purged"))
    assert event.changes["card_activity_deleted"] == [None, 4]


def test_a_large_report_is_read_and_matched_in_columns(drive):
    lines = ["cardnumber,dateenrolled,lastseen,checkouts"] + [f"8{n:08d},2025-09-10,2026-10-01,{n % 7}" for n in range(100_000)]
    lines.insert(500, "21001001,2026-09-10,2026-11-20,4")
    started = datetime.now()
    report = preview(drive, data=("\n".join(lines) + "\n").encode(), name="big.csv")
    assert (report.rows_read, report.rows_matched, report.unknown_count) == (100_001, 1, 100_000)
    assert (datetime.now() - started).total_seconds() < 20


# ---- pages and who sees what ----------------------------------------------------------------------------

def user(world, role):
    return db.session.scalar(select(User).where(User.email == world.emails[role]))


def url(drive, rest=""):
    return f"/agreements/{drive.agreement_id}/drives/{drive.id}/card-use{rest}"


def upload(session, drive, name="koha_report.csv", **extra):
    data = {"file": (io.BytesIO(fixture(name)), name), "source_kind": "auto", "report_date": "2026-11-30", **extra}
    return session.post(url(drive), data, content_type="multipart/form-data")


def test_staff_upload_preview_and_commit_through_the_pages(drive, world, signed_in):
    staff = signed_in(user(world, "library_staff"))
    response = upload(staff, drive)
    assert response.status_code == 303 and "?report=" in response.location
    page = staff.get(response.location)
    assert page.status_code == 200
    assert '<dd id="preview-matched">4</dd>' in page.text and "29999999" in page.text and "Nothing is saved" in page.text
    report_id = int(response.location.split("report=")[1].split("#")[0])
    assert committed_rows() == 0
    done = staff.post(url(drive, "/commit"), {"report_id": str(report_id)})
    assert done.status_code == 303 and committed_rows() == 4
    shown = staff.get(url(drive)).text
    assert "Activity report of" in shown and '<dd id="use-total">3 (75%)</dd>' in shown
    assert 'id="chart-card-use"' in shown and "North School" in shown and "South School" in shown
    assert staff.post(url(drive, "/commit"), {"report_id": str(report_id)}).status_code == 422
    assert staff.post(url(drive, "/commit"), {"report_id": "99999999"}).status_code == 422
    drive_page = staff.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}").text  # the drive's page sums it up
    section = drive_page[drive_page.index('id="card-use"'):]
    assert "3 of 4 cards used at least once (75%)" in section and url(drive) in section
    assert 'id="chart-drive-card-use"' in section  # the chart sits on the drive's page too


def test_a_refused_upload_says_why_and_keeps_nothing(drive, world, signed_in):
    staff = signed_in(user(world, "library_staff"))
    response = staff.post(url(drive), {"file": (io.BytesIO(b"Name,Town\nAnn,Lakeside\n"), "x.csv"), "source_kind": "auto",
                                       "report_date": "2026-11-30"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "a card number column" in response.text and "Name, Town" in response.text
    assert staff.post(url(drive), {"source_kind": "auto", "report_date": "2026-11-30"},
                      content_type="multipart/form-data").status_code == 422
    assert db.session.scalar(select(func.count(ActivityReport.id))) == 0


def test_discarding_a_preview_writes_nothing(drive, world, signed_in):
    staff = signed_in(user(world, "library_staff"))
    report = preview(drive)
    assert staff.post(url(drive, "/discard"), {"report_id": str(report.id)}).status_code == 303
    db.session.expire_all()
    assert committed_rows() == 0 and db.session.get(ActivityReport, report.id).staged is None


def test_viewers_see_the_figures_but_cannot_import(drive, world, signed_in):
    service.commit(SETUP, drive, preview(drive).id)
    viewer = signed_in(user(world, "viewer"))
    page = viewer.get(url(drive))
    assert page.status_code == 200 and "South School" in page.text and "Import an activity report" not in page.text
    assert upload(viewer, drive).status_code == 403
    assert viewer.post(url(drive, "/commit"), {"report_id": "1"}).status_code == 403
    waiting = preview(drive)
    assert "preview-matched" not in viewer.get(url(drive, f"?report={waiting.id}")).text


def test_a_school_librarian_below_the_district_sees_only_her_schools_rows(drive, world, signed_in):
    service.commit(SETUP, drive, preview(drive).id)
    north = signed_in(user(world, "school_librarian")).get(url(drive))
    assert north.status_code == 200 and "North School" in north.text and "South School" not in north.text
    assert '<dd id="use-total">1 (50%)</dd>' in north.text
    south_user = accounts.create_user(SETUP, "south@test.example", "South Librarian", "school_librarian", PASSWORD,
                                      [world.orgs["south"]])
    db.session.commit()
    south = signed_in(south_user).get(url(drive))
    assert "South School" in south.text and "North School" not in south.text and '<dd id="use-total">2 (100%)</dd>' in south.text
    assert upload(signed_in(south_user), drive).status_code == 403


def test_logged_out_and_unrelated_users_are_turned_away(drive, world, client, signed_in):
    response = client.get(url(drive))
    assert response.status_code in (302, 303) and "/login" in response.location
    other = accounts.create_user(SETUP, "hill@test.example", "Hill Staff", "library_staff", PASSWORD, [world.orgs["other_library"]])
    db.session.commit()
    assert signed_in(other).get(url(drive)).status_code == 404
    assert upload(signed_in(other), drive).status_code == 404


# ---- the annual report --------------------------------------------------------------------------

def test_the_annual_report_has_card_use_on_the_page_the_pdf_and_the_xlsx(drive, world, signed_in):
    service.commit(SETUP, drive, preview(drive).id)
    session = signed_in(user(world, "viewer"))
    base = f"/reports/agreements/{drive.agreement_id}"
    page = session.get(f"{base}?year=2026")
    assert page.status_code == 200 and 'id="report-card_use"' in page.text and "Library card use" in page.text
    assert "3 of 4 cards in the latest activity reports were used at least once." in page.text
    pdf = session.get(f"{base}.pdf?year=2026")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Library card use" in text and "3 of 4 cards in the latest activity reports were used at least once." in text
    assert "South School 2 2 (100%)" in text and "All schools 4 3 (75%) 50%" in text
    book = load_workbook(io.BytesIO(session.get(f"{base}.xlsx?year=2026").data))
    sheet = book["Library card use"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["School", "Cards", "Used at least once", "Used (%)"]
    total = next(r for r in rows if r[0] == "All schools")
    assert total[1:3] == [4, 3] and abs(total[3] - 0.75) < 1e-9 and abs(total[4] - 0.5) < 1e-9


def test_the_history_tells_an_import_in_words(drive, app):
    from tests.test_audit_changes import newest

    service.commit(SETUP, drive, preview(drive, kind="koha").id)
    lines = " ".join(newest(app, "card_drive", drive.id))
    assert "imported a card activity report" in lines and "Koha" in lines and "cards matched" in lines
    assert "koha" not in lines and "rows_matched" not in lines
